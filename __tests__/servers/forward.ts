// Streaming HTTP/1.1 forwarding to a registry, shared by the token registry's front and the
// fault proxy. Bodies are piped both ways (blob uploads can be many MiB), never buffered.
//
// The client's Host header is passed through unchanged: the Distribution registry builds the
// absolute URLs it returns (Location of an upload session, of a manifest) from Host, so they name
// the proxy and the client keeps talking to it. A Location that still names the target (a
// registry configured with a fixed http.host, say) is rewritten to the proxy as well.
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import { json } from './lifecycle.js'

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade'
])

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  const named = String(headers.connection ?? '')
    .toLowerCase()
    .split(',')
    .map(s => s.trim())
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name)) continue
    out[name] = value
  }
  return out
}

export interface Target {
  host: string
  port: number
}

export function parseTarget(hostPort: string): Target {
  const m = /^(.+):(\d+)$/.exec(hostPort.replace(/^https?:\/\//, '').replace(/\/+$/, ''))
  if (!m) throw new Error(`target must be host:port, got '${hostPort}'`)
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) }
}

export interface ForwardOptions {
  target: Target
  agent: Agent
  /**
   * Looks at the registry's status line and headers before anything is relayed. Returning true
   * means the hook answered `res` itself (the upstream body is then discarded).
   */
  intercept?: (upstream: IncomingMessage, req: IncomingMessage, res: ServerResponse) => boolean
}

/** Relays one request to the target and its answer back, streaming both bodies. */
export function forward(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions): void {
  const { target } = opts
  const targetAuthority = `${target.host}:${target.port}`
  const headers = endToEnd(req.headers)
  const upstreamReq = request({
    host: target.host,
    port: target.port,
    method: req.method,
    path: req.url,
    headers,
    agent: opts.agent
  })
  upstreamReq.on('response', upstream => {
    if (opts.intercept?.(upstream, req, res)) {
      upstream.resume()
      return
    }
    const out = endToEnd(upstream.headers)
    const location = upstream.headers.location
    if (location && req.headers.host) {
      try {
        const u = new URL(location)
        if (u.host === targetAuthority) {
          u.host = req.headers.host
          out.location = u.toString()
        }
      } catch {
        // relative Location: already points at whoever the client talks to
      }
    }
    res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, out)
    upstream.pipe(res)
    upstream.on('error', () => res.destroy())
  })
  upstreamReq.on('error', err => {
    if (res.headersSent) {
      res.destroy()
      return
    }
    req.resume()
    json(res, 502, {
      errors: [{ code: 'UNAVAILABLE', message: `proxy: ${targetAuthority}: ${err.message}` }]
    })
  })
  // the client went away mid-request: abandon the upstream request too
  res.on('close', () => {
    if (!res.writableFinished) upstreamReq.destroy()
  })
  req.pipe(upstreamReq)
}

export function newAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 32 })
}
