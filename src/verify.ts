// After pushing: every tag must resolve to the digest the build reported. A tag that is absent or
// points elsewhere (a concurrent run, a registry hiccup) is named, so a failed push is never green.
import { createHash } from 'node:crypto'
import { targetFor } from './credentials.js'
import { registryFailure, RegistryError, StepError } from './errors.js'
import { registryBaseUrl } from './http.js'
import type { Settings } from './inputs.js'
import type { Plan } from './plan.js'
import * as core from './workflow-commands.js'
import {
  authorize,
  answerError,
  repositoryPath,
  send,
  type RegistryAuth,
  type RegistryTarget
} from './registry-auth.js'

/** Every manifest kind buildx may push: without these a registry may answer with a converted manifest. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

export interface VerifyInput extends RegistryTarget {
  tags: string[]
  /** The pushed digest, `sha256:…` (buildx metadata `containerimage.digest`). */
  digest: string
}

export interface VerifyResult {
  landed: string[]
  missing: string[]
  wrong: Array<{ tag: string; digest: string }>
}

/**
 * HEAD /v2/<name>/manifests/<tag> for each tag and compares Docker-Content-Digest.
 * Throws RegistryError when the registry cannot be asked (auth refused, outage after retries):
 * then nothing can be said about the tags. `early`: an authorization asked while the build ran
 * (authorizeReadBack), tried first; anything short of every tag landed is asked again with a
 * fresh one, as if there had been none (a token issued before the push may not see the image).
 */
export async function verifyTags(
  input: VerifyInput,
  early?: Promise<RegistryAuth>
): Promise<VerifyResult> {
  const name = repositoryPath(input.image, input.registry)
  const t = { ...input, image: name }
  const read = async (auth: RegistryAuth): Promise<VerifyResult> => {
    const result: VerifyResult = { landed: [], missing: [], wrong: [] }
    // All tags at once: a HEAD each, independent of each other.
    const digests = await Promise.all(input.tags.map(tag => tagDigest(t, auth, name, tag)))
    for (const [i, tag] of input.tags.entries()) {
      const got = digests[i]
      if (got === undefined) result.missing.push(tag)
      else if (got === input.digest.trim()) result.landed.push(tag)
      else result.wrong.push({ tag, digest: got })
    }
    return result
  }
  if (early) {
    // A registry that stayed unreachable through the retries is not asked all over again.
    const fast = await early.then(read).catch((e: unknown) => {
      if (e instanceof RegistryError && e.status === 0) throw e
      return undefined
    })
    if (fast && !fast.missing.length && !fast.wrong.length) return fast
  }
  return read(await authorize(t, 'pull'))
}

/**
 * The read-back authorization of every image, asked while the build runs so that the verify
 * starts with its HEADs (on GHCR that saves the challenge and the token request).
 */
export function authorizeReadBack(
  settings: Settings,
  plan: Plan
): Map<string, Promise<RegistryAuth>> {
  const asked = new Map<string, Promise<RegistryAuth>>()
  for (const image of plan.images) {
    const target = targetFor(settings, plan, image)
    const auth = authorize({ ...target, image: repositoryPath(image, target.registry) }, 'pull')
    auth.catch(() => undefined) // used, or asked again, by verifyTags
    asked.set(image, auth)
  }
  return asked
}

async function tagDigest(
  t: RegistryTarget,
  auth: RegistryAuth,
  name: string,
  tag: string
): Promise<string | undefined> {
  const url = `${registryBaseUrl(t.registry)}/v2/${name}/manifests/${encodeURIComponent(tag)}`
  const headers: Record<string, string> = { Accept: MANIFEST_ACCEPT }
  if (auth.authorization) headers.Authorization = auth.authorization
  const head = await send('manifest', url, { method: 'HEAD', headers }, t)
  if (head.status === 404) return undefined
  if (head.status !== 200)
    throw answerError('manifest', head, `verify: cannot read ${t.registry}/${name}:${tag}`, t)
  const digest = head.headers['docker-content-digest']?.trim()
  if (digest) return digest
  // Some registries omit the header on HEAD: the digest is then the hash of the manifest bytes.
  const get = await send('manifest', url, { method: 'GET', headers }, t)
  if (get.status === 404) return undefined
  if (get.status !== 200)
    throw answerError('manifest', get, `verify: cannot read ${t.registry}/${name}:${tag}`, t)
  return (
    get.headers['docker-content-digest']?.trim() ||
    `sha256:${createHash('sha256').update(get.body, 'utf8').digest('hex')}`
  )
}

/** Every tag of every image must resolve to the pushed digest; otherwise say exactly which. */
export async function verifyPush(
  settings: Settings,
  plan: Plan,
  digest: string,
  early?: Map<string, Promise<RegistryAuth>>
): Promise<void> {
  const problems: string[] = []
  const landed: string[] = []
  for (const image of plan.images) {
    const target = targetFor(settings, plan, image)
    let res: VerifyResult
    try {
      res = await verifyTags(
        { ...target, tags: plan.tags.map(t => t.name), digest },
        early?.get(image)
      )
    } catch (e) {
      if (!(e instanceof RegistryError)) throw e
      throw registryFailure(
        'verify',
        target.registry,
        `verify: could not read the tags of ${image} back (${e.message}): the push may be incomplete; re-run`,
        e
      )
    }
    for (const t of res.landed) core.info(`verified ${image}:${t} → ${digest}`)
    landed.push(...res.landed.map(t => `${image}:${t}`))
    if (res.missing.length || res.wrong.length) {
      problems.push(
        `${image}: missing ${res.missing.join(', ') || 'none'}` +
          (res.wrong.length
            ? `; pointing elsewhere ${res.wrong.map(w => `${w.tag} (${w.digest})`).join(', ')}`
            : '')
      )
    }
  }
  if (problems.length) {
    throw new StepError(
      'verify',
      `verify: not every tag resolves to ${digest}: ${problems.join(' | ')}`,
      {
        reason:
          'a tag did not land, or something else (a concurrent run, a retention policy) moved it',
        fix: 're-run the job; if it repeats, look for another workflow pushing or deleting these tags',
        landed,
        notPushed: plan.refs.filter(r => !landed.includes(r))
      }
    )
  }
}
