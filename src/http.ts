// The one HTTP seam: every call to a registry or to the GitHub API goes through `request`.
// Node's global fetch, no dependency. Tests swap the whole function with `setHttp`.
import { NetworkError } from './errors.js'
import { registryApiHost } from './image-names.js'

export interface HttpRequest {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** Budget for the whole exchange (connect, headers, body); a stalled registry must not hang the step. */
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

interface Cause {
  code?: string
  message?: string
  errors?: Cause[]
}

/** fetch only says "fetch failed"; the reason is in `cause` (an AggregateError when every address failed). */
function transportFailure(err: unknown): { code: string; detail: string } {
  const e = err as { name?: string; message?: string; cause?: Cause }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return { code: 'ETIMEDOUT', detail: 'no answer in time' }
  }
  const cause = e?.cause
  const first = cause?.errors?.[0]
  return {
    code: cause?.code ?? first?.code ?? 'EUNKNOWN',
    detail: cause?.message || first?.message || e?.message || String(err)
  }
}

const fetchHttp: Http = async (url, req) => {
  const method = req.method ?? 'GET'
  try {
    const res = await fetch(url, {
      method,
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    })
    const headers: Record<string, string> = {}
    res.headers.forEach((value, name) => {
      headers[name] = value
    })
    return { status: res.status, headers, body: await res.text() }
  } catch (err) {
    const { code, detail } = transportFailure(err)
    throw new NetworkError(code, url, `${method} ${url}: ${detail} (${code})`)
  }
}

let http: Http = fetchHttp

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
