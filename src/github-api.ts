// The one GitHub REST API client, on the HTTP seam (src/http.ts) like every other call: the
// repository's facts for the labels and the default branch, and the headers of `GET /user` for a
// classic PAT's scopes. Octokit would cost ~190 ms of loading for two GETs (docs/benchmarks.md).
import { cleanText, type GitHubContext, type RepoInfo } from './context.js'
import { NetworkError } from './errors.js'
import { request, type HttpResponse } from './http.js'

export interface GitHubApi {
  /** GITHUB_API_URL, no trailing slash (https://api.github.com, https://HOST/api/v3 on GHES). */
  apiUrl: string
  token: string
}

/** One GET with GitHub's headers. Any status is an answer; a transport failure throws NetworkError. */
export function githubGet(api: GitHubApi, path: string, timeoutMs: number): Promise<HttpResponse> {
  return request(`${api.apiUrl}${path}`, {
    method: 'GET',
    headers: {
      Authorization: `Bearer ${api.token}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'ghcr-build-push'
    },
    timeoutMs
  })
}

/** The API's `message` for a failed answer, else its status. */
export function apiProblem(res: HttpResponse): string {
  let message = ''
  try {
    message = String((JSON.parse(res.body) as { message?: unknown }).message ?? '')
  } catch {
    // not JSON
  }
  return message ? `HTTP ${res.status}: ${cleanText(message.slice(0, 200))}` : `HTTP ${res.status}`
}

export type RepoAnswer = { repo: RepoInfo } | { repo?: undefined; problem: string }

interface RepoJson {
  name?: string
  html_url?: string
  description?: string | null
  default_branch?: string
  license?: { spdx_id?: string | null } | null
}

/**
 * `GET /repos/{owner}/{repo}`. Never throws: the labels it feeds are optional, so a failure
 * comes back as a `problem` for one warning.
 */
export async function fetchRepoInfo(
  ctx: GitHubContext,
  token: string,
  timeoutMs = 5000
): Promise<RepoAnswer> {
  if (!ctx.owner || !ctx.repo) return { problem: 'GITHUB_REPOSITORY is not set' }
  if (!token) return { problem: 'github-token is empty' }
  const path = `/repos/${encodeURIComponent(ctx.owner)}/${encodeURIComponent(ctx.repo)}`
  let res: HttpResponse
  try {
    res = await githubGet({ apiUrl: ctx.apiUrl, token }, path, timeoutMs)
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e
    return { problem: e.message }
  }
  if (res.status !== 200) return { problem: `GET ${ctx.apiUrl}${path}: ${apiProblem(res)}` }
  let data: RepoJson
  try {
    data = JSON.parse(res.body) as RepoJson
  } catch {
    return { problem: `GET ${ctx.apiUrl}${path}: the answer is not JSON` }
  }
  // The answer is text from outside (anyone with push access writes the description): cleaned of
  // control characters before it can reach a label, a log line or the summary.
  const clean = (v: unknown): string | undefined =>
    typeof v === 'string' ? cleanText(v) : undefined
  const spdx = clean(data.license?.spdx_id)
  return {
    repo: {
      name: clean(data.name),
      htmlUrl: clean(data.html_url),
      description: clean(data.description),
      // NOASSERTION is GitHub's "a licence file we could not identify": no SPDX id to label.
      license: spdx && spdx !== 'NOASSERTION' ? spdx : undefined,
      defaultBranch: clean(data.default_branch)
    }
  }
}
