// A registry that authenticates like ghcr.io: Bearer tokens from a token service, scopes per
// account. What is real and what is simulated (docs/test-servers.md says the same):
//
//   REAL       the registry: Debian's `docker-registry` (Distribution 2.8) with `auth: token`. It
//              challenges (401 + WWW-Authenticate: Bearer realm=..,service=..,scope=..), verifies
//              every token's RS256 signature through the x5c certificate against its
//              rootcertbundle, checks iss/aud/exp/nbf and enforces the granted actions itself.
//   OURS       the token service (in process): Basic auth (GET, the Distribution token spec) or an
//              OAuth2 password grant (POST form, what containerd/BuildKit try first) against a
//              small account table; grants `pull` for read:packages, `pull,push` for
//              write:packages, `delete` for delete:packages. The RSA key and the self-signed
//              certificate are generated at start (see x509.ts).
//   REWRITTEN  the wording of a refused write. The registry refuses a push with a pull-only token
//              by itself (401, its own "authentication required" body); the front proxy replaces
//              that answer, for POST/PUT/PATCH under /v2/ made with a token of an account without
//              write:packages, with 403 {"errors":[{"code":"DENIED","message":<denyMessage>}]},
//              the shape ghcr.io uses, so clients print `denied: <denyMessage>`.
//
// Clients talk to one address (`registry`): /token is the token service, everything else is
// proxied to the registry (as on ghcr.io, where the realm is https://ghcr.io/token).
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { forward, newAgent } from './forward.js'
import type { RegistryStorage } from './htpasswd-registry.js'
import { LOOPBACK, closeServer, json, listen } from './lifecycle.js'
import { startDistribution, type Distribution } from './registry-process.js'
import { keyedQueue, serializationKey } from './serialize.js'
import { createSigningIdentity, decodeJwt, signJwt, type SigningIdentity } from './x509.js'

export type PackageScope = 'read:packages' | 'write:packages' | 'delete:packages'

export interface Account {
  password: string
  /** Classic-PAT-style scopes; write:packages implies read. */
  scopes: PackageScope[]
  /** Message of the DENIED error this account's refused writes carry (default: options.denyMessage). */
  denyMessage?: string
}

/** One entry of a token's `access` claim. */
export interface Access {
  type: string
  name: string
  actions: string[]
}

/** One request to the token service, as logged (never a password or a token). */
export interface TokenRequest {
  method: string
  /** The account that authenticated, the name that failed to, or null when anonymous. */
  user: string | null
  status: number
  service: string | null
  /** The scopes asked for, as sent (`repository:acme/app:pull,push`). */
  scopes: string[]
  /** What the issued token grants ([] when refused). */
  granted: Access[]
}

/** One registry request seen by the front, after the registry (and a rewrite) answered. */
export interface RegistryRequest {
  method: string
  path: string
  /** `sub` of the Bearer token sent, '' when anonymous, null without a token. */
  user: string | null
  status: number
  /** True when the front replaced the registry's answer with the configured denial. */
  rewritten: boolean
  /** The registry's own status when rewritten. */
  upstreamStatus?: number
}

export interface TokenAuthRegistryOptions {
  accounts: Record<string, Account>
  /** `service` of the challenge and `aud` of tokens. Default 'ghcr.io' (ghcr.io's own value). */
  service?: string
  /** `iss` of tokens. */
  issuer?: string
  /** Token lifetime in seconds (default 300). */
  tokenTtl?: number
  /** Message of a refused write. Default: 'installation not allowed to Write organization package'. */
  denyMessage?: string
  /** false: relay the registry's own refusal of a write unchanged (default true: rewrite it). */
  rewriteDenials?: boolean
  /** Status and DENIED message for bad credentials at the token service (401, 'denied'). */
  loginFailure?: { status?: number; message?: string }
  /** The registry binary (default `docker-registry` on PATH). */
  registryBinary?: string
  /** Reuse a signing identity (an RSA key is slow to generate); default: one per process. */
  identity?: SigningIdentity
  /** Default 'inmemory'; 'filesystem' keeps the data in `storageRoot` (see htpasswd-registry.ts). */
  storage?: RegistryStorage
}

