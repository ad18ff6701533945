// An HTTP reverse proxy in front of a registry that fails on purpose, reproducibly: the
// transient failures a real registry has (5xx, 429 with Retry-After, reset connections, being
// down), to test retries and error messages against real clients (docker, buildx, fetch).
//
// Everything it does not fail is forwarded unchanged and streamed (see forward.ts: Host passes
// through, so the upload Locations the registry returns keep naming the proxy).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { forward, newAgent, parseTarget } from './forward.js'
import { LOOPBACK, closeServer, json, listen } from './lifecycle.js'

/** `503` Service Unavailable, `429` Too Many Requests (Retry-After: 1), `reset` TCP RST. */
export type FaultKind = '503' | 'reset' | '429'

export interface FaultProxyOptions {
  /** The registry: host:port. */
  target: string
  /** Probability (0..1) that an eligible request fails, drawn from a seeded generator. */
  failRate?: number
  /** Fault kinds, used in turn (1st fault: kinds[0], 2nd: kinds[1], ...). Default ['503']. */
  faults?: FaultKind[]
  /** Seed of the generator (default 1): the same seed gives the same decisions in order. */
  seed?: number
  /** The first n eligible requests fail, whatever failRate says. */
  failFirst?: number
  /** Which requests may fail (default: all). Ineligible ones are always forwarded. */
  match?: (req: { method: string; path: string }) => boolean
  /** Start "down": the port is reserved but refuses connections until setDown(false). */
  down?: boolean
}

export type Outcome = 'forwarded' | FaultKind

export interface ProxyLogEntry {
  method: string
  path: string
  outcome: Outcome
  /** Status sent to the client (0 for a reset). */
  status: number
}

export interface FaultCounters {
  /** Requests received (while up). */
  requests: number
  forwarded: number
  /** Faults injected, all kinds. */
  faults: number
  byKind: Record<FaultKind, number>
}

export interface FaultProxy {
  /** host:port clients use (image names, docker login). */
  address: string
  url: string
  port: number
  target: string
  readonly down: boolean
  counters: FaultCounters
  log: ProxyLogEntry[]
  /** Down: stop listening (connections are refused) and cut open connections. Up: listen again. */
  setDown(down: boolean): Promise<void>
  /** Changes the fault settings; counts for failFirst start again when it is given. */
  configure(options: Partial<Omit<FaultProxyOptions, 'target' | 'down'>>): void
  /** Zeroes the counters and the log, and restarts the generator from its seed. */
  reset(): void
  stop(): Promise<void>
}

/** mulberry32: a tiny deterministic generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const zeroCounters = (): FaultCounters => ({
  requests: 0,
  forwarded: 0,
  faults: 0,
  byKind: { '503': 0, reset: 0, '429': 0 }
})

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = parseTarget(options.target)
  const settings = {
    failRate: options.failRate ?? 0,
    faults: options.faults?.length ? options.faults : (['503'] as FaultKind[]),
    seed: options.seed ?? 1,
    failFirst: options.failFirst ?? 0,
    match: options.match ?? (() => true)
  }
  let random = seededRandom(settings.seed)
  let eligibleSeen = 0
  const counters = zeroCounters()
  const log: ProxyLogEntry[] = []
  const agent = newAgent()

  const decide = (method: string, path: string): FaultKind | undefined => {
    if (!settings.match({ method, path })) return undefined
    eligibleSeen++
    const fail =
      eligibleSeen <= settings.failFirst || (settings.failRate > 0 && random() < settings.failRate)
    if (!fail) return undefined
    return settings.faults[counters.faults % settings.faults.length]
  }

  const fault = (kind: FaultKind, req: IncomingMessage, res: ServerResponse): number => {
    counters.faults++
    counters.byKind[kind]++
    if (kind === 'reset') {
      // RST at once, whatever the client is still sending
      req.socket.resetAndDestroy()
      return 0
    }
    const [status, body, headers] =
      kind === '429'
        ? [429, { code: 'TOOMANYREQUESTS', message: 'too many requests' }, { 'Retry-After': '1' }]
        : [503, { code: 'UNAVAILABLE', message: 'service unavailable' }, {}]
    // read what the client sends (an upload chunk, say) before answering, so it sees the status
    req.resume()
    req.on('end', () => json(res, status, { errors: [body] }, headers))
    return status
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET'
    const path = (req.url ?? '/').split('?')[0]
    counters.requests++
    const kind = decide(method, path)
    if (kind) {
      log.push({ method, path, outcome: kind, status: fault(kind, req, res) })
      return
    }
    counters.forwarded++
    const entry: ProxyLogEntry = { method, path, outcome: 'forwarded', status: 0 }
    log.push(entry)
    res.on('finish', () => (entry.status = res.statusCode))
    forward(req, res, { target, agent })
  }

  let server: Server | undefined
  let port = 0
  const up = async (): Promise<void> => {
    const s = createServer(handler)
    s.keepAliveTimeout = 5000
    port = await listen(s, port)
    server = s
  }
  const goDown = async (): Promise<void> => {
    const s = server
    server = undefined
    if (s) await closeServer(s)
  }

  await up()
  if (options.down) await goDown()

  const address = `${LOOPBACK}:${port}`
  let stopped = false
  const proxy: FaultProxy = {
    address,
    url: `http://${address}`,
    port,
    target: `${target.host}:${target.port}`,
    get down() {
      return server === undefined
    },
    counters,
    log,
    async setDown(down: boolean) {
      if (stopped) throw new Error('fault proxy is stopped')
      if (down && server) await goDown()
      // the same port again (SO_REUSEADDR); fails only if someone took it meanwhile
      else if (!down && !server) await up()
    },
    configure(o) {
      if (o.failRate !== undefined) settings.failRate = o.failRate
      if (o.faults?.length) settings.faults = o.faults
      if (o.match) settings.match = o.match
      if (o.seed !== undefined) {
        settings.seed = o.seed
        random = seededRandom(o.seed)
      }
      if (o.failFirst !== undefined) {
        settings.failFirst = o.failFirst
        eligibleSeen = 0
      }
    },
    reset() {
      Object.assign(counters, zeroCounters())
      log.length = 0
      eligibleSeen = 0
      random = seededRandom(settings.seed)
    },
    async stop() {
      if (stopped) return
      stopped = true
      await goDown()
      agent.destroy()
    }
  }
  return proxy
}
