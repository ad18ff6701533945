// A stand-in for the two GitHub REST API endpoints the action reads. The real api.github.com
// cannot be reached from the machines these tests run on (only the npm registry and Debian's
// mirrors are), and it could not be given test tokens anyway; this server answers the same shapes:
//
//   GET /user                 a classic PAT (ghp_...): 200 + `X-OAuth-Scopes: a, b` (the header
//                             the action reads to name a missing scope); a job token (ghs_...):
//                             403 "Resource not accessible by integration", no scopes header;
//                             an unknown token: 401 "Bad credentials"; none: 401.
//   GET /repos/:owner/:repo   the configured repository (name, full_name, description, html_url,
//                             default_branch, license.spdx_id, ...), matched case-insensitively
//                             as GitHub does; a private one only with a known token (404 without,
//                             like GitHub); or a configured error status.
//
// The request log records method, path, the auth scheme and whether the token was known, never
// the token itself.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { LOOPBACK, closeServer, json, listen } from './lifecycle.js'

export interface TokenSpec {
  /** Classic-PAT scopes for X-OAuth-Scopes; null = no header (job tokens, fine-grained PATs). */
  scopes?: string[] | null
  /** login of GET /user (default 'octo-dev'). */
  login?: string
  /** 'installation' tokens (default for ghs_...) get 403 on GET /user, as job tokens do. */
  kind?: 'user' | 'installation'
}

export interface RepoSpec {
  description?: string | null
  /** SPDX id (MIT, Apache-2.0; NOASSERTION for an unrecognized license); null = no license. */
  license?: string | null
  default_branch?: string
  private?: boolean
  /** Default: `${serverUrl}/${owner}/${repo}`. */
  html_url?: string
  topics?: string[]
  /** Answer this status instead of the repository (e.g. 403, 500, 503). */
  status?: number
  message?: string
}

export interface ApiRequest {
  method: string
  path: string
  /** Scheme of the Authorization header, lowercased ('token', 'bearer', ...), or null without one. */
  auth: string | null
  /** Whether the token sent was a configured one (false without a token). */
  knownToken: boolean
  status: number
}

export interface GitHubApiOptions {
  /** token -> what GitHub knows about it. */
  tokens?: Record<string, TokenSpec>
  /** 'owner/repo' -> repository (or error) to serve. */
  repos?: Record<string, RepoSpec>
  /** Base of html_url (default https://github.com). */
  serverUrl?: string
}

export interface GitHubApi {
  /** http://127.0.0.1:port: use as GITHUB_API_URL. */
  url: string
  port: number
  /** Mutable: changes apply to the next request. */
  tokens: Record<string, TokenSpec>
  repos: Record<string, RepoSpec>
  requests: ApiRequest[]
  stop(): Promise<void>
}

const DOCS = 'https://docs.github.com/rest'

function errorBody(status: number, message: string): object {
  return { message, documentation_url: DOCS, status: String(status) }
}

function repoJson(key: string, spec: RepoSpec, serverUrl: string, id: number): object {
  const [owner, name] = key.split('/')
  const html = spec.html_url ?? `${serverUrl}/${owner}/${name}`
  const spdx = spec.license === undefined ? 'MIT' : spec.license
  const license =
    spdx === null
      ? null
      : {
          key: spdx === 'NOASSERTION' ? 'other' : spdx.toLowerCase(),
          name: spdx === 'NOASSERTION' ? 'Other' : `${spdx} License`,
          spdx_id: spdx,
          url:
            spdx === 'NOASSERTION' ? null : `https://api.github.com/licenses/${spdx.toLowerCase()}`
        }
  return {
    id,
    name,
    full_name: `${owner}/${name}`,
    private: spec.private ?? false,
    visibility: spec.private ? 'private' : 'public',
    owner: { login: owner, id: id + 1000, type: 'Organization' },
    html_url: html,
    description: spec.description === undefined ? `${name} test repository` : spec.description,
    fork: false,
    default_branch: spec.default_branch ?? 'main',
    license,
    topics: spec.topics ?? []
  }
}

export async function startGitHubApi(options: GitHubApiOptions = {}): Promise<GitHubApi> {
  const tokens = options.tokens ?? {}
  const repos = options.repos ?? {}
  const serverUrl = (options.serverUrl ?? 'https://github.com').replace(/\/+$/, '')
  const requests: ApiRequest[] = []

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/'
    const m = /^(\S+)\s+(\S+)/.exec(req.headers.authorization ?? '')
    const scheme = m ? m[1].toLowerCase() : null
    const token = m && (scheme === 'token' || scheme === 'bearer') ? m[2] : undefined
    const spec = token !== undefined ? tokens[token] : undefined
    const entry: ApiRequest = {
      method: req.method ?? 'GET',
      path,
      auth: scheme,
      knownToken: spec !== undefined,
      status: 0
    }
    requests.push(entry)
    res.on('finish', () => (entry.status = res.statusCode))
    req.resume()

    const headers = { 'X-GitHub-Media-Type': 'github.v3; format=json' }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 404, errorBody(404, 'Not Found'), headers)
      return
    }
    // a token GitHub does not know is refused everywhere, public data included
    if (m && !spec) {
      json(res, 401, errorBody(401, 'Bad credentials'), headers)
      return
    }
    if (path === '/user') {
      if (!spec || !token) {
        json(res, 401, errorBody(401, 'Requires authentication'), headers)
        return
      }
      const kind = spec.kind ?? (token.startsWith('ghs_') ? 'installation' : 'user')
      const scopes =
        spec.scopes === undefined
          ? token.startsWith('ghp_') || token.startsWith('gho_')
            ? []
            : null
          : spec.scopes
      const scopeHeaders: Record<string, string> =
        scopes === null
          ? {}
          : { 'X-OAuth-Scopes': scopes.join(', '), 'X-Accepted-OAuth-Scopes': '' }
      if (kind === 'installation') {
        json(res, 403, errorBody(403, 'Resource not accessible by integration'), headers)
        return
      }
      const login = spec.login ?? 'octo-dev'
      json(
        res,
        200,
        { login, id: 4242, type: 'User', html_url: `${serverUrl}/${login}` },
        { ...headers, ...scopeHeaders }
      )
      return
    }
    const r = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path)
    if (r) {
      const wanted = `${decodeURIComponent(r[1])}/${decodeURIComponent(r[2])}`.toLowerCase()
      const keys = Object.keys(repos)
      const index = keys.findIndex(k => k.toLowerCase() === wanted)
      const repo = index >= 0 ? repos[keys[index]] : undefined
      if (!repo || (repo.private && !spec)) {
        json(res, 404, errorBody(404, 'Not Found'), headers)
        return
      }
      if (repo.status) {
        json(res, repo.status, errorBody(repo.status, repo.message ?? 'Error'), headers)
        return
      }
      json(res, 200, repoJson(keys[index], repo, serverUrl, 100 + index), headers)
      return
    }
    json(res, 404, errorBody(404, 'Not Found'), headers)
  }

  const server = createServer(handler)
  const port = await listen(server)
  let stopped = false
  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    tokens,
    repos,
    requests,
    async stop() {
      if (stopped) return
      stopped = true
      await closeServer(server)
    }
  }
}
