// The versions of a container package, read from a real Distribution registry: every revision
// link of the repository in the registry's filesystem storage (the HTTP API cannot list untagged
// manifests), the tags from its tag list (GET tags/list, then HEAD per tag). Used by
// github-packages.ts; tests may call listVersions directly to compare.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface PackagesBackend {
  /** host:port of the registry, e.g. a front of this directory (`startHtpasswdRegistry`). */
  registry: string
  /** `rootdirectory` of its filesystem storage (`storageRoot` of the registries here). */
  storageRoot: string
  /** Authorization header for registry requests about a repository (pull and delete). */
  authorization: string | ((repository: string) => string)
}

/** One version of a package: a manifest of the repository. */
export interface PackageVersion {
  id: number
  digest: string
  tags: string[]
  created_at: string
  updated_at: string
}

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

/** The live versions of a repository, newest first; undefined when it has none. */
export async function listVersions(
  backend: PackagesBackend,
  repo: string,
  dates: Record<string, { created_at: string; updated_at?: string }> = {}
): Promise<PackageVersion[] | undefined> {
  const repoDir = join(backend.storageRoot, 'docker/registry/v2/repositories', repo)
  const revisions = join(repoDir, '_manifests/revisions/sha256')
  let hexes: string[]
  try {
    hexes = readdirSync(revisions).filter(h => existsSync(join(revisions, h, 'link')))
  } catch {
    return undefined
  }
  if (!hexes.length) return undefined
  const auth = registryAuthorization(backend, repo)
  const base = `http://${backend.registry}/v2/${repo}`
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
    const set = dates[digest]
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

export function registryAuthorization(backend: PackagesBackend, repo: string): string {
  const a = backend.authorization
  return typeof a === 'string' ? a : a(repo)
}
