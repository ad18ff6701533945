// A registry with its own htpasswd account, started by a test (the e2e stack's main registry is
// shared by every test of a run): Debian's Distribution registry, real Basic auth (bcrypt),
// `delete: enabled`, in-memory or filesystem storage. Clients talk to a small front that forwards
// every request unchanged (streamed), records it, and, with filesystem storage, runs the
// requests of one repository one at a time (serialize.ts says why).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { forward, newAgent } from './forward.js'
import { LOOPBACK, closeServer, listen } from './lifecycle.js'
import { startDistribution } from './registry-process.js'
import { keyedQueue, serializationKey } from './serialize.js'

export type RegistryStorage = 'inmemory' | 'filesystem'

export interface HtpasswdRegistryOptions {
  /** Default `user-<6 random>`. */
  username?: string
  /** Default 24 random alphanumerics. */
  password?: string
  /** Default 'inmemory'. 'filesystem' keeps the data in `storageRoot` (the packages API reads it). */
  storage?: RegistryStorage
  /** The registry binary (default `docker-registry` on PATH). */
  binary?: string
  /** Run one repository's requests one at a time (default: with filesystem storage). */
  serialize?: boolean
}

export interface FrontRequest {
  method: string
  path: string
  status: number
}

export interface HtpasswdRegistry {
  /** host:port clients use (docker login, image names): the front. */
  registry: string
  url: string
  username: string
  password: string
  /** `Basic base64(username:password)`, for fetch. */
  authorization: string
  storage: RegistryStorage
  /** `rootdirectory` of the filesystem storage (undefined with in-memory storage). */
  storageRoot: string | undefined
  /** The registry itself, behind the front (debugging). */
  backend: string
  /** Every request through the front, in order. */
  traffic: FrontRequest[]
  logFile: string
  pid: number | undefined
  stop(): Promise<void>
}

const alnum = (n: number): string =>
  randomBytes(n * 2)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, n)

function bcryptLine(username: string, password: string): string {
  // -i: the password comes on stdin, never on a command line
  const res = spawnSync('htpasswd', ['-niB', username], { input: password, encoding: 'utf8' })
  if (res.status !== 0) {
    throw new Error(`htpasswd failed (install apache2-utils): ${res.stderr || res.error}`)
  }
  return res.stdout.trim() + '\n'
}

export async function startHtpasswdRegistry(
  options: HtpasswdRegistryOptions = {}
): Promise<HtpasswdRegistry> {
  const username = options.username ?? `user-${alnum(6).toLowerCase()}`
  const password = options.password ?? alnum(24)
  const storage = options.storage ?? 'inmemory'
  const serialize = options.serialize ?? storage === 'filesystem'
  const reg = await startDistribution({
    binary: options.binary,
    files: { htpasswd: bcryptLine(username, password) },
    config: (port, dir) => `version: 0.1
log:
  level: info
storage:
${storage === 'filesystem' ? `  filesystem:\n    rootdirectory: ${join(dir, 'data')}` : '  inmemory: {}'}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${LOOPBACK}:${port}
  secret: ${randomBytes(24).toString('hex')}
auth:
  htpasswd:
    realm: e2e-htpasswd
    path: ${join(dir, 'htpasswd')}
`
  })

  const traffic: FrontRequest[] = []
  const agent = newAgent()
  const queue = keyedQueue()
  const target = { host: LOOPBACK, port: reg.port }
  const front = createServer((req, res) => {
    const method = req.method ?? ''
    const path = (req.url ?? '/').split('?')[0]
    const record: FrontRequest = { method, path, status: 0 }
    traffic.push(record)
    res.on('finish', () => (record.status = res.statusCode))
    const key = serialize ? serializationKey(method, path) : null
    let gone = false
    res.once('close', () => (gone = true))
    queue(key, release => {
      if (gone) return release() // the client gave up while waiting its turn
      res.once('close', release)
      forward(req, res, { target, agent })
    })
  })
  let frontPort: number
  try {
    frontPort = await listen(front)
  } catch (err) {
    await reg.stop()
    throw err
  }
  const address = `${LOOPBACK}:${frontPort}`
  let stopped = false
  const handle: HtpasswdRegistry = {
    registry: address,
    url: `http://${address}`,
    username,
    password,
    authorization: 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64'),
    storage,
    storageRoot: storage === 'filesystem' ? join(reg.dir, 'data') : undefined,
    backend: reg.address,
    traffic,
    logFile: reg.logFile,
    pid: reg.pid,
    async stop() {
      if (stopped) return
      stopped = true
      await closeServer(front)
      agent.destroy()
      await reg.stop()
      handle.pid = undefined
    }
  }
  return handle
}
