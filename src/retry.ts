// Retries with backoff for transient registry failures, and the one place that decides what
// "transient" means, for HTTP answers, transport errors and docker's output text alike.
import { NetworkError } from './errors.js'
import * as core from './workflow-commands.js'

export interface RetryOptions {
  /** Retries after the first attempt (0 = try once). */
  retries: number
  baseMs?: number
  maxMs?: number
  sleep?: (ms: number) => Promise<void>
  /** In [0, 1); the jitter source. */
  random?: () => number
  log?: (line: string) => void
}

/** A server's Retry-After is honoured only up to this: a CI step should fail rather than idle for long. */
export const RETRY_AFTER_CAP_MS = 60_000

// Refused counts as transient: a registry that is restarting refuses for a moment, and the
// retry budget bounds the cost when it is really down.
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT'
])

// GHCR says `toomanyrequests: retry-after: 12.5ms`, and GitHub can answer 403 for a secondary rate limit:
// both are worth waiting for, so this is checked before the permanent patterns.
const RATE_LIMITED = /toomanyrequests|\b429 Too Many Requests|rate limit/i

const PERMANENT =
  /\bdenied\b|permission_denied|unauthori[sz]ed|unauthenticated|authentication required|no basic auth credentials|incorrect username or password|\b401 Unauthorized|\b403 Forbidden|invalid reference|repository name must be lowercase|name unknown|name invalid|manifest invalid/i

const TRANSIENT =
  /\b50[0234] (?:Internal|Bad|Service|Gateway)|internal server error|bad gateway|service unavailable|gateway time-?out|connection reset|connection refused|use of closed network connection|broken pipe|unexpected EOF|": EOF\b|TLS handshake timeout|i\/o timeout|context deadline exceeded|Client\.Timeout exceeded|server misbehaving|cannot reuse body|\bE(?:CONNRESET|CONNREFUSED|TIMEDOUT|PIPE|AI_AGAIN)\b|UND_ERR_SOCKET/i

/** Classifies the output of a failed `docker login` or `docker buildx build --push`. Permanent wins over transient. */
export function classifyDockerOutput(text: string): 'transient' | 'permanent' | 'unknown' {
  if (RATE_LIMITED.test(text)) return 'transient'
  if (PERMANENT.test(text)) return 'permanent'
  if (TRANSIENT.test(text)) return 'transient'
  return 'unknown'
}

/** 5xx except "not implemented"/"version not supported", 429, 408. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505)
}

/** Whether another attempt may succeed: a text, a NetworkError, anything with an HTTP `status`, or an Error by its message. */
export function isTransient(x: unknown): boolean {
  // A caller that has already classified its failure says so (e.g. main.ts for docker output).
  if ((x as { transient?: unknown } | null)?.transient === true) return true
  if (typeof x === 'string') return classifyDockerOutput(x) === 'transient'
  if (x instanceof NetworkError) return TRANSIENT_CODES.has(x.code)
  const o = x as {
    status?: unknown
    body?: unknown
    message?: unknown
    headers?: Record<string, string>
  } | null
  if (typeof o?.status === 'number') {
    // GitHub's API says a rate limit with `x-ratelimit-remaining: 0` on a 403 or 429.
    const exhausted = o.headers?.['x-ratelimit-remaining'] === '0' && o.status >= 400
    return (
      isTransientStatus(o.status) ||
      exhausted ||
      RATE_LIMITED.test(String(o.body ?? o.message ?? ''))
    )
  }
  if (x instanceof Error) return classifyDockerOutput(x.message) === 'transient'
  return false
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, us: 0.001, µs: 0.001 }

/**
 * How long the server asked us to wait, if it did: `Retry-After` (seconds or an HTTP date) on a
 * 429/503 (or GitHub's secondary rate limit, a 403), or GHCR's `retry-after: 12.5ms` in an error text.
 */
export function retryAfterMs(x: unknown, now = Date.now()): number | undefined {
  const o = x as { status?: number; headers?: Record<string, string> } | null
  const header = o?.headers?.['retry-after']?.trim()
  if (header && (o?.status === 429 || o?.status === 503 || o?.status === 403)) {
    if (/^\d+(\.\d+)?$/.test(header)) return Number(header) * 1000
    const at = Date.parse(header)
    if (!Number.isNaN(at)) return Math.max(0, at - now)
  }
  const text =
    typeof x === 'string'
      ? x
      : String((x as { body?: unknown })?.body ?? (x as Error)?.message ?? '')
  const m = /retry-after:\s*([\d.]+)\s*(ms|s|us|µs)\b/i.exec(text)
  return m ? Number(m[1]) * UNIT_MS[m[2].toLowerCase()] : undefined
}

function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  return (text.split(/\r?\n/).find(l => l.trim()) ?? '').trim().slice(0, 200)
}

const realSleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/**
 * Runs `fn` until it succeeds, throws a non-transient error, or the retries are spent (then the last
 * error is thrown). Waits with exponential backoff and full jitter, or what Retry-After asked for.
 */
export async function withRetry<T>(
  label: string,
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions
): Promise<T> {
  const retries = Number.isFinite(opts.retries) ? Math.max(0, Math.floor(opts.retries)) : 0
  const baseMs = opts.baseMs ?? 500
  const maxMs = opts.maxMs ?? 8000
  const sleep = opts.sleep ?? realSleep
  const random = opts.random ?? Math.random
  const log = opts.log ?? core.info
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (attempt > retries || !isTransient(err)) throw err
      let delay = Math.round(random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)))
      const asked = retryAfterMs(err)
      if (asked !== undefined)
        delay = Math.round(Math.min(Math.max(delay, asked), RETRY_AFTER_CAP_MS))
      log(
        `retrying ${label} in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${retries + 1}): ${reasonOf(err)}`
      )
      await sleep(delay)
    }
  }
}
