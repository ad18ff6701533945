// How a registry wants to be authenticated, and an Authorization header for one repository
// (Distribution token auth: 401 challenge → token service → Bearer). Shared by preflight and verify.
import { HttpStatusError, NetworkError, RegistryError, type RegistryStep } from './errors.js'
import { registryBaseUrl, request, type HttpRequest, type HttpResponse } from './http.js'
import { isTransientStatus, withRetry, type RetryOptions } from './retry.js'
import { addCredential, redactCredentials } from './workflow-commands.js'

export type AuthVia = 'basic' | 'bearer' | 'anonymous'

export interface RegistryTarget {
  /** host[:port], as normalized by registry.ts */
  registry: string
  /** repository path without the host (`owner/app`); a `host/` prefix equal to `registry` is tolerated */
  image: string
  username: string
  token: string
  retries: number
  /** Backoff tuning and the log line sink; tests set these, production keeps the defaults. */
  retry?: Omit<RetryOptions, 'retries'>
}

export interface RegistryAuth {
  via: AuthVia
  /** The Authorization header value; absent when the registry asks for none. */
  authorization?: string
}

export interface Challenge {
  scheme: string // lowercased: 'basic', 'bearer'
  params: Record<string, string>
}

/** Parses `WWW-Authenticate`, including several challenges joined by ", " into one header. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = []
  const re = /\s*,?\s*([A-Za-z][\w-]*)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?/gy
  let m: RegExpExecArray | null
  let current: Challenge | undefined
  while (re.lastIndex < header.length && (m = re.exec(header)) !== null) {
    const [, name, quoted, bare] = m
    if (quoted === undefined && bare === undefined) {
      current = { scheme: name.toLowerCase(), params: {} }
      out.push(current)
    } else if (current) {
      current.params[name.toLowerCase()] = quoted?.replace(/\\(.)/g, '$1') ?? bare ?? ''
    }
  }
  return out
}

/** The registry's own words: `CODE: message` of each `{"errors":[...]}` entry, else the (de-HTMLed) body. */
export function registryErrorText(res: HttpResponse): string {
  try {
    const json = JSON.parse(res.body) as {
      errors?: Array<{ code?: string; message?: string }>
      message?: string
      error?: string
      details?: string
    }
    const errors = (json.errors ?? [])
      .map(e => [e.code, e.message].filter(Boolean).join(': '))
      .filter(Boolean)
    if (errors.length) return errors.join('; ')
    const single = json.details ?? json.message ?? json.error
    if (typeof single === 'string' && single) return single
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = res.body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return text.slice(0, 300) || `HTTP ${res.status}`
}

/** `ghcr.io/owner/app` or `owner/app` → `owner/app`. */
export function repositoryPath(image: string, registry: string): string {
  const prefix = `${registry}/`
  return image.startsWith(prefix) ? image.slice(prefix.length) : image
}

function basicHeader(t: Pick<RegistryTarget, 'username' | 'token'>): string | undefined {
  if (!t.username && !t.token) return undefined
  return 'Basic ' + Buffer.from(`${t.username}:${t.token}`).toString('base64')
}

/**
 * Removes the token (and its Basic form) and every credential the step obtained (a registry's
 * bearer tokens included), however short, from any text a registry or a URL puts into our errors.
 */
export function redact(text: string, t: Pick<RegistryTarget, 'username' | 'token'>): string {
  let out = text
  const secrets = [t.token, basicHeader(t)?.slice('Basic '.length)]
  for (const s of secrets) if (s) out = out.split(s).join('***')
  return redactCredentials(out)
}

/**
 * One request with retries on transient failures. Returns the answer for any status that is not
 * transient, or the last transient answer once retries are spent; a transport failure that outlasts
 * the retries becomes a RegistryError with status 0.
 */
export async function send(
  step: RegistryStep,
  url: string,
  req: HttpRequest,
  t: RegistryTarget
): Promise<HttpResponse> {
  const label = `${req.method ?? 'GET'} ${url}`
  try {
    return await withRetry(
      label,
      async () => {
        const res = await request(url, req)
        if (isTransientStatus(res.status)) throw new HttpStatusError(res, label)
        return res
      },
      { ...t.retry, retries: t.retries }
    )
  } catch (err) {
    if (err instanceof HttpStatusError)
      return { status: err.status, headers: err.headers, body: err.body }
    if (err instanceof NetworkError) {
      throw new RegistryError(step, 0, err.code, redact(`${t.registry}: ${err.message}`, t))
    }
    throw err
  }
}

/** Builds a RegistryError from an answer, with the registry's words (token-free) in message and registryText. */
export function answerError(
  step: RegistryStep,
  res: HttpResponse,
  what: string,
  t: RegistryTarget
): RegistryError {
  const said = redact(registryErrorText(res), t)
  return new RegistryError(step, res.status, said, `${what} (HTTP ${res.status}: ${said})`)
}

/**
 * Finds how `t.registry` authenticates and returns the header to use for `actions` on the repository.
 * The first GET /v2/ goes without credentials on purpose: GHCR answers a credentialed first request
 * with a bare DENIED and no challenge.
 */
export async function authorize(
  t: RegistryTarget,
  actions: 'pull' | 'pull,push'
): Promise<RegistryAuth> {
  const base = registryBaseUrl(t.registry)
  const ping = await send('ping', `${base}/v2/`, { method: 'GET' }, t)
  if (ping.status >= 200 && ping.status < 300) return { via: 'anonymous' }
  if (ping.status !== 401) {
    throw answerError('ping', ping, `${t.registry} did not answer GET /v2/ like a registry`, t)
  }
  const header = ping.headers['www-authenticate'] ?? ''
  const challenges = parseChallenges(header)
  const basic = basicHeader(t)
  const bearer = challenges.find(c => c.scheme === 'bearer')
  if (bearer) {
    const token = await fetchToken(
      bearer,
      basic,
      `repository:${repositoryPath(t.image, t.registry)}:${actions}`,
      t
    )
    return { via: 'bearer', authorization: `Bearer ${token}` }
  }
  if (challenges.some(c => c.scheme === 'basic')) {
    if (!basic) {
      throw new RegistryError(
        'ping',
        401,
        'credentials required',
        `${t.registry} needs a username and token`
      )
    }
    return { via: 'basic', authorization: basic }
  }
  throw new RegistryError(
    'ping',
    401,
    header || 'no challenge',
    `${t.registry} answered 401 without a Basic or Bearer challenge (${header || 'no WWW-Authenticate header'})`
  )
}

async function fetchToken(
  challenge: Challenge,
  basic: string | undefined,
  scope: string,
  t: RegistryTarget
): Promise<string> {
  let url: URL
  try {
    url = new URL(challenge.params.realm ?? '')
  } catch {
    throw new RegistryError(
      'token',
      401,
      `realm=${challenge.params.realm ?? ''}`,
      `${t.registry} gave a Bearer challenge without a usable realm URL`
    )
  }
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service)
  url.searchParams.set('scope', scope)
  const res = await send(
    'token',
    url.toString(),
    { method: 'GET', headers: basic ? { Authorization: basic } : {} },
    t
  )
  if (res.status === 401 || res.status === 403) {
    throw answerError(
      'token',
      res,
      `the token service of ${t.registry} refused the username ${t.username} and its token`,
      t
    )
  }
  if (res.status !== 200)
    throw answerError('token', res, `the token service of ${t.registry} failed`, t)
  let token: unknown
  try {
    const json = JSON.parse(res.body) as { token?: unknown; access_token?: unknown }
    token = json.token ?? json.access_token
  } catch {
    token = undefined
  }
  if (typeof token !== 'string' || token === '') {
    throw new RegistryError(
      'token',
      200,
      'no token in the answer',
      `the token service of ${t.registry} answered without a token`
    )
  }
  addCredential(token) // masked in the log, and redacted from whatever the registry says next
  return token
}

/**
 * Whether the registry accepts these credentials, asked with our own client (each request
 * retried on transient errors). Used to tell a bad token from a registry hiccup when
 * `docker login` fails: the engine's login does not retry its requests.
 */
export async function credentialsAccepted(t: RegistryTarget): Promise<boolean> {
  let auth: RegistryAuth
  try {
    auth = await authorize(t, 'pull')
  } catch (err) {
    if (err instanceof RegistryError && (err.status === 401 || err.status === 403)) return false
    throw err
  }
  const headers: Record<string, string> = auth.authorization
    ? { Authorization: auth.authorization }
    : {}
  const res = await send('ping', `${registryBaseUrl(t.registry)}/v2/`, { headers }, t)
  return res.status >= 200 && res.status < 300
}
