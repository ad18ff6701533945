// A stand-in for the GitHub REST API endpoints the action reads. The real api.github.com
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
//   GET /repos/:o/:r/pulls/:n a configured pull request (state open/closed, merged).
//   GET /users/:owner         a configured owner: `type` User or Organization.
//   packages (container)      with a `packages` backend: github-packages.ts, answered from a real
//                             registry's storage and API.
//
// The request log records method, path, the auth scheme and whether the token was known, never
// the token itself.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import {
  handlePackages,
  idOf,
  type Caller,
  type PackageRole,
  type PackagesBackend
} from './github-packages.js'
import { errorBody, lookup, repoRoute, type PullSpec, type RepoSpec } from './github-repos.js'
import { LOOPBACK, closeServer, json, listen } from './lifecycle.js'

export type { PullSpec, RepoSpec } from './github-repos.js'

export interface TokenSpec {
  /** Classic-PAT scopes for X-OAuth-Scopes; null = no header (job tokens, fine-grained PATs). */
  scopes?: string[] | null
  /** login of GET /user (default 'octo-dev'). */
  login?: string
  /** 'installation' tokens (default for ghs_...) get 403 on GET /user, as job tokens do. */
  kind?: 'user' | 'installation'
  /** Role on a package, by 'owner/name' (any case). Others: `packageRole`. */
  packages?: Record<string, PackageRole>
  /**
   * Role on every other package. Default: 'admin' for user tokens (their own packages), 'write'
   * for installation tokens (a job token whose repository was not given the admin role).
   */
  packageRole?: PackageRole
}

/** A canned failure: the next `count` matching requests get it instead of their answer. */
export interface ApiFault {
  status: number
  /** How many requests it still fails (default 1; Infinity for all). */
  count?: number
  method?: string
  /** Only paths containing this text or matching this expression. */
  path?: string | RegExp
  message?: string
  headers?: Record<string, string>
}

export interface ApiRequest {
  method: string
  path: string
  /** Scheme of the Authorization header, lowercased ('token', 'bearer', ...), or null without one. */
  auth: string | null
  /** Whether the token sent was a configured one (false without a token). */
  knownToken: boolean
  status: number
  /** The query string without '?' ('' without one), e.g. `per_page=100&page=2`. */
  query: string
}

export interface GitHubApiOptions {
  /** token -> what GitHub knows about it. */
  tokens?: Record<string, TokenSpec>
  /** 'owner/repo' -> repository (or error) to serve. */
  repos?: Record<string, RepoSpec>
  /** Base of html_url (default https://github.com). */
  serverUrl?: string
  /** 'owner/repo' -> { number: pull request } for GET /repos/:o/:r/pulls/:n. */
  pulls?: Record<string, Record<number, PullSpec>>
  /** Account types for GET /users/:owner and the packages endpoints; user token logins are 'User'. */
  owners?: Record<string, 'User' | 'Organization'>
  /** Serve the container packages endpoints from this registry (see github-packages.ts). */
  packages?: PackagesBackend
  /** created_at (and updated_at) per manifest digest, overriding the registry's file times. */
  versionDates?: Record<string, { created_at: string; updated_at?: string }>
  /** Canned failures (5xx, rate limits), consumed in order. */
  faults?: ApiFault[]
}

export interface GitHubApi {
  /** http://127.0.0.1:port: use as GITHUB_API_URL. */
  url: string
  port: number
  /** Mutable: changes apply to the next request. */
  tokens: Record<string, TokenSpec>
  repos: Record<string, RepoSpec>
  pulls: Record<string, Record<number, PullSpec>>
  owners: Record<string, 'User' | 'Organization'>
  /** Set a version's dates: `api.versionDates[digest] = { created_at: '2026-01-01T00:00:00Z' }`. */
  versionDates: Record<string, { created_at: string; updated_at?: string }>
  faults: ApiFault[]
  requests: ApiRequest[]
  stop(): Promise<void>
}

function kindOf(token: string, spec: TokenSpec): 'user' | 'installation' {
  return spec.kind ?? (token.startsWith('ghs_') ? 'installation' : 'user')
}

/** Classic PATs (ghp_, gho_) default to no scopes; other tokens have none to tell (null). */
function scopesOf(token: string, spec: TokenSpec): string[] | null {
  if (spec.scopes !== undefined) return spec.scopes
  return token.startsWith('ghp_') || token.startsWith('gho_') ? [] : null
}

