// The one GitHub REST API client, on the HTTP seam (src/http.ts) like every other call: the
// repository's facts for the labels and the default branch, the headers of `GET /user` for a
// classic PAT's scopes, and the container packages' versions for the clean-up (issue 14).
// Octokit would cost ~190 ms of loading for a few calls (docs/benchmarks.md).
import { cleanText, type GitHubContext, type RepoInfo } from './context.js'
import { HttpStatusError, NetworkError } from './errors.js'
import { request, type HttpResponse } from './http.js'
import { isTransient, withRetry, type RetryOptions } from './retry.js'

export interface GitHubApi {
  /** GITHUB_API_URL, no trailing slash (https://api.github.com, https://HOST/api/v3 on GHES). */
  apiUrl: string
  token: string
  /** For githubSend: retries of transient answers (default 3) and their tuning (tests). */
  retries?: number
  retry?: Omit<RetryOptions, 'retries'>
}

/** One GET with GitHub's headers. Any status is an answer; a transport failure throws NetworkError. */
export function githubGet(api: GitHubApi, path: string, timeoutMs: number): Promise<HttpResponse> {
  return githubRequest(api, 'GET', path, timeoutMs)
}

/** One request to a path under apiUrl, or to an absolute URL the API gave (a `Link`). */
function githubRequest(
  api: GitHubApi,
  method: string,
  pathOrUrl: string,
  timeoutMs: number
): Promise<HttpResponse> {
  const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${api.apiUrl}${pathOrUrl}`
  return request(url, {
    method,
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

/**
 * A request retried on transient answers (5xx, 429, GitHub's rate limits) by the rules of
 * retry.ts. Returns the last answer, whatever its status; a transport failure that outlasts the
 * retries throws NetworkError.
 */
export async function githubSend(
  api: GitHubApi,
  method: string,
  pathOrUrl: string
): Promise<HttpResponse> {
  const label = `${method} ${pathOrUrl.startsWith('/') ? api.apiUrl + pathOrUrl : pathOrUrl}`
  try {
    return await withRetry(
      label,
      async () => {
        const res = await githubRequest(api, method, pathOrUrl, 30_000)
        if (res.status >= 400 && isTransient(res)) throw new HttpStatusError(res, label)
        return res
      },
      { ...api.retry, retries: api.retries ?? 3 }
    )
  } catch (e) {
    if (e instanceof HttpStatusError) return { status: e.status, headers: e.headers, body: e.body }
    throw e
  }
}

/** A container package: `ghcr.io/acme/app/web` is package `app/web` of owner `acme`. */
export interface ContainerPackage {
  owner: string
  name: string
  /** `orgs` or `users`: the API's path for the owner's packages (ownerScope). */
  scope: 'orgs' | 'users'
}

/** The versions path of a package; `name` URL-encoded (`app%2Fweb`), as GitHub requires. */
export const versionsPath = (p: ContainerPackage): string =>
  `/${p.scope}/${encodeURIComponent(p.owner)}/packages/container/${encodeURIComponent(p.name)}/versions`

/** A failed answer; its message is `what: HTTP status` (apiProblem adds GitHub's words). */
const failed = (res: HttpResponse, what: string): HttpStatusError => new HttpStatusError(res, what)

function parse<T>(res: HttpResponse, what: string): T {
  try {
    return JSON.parse(res.body) as T
  } catch {
    throw failed({ ...res, body: '' }, `${what}: the answer is not JSON`)
  }
}

/** Whether an account is an organization or a user (GET /users/{owner}): which packages path it has. */
export async function ownerScope(api: GitHubApi, owner: string): Promise<'orgs' | 'users'> {
  const path = `/users/${encodeURIComponent(owner)}`
  const res = await githubSend(api, 'GET', path)
  if (res.status !== 200) throw failed(res, `GET ${api.apiUrl}${path}`)
  return parse<{ type?: string }>(res, `GET ${path}`).type === 'Organization' ? 'orgs' : 'users'
}

export interface VersionJson {
  id: number
  name: string
  created_at: string
  updated_at: string
  metadata?: { container?: { tags?: string[] } }
}

/**
 * Every version of a package, all pages (`Link: rel="next"`, followed as given). Throws rather
 * than return a part: a version missing from the list could be an index whose entries then look
 * unreferenced.
 */
export async function listPackageVersions(
  api: GitHubApi,
  pkg: ContainerPackage
): Promise<VersionJson[]> {
  const out: VersionJson[] = []
  let next: string | undefined = `${versionsPath(pkg)}?per_page=100`
  for (let page = 1; next; page++) {
    const what = `GET ${next.startsWith('/') ? api.apiUrl + next : next}`
    if (page > 1000) throw new Error(`${what}: more than 1000 pages of versions`)
    const res = await githubSend(api, 'GET', next)
    if (res.status !== 200) throw failed(res, what)
    const versions = parse<VersionJson[]>(res, what)
    if (!Array.isArray(versions)) throw failed({ ...res, body: '' }, `${what}: not a list`)
    for (const v of versions) {
      if (typeof v?.id !== 'number' || !/^sha256:[0-9a-f]{64}$/.test(String(v.name))) {
        throw failed({ ...res, body: '' }, `${what}: a version without an id and digest`)
      }
      const tags: unknown = v.metadata?.container?.tags ?? []
      // A version read as untagged when its tags are unreadable could be deleted: refuse instead.
      if (!Array.isArray(tags))
        throw failed({ ...res, body: '' }, `${what}: tags that are not a list`)
      out.push({ ...v, metadata: { container: { tags: tags.map(t => cleanText(String(t))) } } })
    }
    next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.link ?? '')?.[1]
    // The token goes only to the API it was given for.
    if (next && !next.startsWith(`${api.apiUrl}/`)) {
      throw new Error(`${what}: the next page is outside ${api.apiUrl} (${next.slice(0, 100)})`)
    }
  }
  return out
}

/** DELETE one version; the answer as it is (204 deleted, 404 gone, 403 not allowed, ...). */
export function deletePackageVersion(
  api: GitHubApi,
  pkg: ContainerPackage,
  id: number
): Promise<HttpResponse> {
  return githubSend(api, 'DELETE', `${versionsPath(pkg)}/${id}`)
}

/** open or closed; unknown when the API cannot tell (not found, no access, failing). Never throws but for a bug. */
export async function pullRequestState(
  api: GitHubApi,
  repository: { owner: string; repo: string },
  n: number
): Promise<'open' | 'closed' | 'unknown'> {
  const path = `/repos/${encodeURIComponent(repository.owner)}/${encodeURIComponent(repository.repo)}/pulls/${n}`
  let res: HttpResponse
  try {
    res = await githubSend(api, 'GET', path)
  } catch (e) {
    if (e instanceof NetworkError) return 'unknown'
    throw e
  }
  if (res.status !== 200) return 'unknown'
  const state = (() => {
    try {
      return (JSON.parse(res.body) as { state?: unknown }).state
    } catch {
      return undefined
    }
  })()
  return state === 'open' || state === 'closed' ? state : 'unknown'
}
