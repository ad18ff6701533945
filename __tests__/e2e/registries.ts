// Registries a test starts for itself, next to the stack's main one: one with htpasswd (like
// Docker Hub or any registry with Basic auth) and one with the GHCR-like token service, each with
// its own username and password (issue 13 §3: images on several registries in one build).
// Plus a small client that reads any of them through the registry HTTP API, token dance included.
import { randomBytes } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import {
  startHtpasswdRegistry,
  type HtpasswdRegistry,
  type RegistryStorage
} from '../servers/htpasswd-registry.js'
import { startTokenAuthRegistry, type TokenAuthRegistry } from '../servers/token-auth-registry.js'
import { MANIFEST_TYPES } from './registry-api.js'

export interface RegistryLogin {
  /** host:port: `registry` of a registry-auth entry, and the host of image names. */
  registry: string
  username: string
  password: string
}

export interface TwoRegistries {
  /** Basic auth registry (Distribution + htpasswd). */
  htpasswd: RegistryLogin & { server: HtpasswdRegistry }
  /** ghcr.io-like: Bearer tokens from /token, service `ghcr.io`; the account may push and delete. */
  token: RegistryLogin & { server: TokenAuthRegistry }
  stop(): Promise<void>
}

const secret = (): string => randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')

/** Starts both (about 0.5 s); usernames and passwords are random and differ. */
export async function startTwoRegistries(
  options: { storage?: RegistryStorage } = {}
): Promise<TwoRegistries> {
  const htpasswd = await startHtpasswdRegistry({ storage: options.storage })
  const username = `ghcr-${randomBytes(3).toString('hex')}`
  const password = secret()
  let token: TokenAuthRegistry
  try {
    token = await startTokenAuthRegistry({
      storage: options.storage,
      accounts: {
        [username]: {
          password,
          scopes: ['read:packages', 'write:packages', 'delete:packages']
        }
      }
    })
  } catch (err) {
    await htpasswd.stop()
    throw err
  }
  return {
    htpasswd: {
      registry: htpasswd.registry,
      username: htpasswd.username,
      password: htpasswd.password,
      server: htpasswd
    },
    token: { registry: token.registry, username, password, server: token },
    async stop() {
      await Promise.all([htpasswd.stop(), token.stop()])
    }
  }
}

/**
 * fetch against a registry's /v2/ API with a login: Basic first; on a Bearer challenge, a token
 * from the realm for the challenged scope (what docker does). `path` is below /v2/.
 */
export async function registryFetch(
  login: RegistryLogin,
  path: string,
  init: { method?: string; accept?: string } = {}
): Promise<Response> {
  const url = `http://${login.registry}/v2/${path}`
  const basic = 'Basic ' + Buffer.from(`${login.username}:${login.password}`).toString('base64')
  const headers = { Accept: init.accept ?? MANIFEST_TYPES }
  const first = await fetch(url, {
    method: init.method,
    headers: { ...headers, Authorization: basic }
  })
  const challenge = first.headers.get('www-authenticate') ?? ''
  if (first.status !== 401 || !/^Bearer /i.test(challenge)) return first
  const param = (k: string): string | undefined => new RegExp(`${k}="([^"]*)"`).exec(challenge)?.[1]
  const realm = new URL(param('realm') ?? '')
  if (param('service')) realm.searchParams.set('service', param('service') ?? '')
  if (param('scope')) realm.searchParams.set('scope', param('scope') ?? '')
  const tokenRes = await fetch(realm, { headers: { Authorization: basic } })
  if (!tokenRes.ok) return tokenRes
  const { token } = (await tokenRes.json()) as { token: string }
  return fetch(url, {
    method: init.method,
    headers: { ...headers, Authorization: `Bearer ${token}` }
  })
}

/** Tags of a repository, sorted ([] when it does not exist). */
export async function registryTags(login: RegistryLogin, repo: string): Promise<string[]> {
  const res = await registryFetch(login, `${repo}/tags/list`, { accept: 'application/json' })
  if (res.status === 404) return []
  if (!res.ok) throw new Error(`${login.registry} tags/list ${repo}: HTTP ${res.status}`)
  return [...(((await res.json()) as { tags: string[] | null }).tags ?? [])].sort()
}

/** Docker-Content-Digest of a tag or digest (HEAD), undefined when absent. */
export async function registryDigest(
  login: RegistryLogin,
  repo: string,
  ref: string
): Promise<string | undefined> {
  const res = await registryFetch(login, `${repo}/manifests/${ref}`, { method: 'HEAD' })
  return res.ok ? (res.headers.get('docker-content-digest') ?? undefined) : undefined
}

/** The stack's main registry (E2E_REGISTRY) as a login. */
export function stackLogin(env: {
  E2E_REGISTRY: string
  E2E_USER: string
  E2E_PASSWORD: string
}): RegistryLogin {
  return { registry: env.E2E_REGISTRY, username: env.E2E_USER, password: env.E2E_PASSWORD }
}

/** The parts of an image manifest or index that the checks read. */
export interface Manifest {
  mediaType?: string
  manifests?: {
    digest: string
    mediaType?: string
    platform?: { os: string; architecture: string; variant?: string }
    annotations?: Record<string, string>
  }[]
  config?: { digest: string }
  layers?: { digest: string }[]
  subject?: { digest: string }
}

export async function registryManifest(
  login: RegistryLogin,
  repo: string,
  ref: string
): Promise<Manifest> {
  const res = await registryFetch(login, `${repo}/manifests/${ref}`)
  if (!res.ok) throw new Error(`${login.registry} manifest ${repo}@${ref}: HTTP ${res.status}`)
  return (await res.json()) as Manifest
}

/** Files of a (gzip or plain) tar blob, by path without a leading './' or '/'. */
export function untar(blob: Buffer): Map<string, Buffer> {
  const tar = blob[0] === 0x1f && blob[1] === 0x8b ? gunzipSync(blob) : blob
  const files = new Map<string, Buffer>()
  for (let off = 0; off + 512 <= tar.length;) {
    const header = tar.subarray(off, off + 512)
    if (header.every(b => b === 0)) break
    const text = (a: number, n: number): string =>
      header
        .subarray(a, a + n)
        .toString('utf8')
        .replace(/\0.*$/s, '')
    const prefix = text(345, 155)
    const name = (prefix ? `${prefix}/` : '') + text(0, 100)
    const size = parseInt(text(124, 12).trim() || '0', 8)
    if (header[156] === 0x30 || header[156] === 0) {
      files.set(name.replace(/^\.?\//, ''), Buffer.from(tar.subarray(off + 512, off + 512 + size)))
    }
    off += 512 + Math.ceil(size / 512) * 512
  }
  return files
}

/**
 * The content of `file` in the top layer of an image manifest (by digest or tag), read through
 * the registry API: what the image's last step wrote.
 */
export async function topLayerFile(
  login: RegistryLogin,
  repo: string,
  ref: string,
  file: string
): Promise<string | undefined> {
  const manifest = await registryManifest(login, repo, ref)
  const top = manifest.layers?.at(-1)?.digest
  if (!top) throw new Error(`${repo}@${ref} has no layers`)
  const res = await registryFetch(login, `${repo}/blobs/${top}`, { accept: '*/*' })
  if (!res.ok) throw new Error(`blob ${top}: HTTP ${res.status}`)
  return untar(Buffer.from(await res.arrayBuffer()))
    .get(file)
    ?.toString('utf8')
}
