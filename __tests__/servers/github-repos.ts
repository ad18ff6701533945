// The repository side of the GitHub API stand-in (github-api.ts routes to it):
// GET /repos/:owner/:repo, GET /repos/:owner/:repo/pulls/:n and GET /users/:owner.
import { idOf } from './github-packages.js'

const DOCS = 'https://docs.github.com/rest'

export function errorBody(status: number, message: string): object {
  return { message, documentation_url: DOCS, status: String(status) }
}

/** A table entry by key, matched case-insensitively as GitHub matches names: [key, value]. */
export const lookup = <T>(table: Record<string, T>, key: string): [string, T] | undefined => {
  const k = Object.keys(table).find(x => x.toLowerCase() === key.toLowerCase())
  return k === undefined ? undefined : [k, table[k]]
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

export interface PullSpec {
  state: 'open' | 'closed'
  merged?: boolean
  title?: string
  /** Head branch (default `pr-<n>`). */
  head?: string
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

function pullJson(key: string, n: number, p: PullSpec, serverUrl: string, apiUrl: string): object {
  const closedAt = p.state === 'closed' ? '2026-11-20T10:00:00Z' : null
  return {
    url: `${apiUrl}/repos/${key}/pulls/${n}`,
    id: idOf(`pull:${key}#${n}`),
    number: n,
    state: p.state,
    title: p.title ?? `Pull request ${n}`,
    html_url: `${serverUrl}/${key}/pull/${n}`,
    merged: p.merged ?? false,
    merged_at: p.merged ? closedAt : null,
    closed_at: closedAt,
    head: { ref: p.head ?? `pr-${n}`, sha: idOf(`sha:${key}#${n}`).toString(16).padStart(40, '0') },
    base: { ref: 'main' }
  }
}

export interface RepoContext {
  repos: Record<string, RepoSpec>
  pulls: Record<string, Record<number, PullSpec>>
  /** The account of a login (configured spelling and type), or undefined. */
  owner(login: string): { login: string; type: 'User' | 'Organization' } | undefined
  knownToken: boolean
  serverUrl: string
  apiUrl: string
}

/** The answer to a GET of one of these paths, undefined for other paths. */
export function repoRoute(
  path: string,
  ctx: RepoContext
): { status: number; body: object } | undefined {
  const notFound = { status: 404, body: errorBody(404, 'Not Found') }
  const u = /^\/users\/([^/]+)$/.exec(path)
  if (u) {
    const account = ctx.owner(decodeURIComponent(u[1]))
    if (!account) return notFound
    const { login, type } = account
    const body = {
      login,
      id: idOf(`owner:${login.toLowerCase()}`),
      type,
      html_url: `${ctx.serverUrl}/${login}`,
      site_admin: false
    }
    return { status: 200, body }
  }
  const p = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path)
  if (p) {
    const found = lookup(ctx.pulls, `${decodeURIComponent(p[1])}/${decodeURIComponent(p[2])}`)
    const pull = found?.[1][Number(p[3])]
    if (!found || !pull) return notFound
    return { status: 200, body: pullJson(found[0], Number(p[3]), pull, ctx.serverUrl, ctx.apiUrl) }
  }
  const r = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path)
  if (!r) return undefined
  const wanted = `${decodeURIComponent(r[1])}/${decodeURIComponent(r[2])}`.toLowerCase()
  const keys = Object.keys(ctx.repos)
  const index = keys.findIndex(k => k.toLowerCase() === wanted)
  const repo = index >= 0 ? ctx.repos[keys[index]] : undefined
  // a private repository is hidden from a request without a known token, as GitHub does
  if (!repo || (repo.private && !ctx.knownToken)) return notFound
  if (repo.status)
    return { status: repo.status, body: errorBody(repo.status, repo.message ?? 'Error') }
  return { status: 200, body: repoJson(keys[index], repo, ctx.serverUrl, 100 + index) }
}
