// Before building: prove these credentials can push to the repository, so a permission problem
// fails in seconds instead of after the build. The proof is the registry's own answer to opening
// a blob upload (202), which is then cancelled; nothing is written.
import { registryBaseUrl, request } from './http.js'
import {
  answerError,
  authorize,
  repositoryPath,
  send,
  type AuthVia,
  type RegistryTarget
} from './registry-auth.js'

export interface PreflightResult {
  ok: true
  via: AuthVia
}

/**
 * GET /v2/ → challenge → (token) → POST /v2/<name>/blobs/uploads/ → DELETE the upload.
 * A Bearer token may have been granted with pull only; we never read the token to find out:
 * the registry's answer to the POST is the truth.
 */
export async function preflight(target: RegistryTarget): Promise<PreflightResult> {
  const name = repositoryPath(target.image, target.registry)
  const t = { ...target, image: name }
  const auth = await authorize(t, 'pull,push')
  const url = `${registryBaseUrl(t.registry)}/v2/${name}/blobs/uploads/`
  // an empty body makes fetch send Content-Length: 0, which some registries require on this POST
  const headers: Record<string, string> = {}
  if (auth.authorization) headers.Authorization = auth.authorization
  const res = await send('upload', url, { method: 'POST', headers, body: '' }, t)
  if (res.status === 201 || res.status === 202) {
    await cancelUpload(url, res.headers.location, auth.authorization)
    return { ok: true, via: auth.via }
  }
  const what =
    res.status === 401 || res.status === 403
      ? `${t.username || 'anonymous'} may not push to ${t.registry}/${name}`
      : `opening an upload on ${t.registry}/${name} failed`
  throw answerError('upload', res, what, t)
}

/**
 * Best effort: GHCR answers 405 and lets the session expire, so no answer here is an error.
 * Credentials go only to the registry itself, never to an upload URL on another origin.
 */
async function cancelUpload(
  uploadsUrl: string,
  location: string | undefined,
  authorization: string | undefined
): Promise<void> {
  if (!location) return
  let target: URL
  try {
    target = new URL(location, uploadsUrl)
  } catch {
    return
  }
  if (target.origin !== new URL(uploadsUrl).origin) return
  try {
    await request(target.toString(), {
      method: 'DELETE',
      headers: authorization ? { Authorization: authorization } : {},
      timeoutMs: 10_000
    })
  } catch {
    // the session expires on its own
  }
}
