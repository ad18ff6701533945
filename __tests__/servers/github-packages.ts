// GitHub's Packages REST API for container packages, answered from a real registry. The package
// `name` of owner `acme` is the registry repository `acme/<name>` (lowercased, as on ghcr.io);
// its versions are the registry's manifests (package-versions.ts reads them); DELETE goes
// through the registry's API (DELETE /v2/<repo>/manifests/<digest>). Shapes and messages:
// docs/test-servers.md says which are GitHub's and which are guessed.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { json } from './lifecycle.js'
import {
  idOf,
  listVersions,
  registryAuthorization,
  type PackageVersion,
  type PackagesBackend
} from './package-versions.js'

export { idOf, versionIdOf, type PackageVersion, type PackagesBackend } from './package-versions.js'

export type PackageRole = 'none' | 'read' | 'write' | 'admin'
const RANK: Record<PackageRole, number> = { none: 0, read: 1, write: 2, admin: 3 }

/** Who asked, as github-api.ts resolved the token. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'user'; login: string; scopes: string[] | null; role: (pkg: string) => PackageRole }
  | { kind: 'installation'; role: (pkg: string) => PackageRole }

export interface PackagesContext {
  backend: PackagesBackend
  /** owner login (any case) -> account type; user token logins are added as 'User'. */
  ownerType(login: string): 'User' | 'Organization' | undefined
  /** The organization with this id (the /organizations/{id}/... links GitHub gives). */
  orgById(id: number): string | undefined
  /** Configured dates per manifest digest (live). */
  dates: Record<string, { created_at: string; updated_at?: string }>
  apiUrl: () => string
  serverUrl: string
}

const DOCS = 'https://docs.github.com/rest/packages/packages'
function fail(res: ServerResponse, status: number, message: string, doc = DOCS): void {
  json(res, status, { message, documentation_url: doc, status: String(status) })
}

interface Route {
  scope: 'orgs' | 'users'
  owner: string
  name: string
  versions: boolean
  versionId?: number
}

/** Parses a packages path (name still URL-encoded); undefined when it is not one. */
function route(
  path: string,
  caller: Caller,
  ctx: PackagesContext
): Route | 'not-found' | undefined {
  const m =
    /^\/(orgs|users|organizations)\/([^/]+)\/packages\/container\/([^/]+)(\/versions(?:\/(\d+))?)?$/.exec(
      path
    ) ?? /^\/(user)\/packages\/container\/([^/]+)(\/versions(?:\/(\d+))?)?$/.exec(path)
  if (!m) return undefined
  const user = m[1] === 'user'
  const [name, versions, id] = user ? [m[2], m[3], m[4]] : [m[3], m[4], m[5]]
  let owner = user ? (caller.kind === 'user' ? caller.login : '') : decodeURIComponent(m[2])
  let scope: Route['scope'] = m[1] === 'users' || user ? 'users' : 'orgs'
  if (m[1] === 'organizations') owner = ctx.orgById(Number(owner)) ?? ''
  const type = ctx.ownerType(owner)
  if (!owner || !type || (scope === 'orgs') !== (type === 'Organization')) return 'not-found'
  if (user) scope = 'users'
  return {
    scope,
    owner,
    name: decodeURIComponent(name),
    versions: !!versions,
    versionId: id ? Number(id) : undefined
  }
}

