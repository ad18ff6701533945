import { HttpStatusError, NetworkError } from '../../src/errors.js'
import {
  classifyDockerOutput,
  isTransient,
  retryAfterMs,
  RETRY_AFTER_CAP_MS,
  withRetry
} from '../../src/retry.js'

const status = (code: number, headers: Record<string, string> = {}, body = '') =>
  new HttpStatusError({ status: code, headers, body }, `GET https://ghcr.io/v2/`)

/** A withRetry harness: records sleeps and log lines; random() fixed. */
function harness(random = 0.5) {
  const sleeps: number[] = []
  const lines: string[] = []
  return {
    sleeps,
    lines,
    opts: (retries: number, extra = {}) => ({
      retries,
      sleep: async (ms: number) => void sleeps.push(ms),
      random: () => random,
      log: (l: string) => void lines.push(l),
      ...extra
    })
  }
}

/** fn failing with each of `errors` in turn, then returning 'ok'. */
function failing(...errors: unknown[]) {
  let calls = 0
  const fn = async (): Promise<string> => {
    const e = errors[calls++]
    if (e !== undefined) throw e
    return 'ok'
  }
  return { fn, calls: () => calls }
}

describe('withRetry', () => {
  test('retries transient failures with exponential backoff and full jitter, one line each', async () => {
    const h = harness(0.5)
    const f = failing(status(503), new NetworkError('ECONNRESET', 'u', 'GET u: reset (ECONNRESET)'))
    await expect(withRetry('login', f.fn, h.opts(3))).resolves.toBe('ok')
    expect(f.calls()).toBe(3)
    // random 0.5 × min(8000, 500·2^(n-1)): 250 ms, then 500 ms
    expect(h.sleeps).toEqual([250, 500])
    expect(h.lines).toEqual([
      'retrying login in 0.3 s (attempt 2 of 4): GET https://ghcr.io/v2/: HTTP 503',
      'retrying login in 0.5 s (attempt 3 of 4): GET u: reset (ECONNRESET)'
    ])
  })

  test('the backoff ceiling is maxMs', async () => {
    const h = harness(0.999999)
    const f = failing(...Array.from({ length: 6 }, () => status(502)))
    await withRetry('x', f.fn, h.opts(6, { baseMs: 1000, maxMs: 3000 }))
    expect(h.sleeps).toEqual([1000, 2000, 3000, 3000, 3000, 3000])
  })

  test('a permanent failure is thrown at once', async () => {
    const h = harness()
    const denied = status(403, {}, '{"errors":[{"code":"DENIED","message":"denied"}]}')
    const f = failing(denied)
    await expect(withRetry('push', f.fn, h.opts(3))).rejects.toBe(denied)
    expect(f.calls()).toBe(1)
    expect(h.lines).toEqual([])
  })

  test('when retries are spent the last error is thrown', async () => {
    const h = harness()
    const last = status(500)
    const f = failing(status(503), status(502), last)
    await expect(withRetry('x', f.fn, h.opts(2))).rejects.toBe(last)
    expect(f.calls()).toBe(3)
    expect(h.lines.at(-1)).toContain('(attempt 3 of 3)')
  })

  test('retries: 0 tries once', async () => {
    const h = harness()
    const f = failing(status(503))
    await expect(withRetry('x', f.fn, h.opts(0))).rejects.toBeInstanceOf(HttpStatusError)
    expect(f.calls()).toBe(1)
  })

  test('Retry-After seconds on a 429 sets the wait (never below the jitter)', async () => {
    const h = harness(0)
    const f = failing(status(429, { 'retry-after': '3' }))
    await withRetry('x', f.fn, h.opts(1))
    expect(h.sleeps).toEqual([3000])
    expect(h.lines[0]).toContain('in 3.0 s')
  })

  test('a huge Retry-After is capped', async () => {
    const h = harness(0)
    const f = failing(status(503, { 'retry-after': '3600' }))
    await withRetry('x', f.fn, h.opts(1))
    expect(h.sleeps).toEqual([RETRY_AFTER_CAP_MS])
  })

  test('the attempt number is passed to fn', async () => {
    const seen: number[] = []
    await withRetry(
      'x',
      async attempt => {
        seen.push(attempt)
        if (attempt < 3) throw status(503)
      },
      harness().opts(5)
    )
    expect(seen).toEqual([1, 2, 3])
  })

  test('an Error carrying docker output is retried by its text', async () => {
    const h = harness()
    const f = failing(
      new Error(
        'Error response from daemon: Get "https://ghcr.io/v2/": net/http: TLS handshake timeout'
      )
    )
    await expect(withRetry('docker login', f.fn, h.opts(1))).resolves.toBe('ok')
    expect(h.lines).toHaveLength(1)
  })
})

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  test.each([
    ['seconds on 429', { status: 429, headers: { 'retry-after': '2' } }, 2000],
    ['seconds on 503', { status: 503, headers: { 'retry-after': '0.5' } }, 500],
    [
      'HTTP date',
      { status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' } },
      7000
    ],
    [
      'a date in the past',
      { status: 429, headers: { 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' } },
      0
    ],
    ['ignored on other statuses', { status: 500, headers: { 'retry-after': '2' } }, undefined],
    [
      'GHCR body text',
      {
        status: 429,
        headers: {},
        body: 'toomanyrequests: retry-after: 12.5ms, allowed: 2000/minute'
      },
      12.5
    ],
    ['docker output text', 'toomanyrequests: retry-after: 2s', 2000],
    ['nothing', { status: 429, headers: {} }, undefined]
  ])('%s', (_name, x, ms) => {
    expect(retryAfterMs(x, now)).toBe(ms)
  })
})

describe('isTransient', () => {
  test.each([
    [status(500), true],
    [status(502), true],
    [status(503), true],
    [status(504), true],
    [status(429), true],
    [status(408), true],
    [status(501), false],
    [status(401), false],
    [status(403), false],
    [status(404), false],
    [status(403, {}, 'You have exceeded a secondary rate limit'), true],
    [{ status: 503, headers: {}, body: '' }, true],
    [new NetworkError('ECONNRESET', 'u', 'm'), true],
    [new NetworkError('ECONNREFUSED', 'u', 'm'), true],
    [new NetworkError('ETIMEDOUT', 'u', 'm'), true],
    [new NetworkError('UND_ERR_SOCKET', 'u', 'm'), true],
    [new NetworkError('ENOTFOUND', 'u', 'm'), false],
    [new NetworkError('CERT_HAS_EXPIRED', 'u', 'm'), false],
    ['read tcp 10.1.0.4:443: connection reset by peer', true],
    ['denied: denied', false],
    [new Error('unauthorized: authentication required'), false],
    [undefined, false]
  ])('%#', (x, expected) => {
    expect(isTransient(x)).toBe(expected)
  })
})

describe('classifyDockerOutput', () => {
  test.each([
    [
      'ERROR: failed to push ghcr.io/o/a:1: unexpected status from PUT request to https://ghcr.io/v2/o/a/manifests/1: 502 Bad Gateway',
      'transient'
    ],
    [
      'failed commit on ref "index-sha256:x": unexpected status from PUT request: 503 Service Unavailable',
      'transient'
    ],
    [
      'unexpected status from HEAD request to https://r/v2/: 500 Internal Server Error',
      'transient'
    ],
    ['toomanyrequests: retry-after: 12.5ms, allowed: 2000/minute', 'transient'],
    ['unexpected status: 429 Too Many Requests', 'transient'],
    ['GHCR: 403 Forbidden: You have exceeded a secondary rate limit', 'transient'],
    ['write tcp 172.17.0.2:41546->140.82.113.34:443: write: connection reset by peer', 'transient'],
    ['dial tcp 127.0.0.1:5000: connect: connection refused', 'transient'],
    // Go's error when the peer reset the connection under a write: seen from buildx's push
    [
      'ERROR: write tcp 127.0.0.1:46200->127.0.0.1:45391: use of closed network connection',
      'transient'
    ],
    ['failed to copy: unexpected EOF', 'transient'],
    ['Get "https://ghcr.io/v2/": EOF', 'transient'],
    ['Get "https://ghcr.io/v2/": net/http: TLS handshake timeout', 'transient'],
    ['dial tcp: lookup ghcr.io: i/o timeout', 'transient'],
    ['context deadline exceeded (Client.Timeout exceeded while awaiting headers)', 'transient'],
    ['ERROR: denied: installation not allowed to Write organization package', 'permanent'],
    ['Error response from daemon: Get "https://ghcr.io/v2/": denied: denied', 'permanent'],
    ['unauthorized: authentication required', 'permanent'],
    [
      'login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized',
      'permanent'
    ],
    ['failed to push: 403 Forbidden', 'permanent'],
    ['ERROR: no basic auth credentials', 'permanent'],
    ['invalid reference format: repository name must be lowercase', 'permanent'],
    ['name unknown: repository name not known to registry', 'permanent'],
    ['manifest invalid: manifest invalid', 'permanent'],
    // a denial wins even if the output also shows a transient hiccup
    ['connection reset by peer\nERROR: denied: permission_denied: write_package', 'permanent'],
    ['failed to solve: dockerfile parse error line 3: unknown instruction: FORM', 'unknown'],
    ['', 'unknown']
  ])('%s → %s', (text, expected) => {
    expect(classifyDockerOutput(text)).toBe(expected)
  })
})

test('an error marked transient by its caller is retried whatever its message says', () => {
  const err = Object.assign(new Error('unauthorized: authentication required'), { transient: true })
  expect(isTransient(err)).toBe(true)
  expect(isTransient(new Error('unauthorized: authentication required'))).toBe(false)
})
