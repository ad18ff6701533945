// The one HTTP seam: every call to a registry or to the GitHub API goes through `request`.
// Node's own http/https clients, no dependency; not fetch, whose first call loads undici and
// holds the main thread ~30 ms (100 ms and more on a busy 2-core machine) while the setup's
// requests wait (issue 12, docs/decisions.md). Tests swap the whole function with `setHttp`.
import type { IncomingMessage } from 'node:http'
import { NetworkError } from './errors.js'
import { registryApiHost } from './image-names.js'

export interface HttpRequest {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** Budget for the whole exchange (connect, headers, body, redirects); a stalled registry must not hang the step. */
  timeoutMs?: number
}

export interface HttpResponse {
  status: number
  /** Names lowercased; a repeated header arrives joined with ", ". */
  headers: Record<string, string>
  body: string
}

export type Http = (url: string, req: HttpRequest) => Promise<HttpResponse>

export const DEFAULT_TIMEOUT_MS = 30_000
/** As many as a registry or the API may chain (a renamed repository, a blob store). */
const MAX_REDIRECTS = 10

interface Cause {
  code?: string
  message?: string
  errors?: Cause[]
}

/** The code and words of a transport failure (an AggregateError when every address failed). */
function transportFailure(err: unknown): { code: string; detail: string } {
  const e = err as {
    name?: string
    code?: string
    message?: string
    cause?: Cause
    errors?: Cause[]
  }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return { code: 'ETIMEDOUT', detail: 'no answer in time' }
  }
  const cause = e?.cause ?? e
  const first = cause?.errors?.[0]
  return {
    code: cause?.code ?? first?.code ?? 'EUNKNOWN',
    detail: cause?.message || first?.message || e?.message || String(err)
  }
}

type Client = Pick<typeof import('node:http'), 'request'>
let clients: { http: Client; https: Client } | undefined
/** Loaded on the first request: a dry run without the API call never pays for TLS. */
async function clientFor(url: URL): Promise<Client> {
  const loaded = (clients ??= {
    http: await import('node:http'),
    https: await import('node:https')
  })
  return url.protocol === 'https:' ? loaded.https : loaded.http
}

/** One request and its whole answer; node's default agent keeps the connection for the next one. */
async function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
  signal: AbortSignal
): Promise<HttpResponse> {
  const client = await clientFor(url)
  return new Promise((resolve, reject) => {
    const sized =
      body === undefined
        ? headers
        : { 'content-length': String(Buffer.byteLength(body)), ...headers }
    const req = client.request(url, { method, headers: sized, signal }, (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('aborted', () =>
        reject(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' }))
      )
      res.on('end', () => {
        const joined: Record<string, string> = {}
        for (const [name, values] of Object.entries(res.headersDistinct)) {
          if (values) joined[name] = values.join(', ')
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: joined,
          body: Buffer.concat(chunks).toString('utf8')
        })
      })
    })
    req.on('error', (e: Error) => reject(signal.aborted ? signal.reason : e))
    req.end(body)
  })
}

/** Redirects are followed as fetch does; credentials never go to another origin. */
const nodeHttp: Http = async (url, req) => {
  let method = req.method ?? 'GET'
  const signal = AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  let target: URL
  try {
    target = new URL(url)
  } catch {
    throw new NetworkError('EINVAL', url, `${method} ${url}: not a URL`)
  }
  let headers = { ...req.headers }
  let body = req.body
  try {
    for (let hop = 0; ; hop++) {
      const res = await exchange(target, method, headers, body, signal)
      const location = res.headers.location
      if (![301, 302, 303, 307, 308].includes(res.status) || !location || hop === MAX_REDIRECTS) {
        return res
      }
      const next = new URL(location, target)
      if (next.origin !== target.origin) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([k]) => !/^authorization$/i.test(k))
        )
      }
      if (res.status === 303 ? method !== 'HEAD' : res.status <= 302 && method === 'POST') {
        method = 'GET'
        body = undefined
      }
      target = next
    }
  } catch (err) {
    const { code, detail } = transportFailure(err)
    throw new NetworkError(code, url, `${req.method ?? 'GET'} ${url}: ${detail} (${code})`)
  }
}

let http: Http = nodeHttp

/** Sends one request; any HTTP status is an answer, only a transport failure throws (NetworkError). */
export function request(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  return http(url, req)
}

/** For tests: swap the HTTP function, get the previous one back. */
export function setHttp(next: Http): Http {
  const prev = http
  http = next
  return prev
}

/** Docker's default insecure range: 127.0.0.0/8 (and localhost, which resolves there) speak plain HTTP. */
export function isLoopbackRegistry(host: string): boolean {
  const name = host.replace(/:\d+$/, '').toLowerCase()
  return name === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
}

/** `ghcr.io` → `https://ghcr.io`; `docker.io` → `https://registry-1.docker.io`; `127.0.0.1:5000` → `http://127.0.0.1:5000`. */
export function registryBaseUrl(host: string): string {
  const h = registryApiHost(host.replace(/\/+$/, ''))
  return `${isLoopbackRegistry(h) ? 'http' : 'https'}://${h}`
}
