// The manifest graph of a package, read from the registry (never guessed from the API's list):
// for each digest, the entries of an index (platform and attestation manifests) and the
// `subject` of a referrer. Our registry client (registry-auth.ts), like verify.ts.
import type { ChildRef, ManifestGraph, ManifestRefs } from './cleanup-plan.js'
import { RegistryError } from './errors.js'
import { registryBaseUrl } from './http.js'
import {
  authorize,
  repositoryPath,
  send,
  type RegistryAuth,
  type RegistryTarget
} from './registry-auth.js'
import { MANIFEST_ACCEPT } from './verify.js'

/** Manifests read at once: enough to be quick, few enough for a registry's rate limits. */
const PARALLEL = 6

/** Registry text shown in logs: a platform string is the registry's, not ours. */
const clean = (s: unknown): string => String(s ?? '').replace(/[^A-Za-z0-9_.+/-]/g, '?')

interface ManifestJson {
  manifests?: Array<{
    digest?: unknown
    platform?: { os?: unknown; architecture?: unknown; variant?: unknown }
    annotations?: Record<string, unknown>
  }>
  subject?: { digest?: unknown }
}

const DIGEST = /^sha256:[0-9a-f]{64}$/

/** What one manifest refers to; undefined when it is not a manifest we can read. */
export function manifestRefs(body: string): ManifestRefs | undefined {
  let json: ManifestJson
  try {
    json = JSON.parse(body) as ManifestJson
  } catch {
    return undefined
  }
  if (typeof json !== 'object' || json === null) return undefined
  const children: ChildRef[] = []
  for (const m of Array.isArray(json.manifests) ? json.manifests : []) {
    if (!DIGEST.test(String(m?.digest))) return undefined
    const digest = String(m.digest)
    // buildx marks an attestation manifest so; its platform is unknown/unknown
    if (m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') {
      children.push({ digest, kind: 'attestation' })
    } else if (m.platform?.os && m.platform.architecture) {
      const p = m.platform
      const platform = [p.os, p.architecture, p.variant].filter(Boolean).map(clean).join('/')
      children.push({ digest, kind: 'platform', platform })
    } else {
      children.push({ digest, kind: 'manifest' })
    }
  }
  const subject = json.subject?.digest
  if (subject !== undefined && !DIGEST.test(String(subject))) return undefined
  return subject === undefined ? { children } : { children, subject: String(subject) }
}

/**
 * GET each manifest by digest. 404 is `missing` (deleted since the listing), any other failure
 * `unreadable`; the first problem is returned for the log. A refused authorization throws
 * (RegistryError): then nothing can be read.
 */
export async function readGraph(
  target: RegistryTarget,
  digests: string[]
): Promise<{ graph: ManifestGraph; problem?: string }> {
  const name = repositoryPath(target.image, target.registry)
  const t = { ...target, image: name }
  const auth = await authorize(t, 'pull')
  const graph: ManifestGraph = new Map()
  let problem: string | undefined
  const queue = [...new Set(digests)]
  const worker = async (): Promise<void> => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      const read = await readOne(t, auth, name, d)
      if (typeof read === 'string' && read !== 'missing') {
        problem ??= read
        graph.set(d, 'unreadable')
      } else {
        graph.set(d, read)
      }
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker))
  return { graph, problem }
}

async function readOne(
  t: RegistryTarget,
  auth: RegistryAuth,
  name: string,
  digest: string
): Promise<ManifestRefs | 'missing' | string> {
  const url = `${registryBaseUrl(t.registry)}/v2/${name}/manifests/${digest}`
  const headers: Record<string, string> = { Accept: MANIFEST_ACCEPT }
  if (auth.authorization) headers.Authorization = auth.authorization
  const res = await send('manifest', url, { method: 'GET', headers }, t).catch((e: unknown) => {
    if (e instanceof RegistryError) return e // no answer, retries spent
    throw e
  })
  if (res instanceof Error) return `GET ${url}: ${res.message}`
  if (res.status === 404) return 'missing'
  if (res.status !== 200) return `GET ${url}: HTTP ${res.status}`
  return manifestRefs(res.body) ?? `GET ${url}: not a manifest this step can read`
}
