// Repository facts from the GitHub REST API, for the description, licenses and url labels.
// Optional by design: any failure is a warning and those labels are left out.
import type { GitHubContext, RepoInfo } from './context.js'
import * as runner from './runner.js'

const TIMEOUT_MS = 5000

export async function fetchRepoInfo(
  ctx: GitHubContext,
  token: string
): Promise<RepoInfo | undefined> {
  if (!ctx.owner || !ctx.repo) return undefined
  if (!token) {
    runner.debug('github-token is empty: repository metadata (description, licenses) skipped')
    return undefined
  }
  try {
    // Loaded here only: @actions/github is large and most of a dry run does not need it.
    const { getOctokit } = await import('@actions/github')
    const octokit = getOctokit(token, { baseUrl: ctx.apiUrl })
    const { data } = await octokit.rest.repos.get({
      owner: ctx.owner,
      repo: ctx.repo,
      request: { signal: AbortSignal.timeout(TIMEOUT_MS) }
    })
    return {
      name: data.name,
      htmlUrl: data.html_url,
      description: data.description ?? undefined,
      license:
        data.license?.spdx_id && data.license.spdx_id !== 'NOASSERTION'
          ? data.license.spdx_id
          : undefined,
      defaultBranch: data.default_branch
    }
  } catch (e) {
    const err = e as Error & { status?: number }
    const why = err.status ? `HTTP ${err.status}` : err.message
    runner.warning(
      `could not read ${ctx.owner}/${ctx.repo} from ${ctx.apiUrl} (${why}): the description, licenses and url labels are left out`
    )
    return undefined
  }
}