function callerOf(token: string | undefined, spec: TokenSpec | undefined): Caller {
  if (!token || !spec) return { kind: 'anonymous' }
  const kind = kindOf(token, spec)
  const role = (pkg: string): PackageRole =>
    lookup(spec.packages ?? {}, pkg)?.[1] ??
    spec.packageRole ??
    (kind === 'installation' ? 'write' : 'admin')
  return kind === 'installation'
    ? { kind, role }
    : { kind, login: spec.login ?? 'octo-dev', scopes: scopesOf(token, spec), role }
}

export async function startGitHubApi(options: GitHubApiOptions = {}): Promise<GitHubApi> {
  const tokens = options.tokens ?? {}
  const repos = options.repos ?? {}
  const pulls = options.pulls ?? {}
  const owners = options.owners ?? {}
  const versionDates = options.versionDates ?? {}
  const faults = options.faults ?? []
  const serverUrl = (options.serverUrl ?? 'https://github.com').replace(/\/+$/, '')
  const requests: ApiRequest[] = []
  let apiUrl = ''

  const ownerType = (login: string): 'User' | 'Organization' | undefined => {
    const configured = lookup(owners, login)?.[1]
    if (configured) return configured
    const user = Object.entries(tokens).some(
      ([t, s]) =>
        kindOf(t, s) === 'user' && (s.login ?? 'octo-dev').toLowerCase() === login.toLowerCase()
    )
    return user ? 'User' : undefined
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?', 2)
    const path = rawPath.replace(/\/+$/, '') || '/'
    const m = /^(\S+)\s+(\S+)/.exec(req.headers.authorization ?? '')
    const scheme = m ? m[1].toLowerCase() : null
    const token = m && (scheme === 'token' || scheme === 'bearer') ? m[2] : undefined
    const spec = token !== undefined ? tokens[token] : undefined
    const method = req.method ?? 'GET'
    const entry: ApiRequest = {
      method,
      path,
      auth: scheme,
      knownToken: spec !== undefined,
      status: 0,
      query: rawQuery
    }
    requests.push(entry)
    res.on('finish', () => (entry.status = res.statusCode))
    req.resume()

    const headers = { 'X-GitHub-Media-Type': 'github.v3; format=json' }
    const fault = faults.find(
      f =>
        (f.count ?? 1) > 0 &&
        (!f.method || f.method === method) &&
        (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path)))
    )
    if (fault) {
      fault.count = (fault.count ?? 1) - 1
      json(res, fault.status, errorBody(fault.status, fault.message ?? 'Server Error'), {
        ...headers,
        ...fault.headers
      })
      return
    }
    // a token GitHub does not know is refused everywhere, public data included
    if (m && !spec) {
      json(res, 401, errorBody(401, 'Bad credentials'), headers)
      return
    }
    if (options.packages) {
      const ctx = {
        backend: options.packages,
        ownerType,
        orgById: (id: number) =>
          Object.keys(owners).find(
            o => owners[o] === 'Organization' && idOf(`owner:${o.toLowerCase()}`) === id
          ),
        dates: versionDates,
        apiUrl: () => apiUrl,
        serverUrl
      }
      const query = new URLSearchParams(rawQuery)
      if (await handlePackages(req, res, path, query, callerOf(token, spec), ctx)) return
    }
    if (method !== 'GET' && method !== 'HEAD') {
      json(res, 404, errorBody(404, 'Not Found'), headers)
      return
    }
    if (path === '/user') {
      if (!spec || !token) {
        json(res, 401, errorBody(401, 'Requires authentication'), headers)
        return
      }
      const scopes = scopesOf(token, spec)
      const scopeHeaders: Record<string, string> =
        scopes === null
          ? {}
          : { 'X-OAuth-Scopes': scopes.join(', '), 'X-Accepted-OAuth-Scopes': '' }
      if (kindOf(token, spec) === 'installation') {
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
    const answer = repoRoute(path, {
      repos,
      pulls,
      owner: login => {
        const type = ownerType(login)
        return type && { login: lookup(owners, login)?.[0] ?? login, type }
      },
      knownToken: spec !== undefined,
      serverUrl,
      apiUrl
    })
    if (answer) {
      json(res, answer.status, answer.body, headers)
      return
    }
    json(res, 404, errorBody(404, 'Not Found'), headers)
  }

  const server = createServer((req, res) => {
    handler(req, res).catch(err => {
      if (!res.headersSent) json(res, 500, errorBody(500, `stand-in error: ${String(err)}`))
      else res.destroy()
    })
  })
  const port = await listen(server)
  apiUrl = `http://${LOOPBACK}:${port}`
  let stopped = false
  return {
    url: apiUrl,
    port,
    tokens,
    repos,
    pulls,
    owners,
    versionDates,
    faults,
    requests,
    async stop() {
      if (stopped) return
      stopped = true
      await closeServer(server)
    }
  }
}