export interface TokenAuthRegistry {
  /** host:port clients use (docker login, image names): the front. */
  registry: string
  /** http://host:port of the same. */
  url: string
  /** The realm: http://host:port/token. */
  tokenUrl: string
  /** The Distribution registry itself, behind the front (for debugging only). */
  backend: string
  service: string
  issuer: string
  /** The account table; changes take effect on the next token request. */
  accounts: Record<string, Account>
  /** Every token request, in order. */
  requests: TokenRequest[]
  /** Every registry request through the front, in order. */
  traffic: RegistryRequest[]
  /** PEM of the certificate the registry trusts. */
  certificatePem: string
  /** The registry's log file (removed with its temp dir by stop()). */
  logFile: string
  storage: RegistryStorage
  /** `rootdirectory` of the filesystem storage (undefined with in-memory storage). */
  storageRoot: string | undefined
  /** PID of the registry process (undefined after stop()). */
  pid: number | undefined
  /** Signs a token directly, bypassing the account table (for checks by the tests). */
  issueToken(subject: string, access: Access[]): string
  stop(): Promise<void>
}

const DEFAULT_DENY = 'installation not allowed to Write organization package'
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH'])

let processIdentity: SigningIdentity | undefined
function defaultIdentity(): SigningIdentity {
  processIdentity ??= createSigningIdentity('ghcr-build-push e2e token issuer')
  return processIdentity
}

/** `repository:acme/app:pull,push` -> {type, name, actions}; the name may itself hold colons. */
export function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':')
  const last = scope.lastIndexOf(':')
  if (first < 0 || last <= first) return undefined
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean)
  }
}

function allowedActions(account: Account): Set<string> {
  const allowed = new Set<string>()
  if (account.scopes.includes('read:packages') || account.scopes.includes('write:packages'))
    allowed.add('pull')
  if (account.scopes.includes('write:packages')) allowed.add('push')
  if (account.scopes.includes('delete:packages')) allowed.add('delete')
  return allowed
}

/** What an account (undefined = anonymous: nothing) gets for the requested scopes. */
export function grant(account: Account | undefined, scopes: string[]): Access[] {
  const allowed = account ? allowedActions(account) : new Set<string>()
  const out: Access[] = []
  for (const s of scopes) {
    const a = parseScope(s)
    if (!a || a.type !== 'repository') continue // no catalog access, as on ghcr.io
    const actions = a.actions.filter(x => allowed.has(x))
    if (actions.length) out.push({ type: a.type, name: a.name, actions })
  }
  return out
}

function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+(\S+)/i.exec(header ?? '')
  if (!m) return null
  const text = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = text.indexOf(':')
  return colon < 0
    ? { user: text, password: '' }
    : { user: text.slice(0, colon), password: text.slice(colon + 1) }
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
      if (body.length > limit) reject(new Error('body too large'))
    })
    req.on('end', () => resolve(body))
    req.on('error', reject)
  })
}

function registryConfig(o: {
  port: number
  realm: string
  service: string
  issuer: string
  bundle: string
  /** rootdirectory of a filesystem storage; undefined: in memory */
  data: string | undefined
}): string {
  return `version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
${o.data ? `  filesystem:\n    rootdirectory: ${o.data}` : '  inmemory: {}'}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${LOOPBACK}:${o.port}
  secret: ${randomBytes(24).toString('hex')}
auth:
  token:
    realm: ${o.realm}
    service: ${o.service}
    issuer: ${o.issuer}
    rootcertbundle: ${o.bundle}
`
}

