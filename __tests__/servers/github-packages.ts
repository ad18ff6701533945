// GitHub's Packages REST API for container packages, answered from a real registry. The package
// `name` of owner `acme` is the registry repository `acme/<name>` (lowercased, as on ghcr.io);
// its versions are the registry's manifests: every revision link under
// `<storage>/docker/registry/v2/repositories/<repo>/_manifests/revisions/sha256/` (the Distribution
// API cannot list untagged manifests), their tags from the registry's tag list (GET tags/list,
// then HEAD per tag), DELETE through the registry's API (DELETE /v2/<repo>/manifests/<digest>).
// Shapes and messages: docs/test-servers.md says which are GitHub's and which are guessed.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { json } from './lifecycle.js'

export type PackageRole = 'none' | 'read' | 'write' | 'admin'
const RANK: Record<PackageRole, number> = { none: 0, read: 1, write: 2, admin: 3 }

export interface PackagesBackend {
  /** host:port of the registry, e.g. a front of this directory (`startHtpasswdRegistry`). */
  registry: string
  /** `rootdirectory` of its filesystem storage (`storageRoot` of the registries here). */
  storageRoot: string
  /** Authorization header for registry requests about a repository (pull and delete). */
  authorization: string | ((repository: string) => string)
}

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

export interface PackageVersion {
  id: number
  digest: string
  tags: string[]
  created_at: string
  updated_at: string
}

const DOCS = 'https://docs.github.com/rest/packages/packages'
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

/** A version's id: stable per digest (first 6 bytes of its hash, as a number). */
export const versionIdOf = (digest: string): number =>
  parseInt(digest.replace(/^sha256:/, '').slice(0, 12), 16)
/** An account's or a package's id: stable per name. */
export const idOf = (text: string): number =>
  parseInt(createHash('sha256').update(text).digest('hex').slice(0, 7), 16)
/** GitHub's timestamps have no milliseconds. */
const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

function fail(res: ServerResponse, status: number, message: string, doc = DOCS): void {
  json(res, status, { message, documentation_url: doc, status: String(status) })
}

/** The live versions of a repository, newest first; undefined when it has none. */
export async function listVersions(
  ctx: PackagesContext,
  repo: string
): Promise<PackageVersion[] | undefined> {
  const repoDir = join(ctx.backend.storageRoot, 'docker/registry/v2/repositories', repo)
  const revisions = join(repoDir, '_manifests/revisions/sha256')
  let hexes: string[]
  try {
    hexes = readdirSync(revisions).filter(h => existsSync(join(revisions, h, 'link')))
  } catch {
    return undefined
  }
  if (!hexes.length) return undefined
  const auth = authorization(ctx, repo)
  const base = `http://${ctx.backend.registry}/v2/${repo}`
  const tagList = await fetch(`${base}/tags/list`, { headers: { Authorization: auth } })
  const tags = tagList.ok ? (((await tagList.json()) as { tags: string[] | null }).tags ?? []) : []
  const tagsOf = new Map<string, { tag: string; moved: number }[]>()
  for (const tag of tags) {
    const head = await fetch(`${base}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { Authorization: auth, Accept: MANIFEST_TYPES }
    })
    const digest = head.headers.get('docker-content-digest')
    if (!head.ok || !digest) continue
    let moved = 0
    try {
      moved = statSync(join(repoDir, '_manifests/tags', tag, 'current/link')).mtimeMs
    } catch {
      // tag gone meanwhile
    }
    tagsOf.set(digest, [...(tagsOf.get(digest) ?? []), { tag, moved }])
  }
  const versions = hexes.map(hex => {
    const digest = `sha256:${hex}`
    const st = statSync(join(revisions, hex, 'link'))
    const born = st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs
    const own = tagsOf.get(digest) ?? []
    const set = ctx.dates[digest]
    const created = set ? set.created_at : iso(new Date(born))
    const updated = set
      ? (set.updated_at ?? set.created_at)
      : iso(new Date(Math.max(born, ...own.map(t => t.moved))))
    const at = set ? Date.parse(set.created_at) : born
    return {
      version: {
        id: versionIdOf(digest),
        digest,
        tags: own.map(t => t.tag).sort(),
        created_at: created,
        updated_at: updated
      },
      at
    }
  })
  // newest first, to the nanosecond of the files (the ISO dates only say the second)
  return versions.sort((a, b) => b.at - a.at || b.version.id - a.version.id).map(v => v.version)
}

function authorization(ctx: PackagesContext, repo: string): string {
  const a = ctx.backend.authorization
  return typeof a === 'string' ? a : a(repo)
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
  const versions = RANK[role] >= RANK.read ? await listVersions(ctx, pkg) : undefined
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
      headers: { Authorization: authorization(ctx, pkg) }
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