/** Answers a packages request; false when the path is not one of these endpoints. */
export async function handlePackages(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  caller: Caller,
  ctx: PackagesContext
): Promise<boolean> {
  const r = route(path, caller, ctx)
  if (r === undefined) return false
  const method = req.method ?? 'GET'
  const isDelete = method === 'DELETE'
  if (caller.kind === 'anonymous') {
    fail(res, 401, 'Requires authentication')
    return true
  }
  if (path.startsWith('/user/') && caller.kind === 'installation') {
    fail(res, 403, 'Resource not accessible by integration')
    return true
  }
  if (r === 'not-found') {
    fail(res, 404, 'Not Found')
    return true
  }
  if ((isDelete && r.versionId === undefined) || (!isDelete && method !== 'GET')) {
    fail(res, 404, 'Not Found') // deleting a whole package is not served
    return true
  }
  const pkg = `${r.owner}/${r.name}`.toLowerCase()
  if (caller.kind === 'user') {
    const s = caller.scopes
    if (s === null) {
      fail(res, 403, 'Resource not accessible by personal access token')
      return true
    }
    const read = s.includes('read:packages') || s.includes('write:packages')
    if (isDelete && !(read && s.includes('delete:packages'))) {
      fail(
        res,
        403,
        'You need at least delete:packages and read:packages scopes to delete a package version.'
      )
      return true
    }
    if (!read) {
      const what = r.versionId
        ? 'a package version'
        : r.versions
          ? "a package's versions"
          : 'a package'
      fail(res, 403, `You need at least read:packages scope to get ${what}.`)
      return true
    }
  }
  const role = caller.role(pkg)
  const versions =
    RANK[role] >= RANK.read ? await listVersions(ctx.backend, pkg, ctx.dates) : undefined
  if (!versions) {
    fail(res, 404, 'Package not found.')
    return true
  }
  if (isDelete && RANK[role] < RANK.admin) {
    if (caller.kind === 'installation') fail(res, 403, 'Resource not accessible by integration')
    else fail(res, 403, 'You must have admin rights on the package to delete its versions.')
    return true
  }
  const apiUrl = ctx.apiUrl()
  const encName = encodeURIComponent(r.name)
  const ownerPath = `${apiUrl}/${r.scope}/${r.owner}/packages/container/${encName}`
  const htmlOwner = `${ctx.serverUrl}/${r.scope === 'orgs' ? 'orgs' : 'users'}/${r.owner}`
  const versionJson = (v: PackageVersion): object => ({
    id: v.id,
    name: v.digest,
    url: `${ownerPath}/versions/${v.id}`,
    package_html_url: `${htmlOwner}/packages/container/package/${encName}`,
    created_at: v.created_at,
    updated_at: v.updated_at,
    html_url: `${htmlOwner}/packages/container/${encName}/${v.id}`,
    metadata: { package_type: 'container', container: { tags: v.tags } }
  })

  if (r.versionId !== undefined) {
    const v = versions.find(x => x.id === r.versionId)
    if (!v) {
      fail(res, 404, 'Package version not found.')
      return true
    }
    if (!isDelete) {
      json(res, 200, versionJson(v))
      return true
    }
    if (v.tags.length && versions.filter(x => x.tags.length).length === 1) {
      fail(
        res,
        400,
        'You cannot delete the last tagged version of a package. You must delete the package instead.'
      )
      return true
    }
    const del = await fetch(`http://${ctx.backend.registry}/v2/${pkg}/manifests/${v.digest}`, {
      method: 'DELETE',
      headers: { Authorization: registryAuthorization(ctx.backend, pkg) }
    })
    if (del.status !== 202) {
      fail(res, 502, `registry answered ${del.status} to DELETE ${v.digest}`)
      return true
    }
    res.writeHead(204).end()
    return true
  }

  if (!r.versions) {
    const type = ctx.ownerType(r.owner) ?? 'User'
    json(res, 200, {
      id: idOf(`package:${pkg}`),
      name: r.name,
      package_type: 'container',
      owner: { login: r.owner, id: idOf(`owner:${r.owner.toLowerCase()}`), type },
      version_count: versions.length,
      visibility: 'public',
      url: ownerPath,
      created_at: versions.map(v => v.created_at).sort()[0],
      updated_at: versions
        .map(v => v.updated_at)
        .sort()
        .at(-1),
      html_url: `${htmlOwner}/packages/container/package/${encName}`
    })
    return true
  }

  if (query.get('state') === 'deleted') {
    json(res, 200, [])
    return true
  }
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page')) || 30))
  const page = Math.max(1, Math.floor(Number(query.get('page')) || 1))
  const last = Math.max(1, Math.ceil(versions.length / perPage))
  const headers: Record<string, string> = {}
  if (last > 1) {
    // GitHub's links for an organization's package name it by id: /organizations/{id}/...
    const base =
      r.scope === 'orgs'
        ? `${apiUrl}/organizations/${idOf(`owner:${r.owner.toLowerCase()}`)}/packages/container/${encName}/versions`
        : `${ownerPath}/versions`
    const link = (p: number, rel: string): string => {
      const q = new URLSearchParams(query)
      q.delete('page')
      q.set('page', String(p))
      return `<${base}?${q}>; rel="${rel}"`
    }
    const rels: string[] = []
    if (page > 1) rels.push(link(Math.min(page - 1, last), 'prev'))
    if (page < last) rels.push(link(page + 1, 'next'), link(last, 'last'))
    if (page > 1) rels.push(link(1, 'first'))
    headers.Link = rels.join(', ')
  }
  json(res, 200, versions.slice((page - 1) * perPage, page * perPage).map(versionJson), headers)
  return true
}