/** Starts the registry, its token service and the front; resolves when all answer. */
export async function startTokenAuthRegistry(
  options: TokenAuthRegistryOptions
): Promise<TokenAuthRegistry> {
  const service = options.service ?? 'ghcr.io'
  const issuer = options.issuer ?? 'ghcr-build-push-e2e-token-service'
  const ttl = options.tokenTtl ?? 300
  const identity = options.identity ?? defaultIdentity()
  const accounts = options.accounts
  const requests: TokenRequest[] = []
  const traffic: RegistryRequest[] = []
  const loginStatus = options.loginFailure?.status ?? 401
  const loginMessage = options.loginFailure?.message ?? 'denied'
  const storage = options.storage ?? 'inmemory'

  const issueToken = (subject: string, access: Access[]): string => {
    const now = Math.floor(Date.now() / 1000)
    return signJwt(identity, {
      iss: issuer,
      sub: subject,
      aud: service,
      exp: now + ttl,
      nbf: now - 5,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access
    })
  }

  const tokenService = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://token.invalid')
    let user: string | null = null
    let password = ''
    let scopes: string[]
    let requestedService: string | null
    if (req.method === 'POST') {
      // OAuth2 password grant (Distribution's "oauth" token spec): scopes are space-separated
      const form = new URLSearchParams(await readBody(req))
      requestedService = form.get('service')
      scopes = (form.get('scope') ?? '').split(' ').filter(Boolean)
      if (form.get('grant_type') !== 'password') {
        requests.push({
          method: 'POST',
          user,
          status: 400,
          service: requestedService,
          scopes,
          granted: []
        })
        json(res, 400, { error: 'unsupported_grant_type' })
        return
      }
      user = form.get('username') ?? ''
      password = form.get('password') ?? ''
    } else if (req.method === 'GET') {
      requestedService = url.searchParams.get('service')
      scopes = url.searchParams
        .getAll('scope')
        .flatMap(s => s.split(' '))
        .filter(Boolean)
      const creds = basicCredentials(req.headers.authorization)
      if (creds) ({ user, password } = creds)
    } else {
      json(res, 405, { errors: [{ code: 'UNSUPPORTED', message: 'method not allowed' }] })
      return
    }
    const account = user === null ? undefined : accounts[user]
    if (user !== null && (!account || account.password !== password)) {
      requests.push({
        method: req.method,
        user,
        status: loginStatus,
        service: requestedService,
        scopes,
        granted: []
      })
      json(res, loginStatus, { errors: [{ code: 'DENIED', message: loginMessage }] })
      return
    }
    const granted = grant(account, scopes)
    const token = issueToken(user ?? '', granted)
    requests.push({
      method: req.method,
      user,
      status: 200,
      service: requestedService,
      scopes,
      granted
    })
    json(res, 200, {
      token,
      access_token: token,
      expires_in: ttl,
      issued_at: new Date().toISOString()
    })
  }

  const bearerSubject = (req: IncomingMessage): string | null => {
    const m = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')
    if (!m) return null
    try {
      const { claims } = decodeJwt(m[1])
      return String((claims as { sub?: unknown }).sub ?? '')
    } catch {
      return ''
    }
  }

  const agent = newAgent()
  const queue = keyedQueue()
  let target = { host: LOOPBACK, port: 0 }
  const front: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/token') {
      tokenService(req, res).catch(err => {
        if (!res.headersSent)
          json(res, 500, { errors: [{ code: 'UNKNOWN', message: String(err) }] })
        else res.destroy()
      })
      return
    }
    const user = bearerSubject(req)
    const record: RegistryRequest = {
      method: req.method ?? '',
      path,
      user,
      status: 0,
      rewritten: false
    }
    traffic.push(record)
    res.on('finish', () => (record.status = res.statusCode))
    const relay = (): void =>
      forward(req, res, {
        target,
        agent,
        intercept: upstream => {
          const status = upstream.statusCode ?? 0
          if (options.rewriteDenials === false) return false
          if (!(status === 401 || status === 403)) return false
          if (!WRITE_METHODS.has(req.method ?? '') || !path.startsWith('/v2/')) return false
          const account = user ? accounts[user] : undefined
          if (!account || account.scopes.includes('write:packages')) return false
          record.rewritten = true
          record.upstreamStatus = status
          json(res, 403, {
            errors: [
              {
                code: 'DENIED',
                message: account.denyMessage ?? options.denyMessage ?? DEFAULT_DENY
              }
            ]
          })
          return true
        }
      })
    const key = storage === 'filesystem' ? serializationKey(record.method, path) : null
    let gone = false
    res.once('close', () => (gone = true))
    queue(key, release => {
      if (gone) return release() // the client gave up while waiting its turn
      res.once('close', release)
      relay()
    })
  })
  const frontPort = await listen(front)
  const frontAddr = `${LOOPBACK}:${frontPort}`
  const realm = `http://${frontAddr}/token`

  let reg: Distribution
  try {
    reg = await startDistribution({
      prefix: 'gbp-token-registry-',
      binary: options.registryBinary,
      files: { 'rootcertbundle.pem': identity.certificatePem },
      config: (port, dir) =>
        registryConfig({
          port,
          realm,
          service,
          issuer,
          bundle: join(dir, 'rootcertbundle.pem'),
          data: storage === 'filesystem' ? join(dir, 'data') : undefined
        })
    })
  } catch (err) {
    await closeServer(front)
    agent.destroy()
    throw err
  }
  target = { host: LOOPBACK, port: reg.port }

  let stopped = false
  const handle: TokenAuthRegistry = {
    registry: frontAddr,
    url: `http://${frontAddr}`,
    tokenUrl: realm,
    backend: `${target.host}:${target.port}`,
    service,
    issuer,
    accounts,
    requests,
    traffic,
    certificatePem: identity.certificatePem,
    logFile: reg.logFile,
    storage,
    storageRoot: storage === 'filesystem' ? join(reg.dir, 'data') : undefined,
    pid: reg.pid,
    issueToken,
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
