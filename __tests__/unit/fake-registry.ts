// The one fake registry of the unit tests: a registry + token service that plays Distribution's
// answers (Basic or Bearer auth, blob uploads and pushes, manifest HEAD, GET and PUT) and records
// every request. `script` answers take precedence, to inject failures. Served on 127.0.0.1
// (`start()`, so the real fetch code runs) or in process through the HTTP seam (`http`, for
// `setHttp` in the tests that run the whole step against ghcr.io and other hosts; several
// registries, or a registry and the GitHub API stand-in, are combined there with `byHost`).
// Options play other registries: Docker Hub's token service on another host (`realm`,
// `service`, `refusal`), a blob store on another origin (`uploadLocation`).
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { NetworkError } from '../../src/errors.js'
import type { Http, HttpResponse } from '../../src/http.js'

export interface Recorded {
  method: string
  host: string
  path: string
  authorization?: string
  accept?: string
}

export interface Scripted {
  method?: string
  path: RegExp
  status: number
  headers?: Record<string, string>
  /** The answer's body, or made from the request (a registry that quotes what it is sent). */
  body?: string | ((r: Recorded) => string)
  /** How many requests this answers (default 1). */
  times?: number
  /** Destroy the socket instead of answering (a connection reset). */
  reset?: boolean
}

export interface FakeRegistryOptions {
  auth: 'basic' | 'bearer' | 'none'
  user?: string
  password?: string
  /** Repositories the user may push to; the others answer 403 like GHCR. */
  pushable?: string[]
  /** repo → tag → digest */
  manifests?: Record<string, Record<string, string>>
  /** Field of the token JSON (Docker Hub style `token`, OAuth style `access_token`). */
  tokenField?: 'token' | 'access_token'
  /** Status of DELETE on an upload (GHCR: 405). */
  cancelStatus?: number
  /** Send Docker-Content-Digest on manifest HEAD (default true). */
  digestOnHead?: boolean
  /** Location of a new upload: relative (default) or absolute. */
  absoluteLocation?: boolean
  /** The denial message for a repository that is not pushable. */
  denyMessage?: string
  /** The digest of any tag neither `manifests` nor a push knows (as if every tag were there). */
  anyTagAt?: string
  /** The token service's URL in the Bearer challenge (default this fake's `/token`); Docker Hub: another host. */
  realm?: string
  /** The service name in the challenge, checked on a token request (default `fake-registry`). */
  service?: string
  /** The token service's answer to bad credentials (default 403 DENIED, like GHCR). */
  refusal?: { status: number; body: string }
  /** The value of every token issued (default `tok-1`, `tok-2`, …). */
  issuedToken?: string
  /** Location of a new upload on another origin (a blob store, as S3 behind some registries):
   * requests to that origin store the blob whatever their credentials. */
  uploadLocation?: string
}

/** Several fakes behind one HTTP seam, by host; any other host is not found, as DNS would say. */
export function byHost(routes: Record<string, Http>): Http {
  return async (url, req = {}) => {
    const route = routes[new URL(url).host]
    if (!route) {
      throw new NetworkError(
        'ENOTFOUND',
        url,
        `${req.method ?? 'GET'} ${url}: no such host (ENOTFOUND)`
      )
    }
    return route(url, req)
  }
}

const json = (res: ServerResponse, status: number, body: unknown, headers = {}): void => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

const errors = (code: string, message: string) => ({ errors: [{ code, message }] })

export class FakeRegistry {
  readonly requests: Recorded[] = []
  script: Scripted[] = []
  /** The raw bodies served for manifests on GET, by `repo:tag`. */
  manifestBodies: Record<string, string> = {}
  private server: Server | undefined
  private tokens = new Map<string, { repo: string; actions: string[] }>()
  /** Blobs pushed (by digest), and the digest of each manifest pushed, by `repo:tag`. */
  readonly blobs = new Set<string>()
  readonly pushed = new Map<string, string>()
  host = ''

  constructor(readonly opts: FakeRegistryOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks)))
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => this.server?.close(() => resolve()))
  }

  /** The registry through the HTTP seam, no socket: `setHttp(registry.http)`. */
  readonly http: Http = async (url, req = {}) => {
    const u = new URL(url)
    this.host ||= u.host
    const body = Buffer.from(req.body ?? '')
    return await new Promise<HttpResponse>((resolve, reject) => {
      let status = 200
      let headers: Record<string, string> = {}
      const fakeReq = {
        url: u.pathname + u.search,
        method: req.method ?? 'GET',
        headers: {
          host: u.host,
          ...Object.fromEntries(
            Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])
          )
        },
        resume: () => undefined,
        socket: { destroy: () => reject(new Error('socket hang up (ECONNRESET)')) }
      }
      const fakeRes = {
        writeHead: (s: number, h: Record<string, string> = {}) => {
          status = s
          headers = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))
        },
        end: (text: string | Buffer = '') => resolve({ status, headers, body: String(text) })
      }
      this.handle(fakeReq as unknown as IncomingMessage, fakeRes as unknown as ServerResponse, body)
    })
  }

  /** Requests other than the scripted ones, as `METHOD path` lines. */
  lines(): string[] {
    return this.requests.map(r => `${r.method} ${r.path}`)
  }

  private get service(): string {
    return this.opts.service ?? 'fake-registry'
  }

  private get basic(): string {
    return 'Basic ' + Buffer.from(`${this.opts.user}:${this.opts.password}`).toString('base64')
  }

  private handle(req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
    const url = new URL(req.url ?? '/', `http://${this.host}`)
    const method = req.method ?? 'GET'
    const recorded: Recorded = {
      method,
      host: req.headers.host ?? this.host,
      path: url.pathname + url.search,
      authorization: req.headers.authorization,
      accept: req.headers.accept
    }
    this.requests.push(recorded)
    const scripted = this.script.find(
      s => (!s.method || s.method === method) && s.path.test(url.pathname) && (s.times ?? 1) > 0
    )
    if (scripted) {
      scripted.times = (scripted.times ?? 1) - 1
      if (scripted.reset) {
        req.socket.destroy()
        return
      }
      res.writeHead(scripted.status, scripted.headers)
      const text = scripted.body
      res.end(typeof text === 'function' ? text(recorded) : (text ?? ''))
      return
    }
    const store = this.opts.uploadLocation && new URL(this.opts.uploadLocation)
    if (store && recorded.host === store.host) {
      const digest = method === 'PUT' ? (url.searchParams.get('digest') ?? '') : ''
      if (digest) this.blobs.add(digest)
      res.writeHead(digest ? 201 : 400)
      return void res.end()
    }
    const tokenPath = this.opts.realm ? new URL(this.opts.realm).pathname : '/token'
    if (url.pathname === tokenPath) return this.token(req, url, res)
    const access = this.access(req)
    if (url.pathname === '/v2/') {
      if (!access) return this.challenge(res, 'registry:catalog:*')
      return json(res, 200, {})
    }
    let m = /^\/v2\/(.+)\/blobs\/uploads\/(.*)$/.exec(url.pathname)
    if (m) {
      const [, repo, id] = m
      if (method === 'DELETE') {
        res.writeHead(this.opts.cancelStatus ?? 204)
        return void res.end()
      }
      if (!access) return this.challenge(res, `repository:${repo}:pull,push`)
      if (!this.may(access, repo, 'push')) {
        return json(
          res,
          403,
          errors('DENIED', this.opts.denyMessage ?? 'permission_denied: write_package')
        )
      }
      if (method === 'PUT') {
        const digest = url.searchParams.get('digest') ?? ''
        if (digest) this.blobs.add(digest)
        res.writeHead(digest ? 201 : 400)
        return void res.end()
      }
      const location = `/v2/${repo}/blobs/uploads/upload-${id || '1'}`
      res.writeHead(202, {
        Location:
          this.opts.uploadLocation ??
          (this.opts.absoluteLocation ? `http://${this.host}${location}` : location),
        'Docker-Upload-UUID': 'upload-1'
      })
      return void res.end()
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]+)$/.exec(url.pathname)
    if (m && method === 'HEAD') {
      res.writeHead(this.blobs.has(m[2]) ? 200 : 404)
      return void res.end()
    }
    m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname)
    if (m) {
      const [, repo, tag] = m
      if (method === 'PUT') {
        if (!access) return this.challenge(res, `repository:${repo}:pull,push`)
        if (!this.may(access, repo, 'push')) return json(res, 403, errors('DENIED', 'denied'))
        const digest = `sha256:${createHash('sha256')
          .update(body ?? Buffer.alloc(0))
          .digest('hex')}`
        this.pushed.set(`${repo}:${decodeURIComponent(tag)}`, digest)
        this.manifestBodies[`${repo}:${tag}`] = (body ?? Buffer.alloc(0)).toString()
        res.writeHead(201, { 'Docker-Content-Digest': digest })
        return void res.end()
      }
      if (!access) return this.challenge(res, `repository:${repo}:pull`)
      if (!this.may(access, repo, 'pull')) return json(res, 403, errors('DENIED', 'denied'))
      const digest =
        this.pushed.get(`${repo}:${decodeURIComponent(tag)}`) ??
        this.opts.manifests?.[repo]?.[decodeURIComponent(tag)] ??
        this.opts.anyTagAt
      if (!digest) return json(res, 404, errors('MANIFEST_UNKNOWN', 'manifest unknown'))
      const headers: Record<string, string> = {
        'Content-Type': 'application/vnd.oci.image.index.v1+json'
      }
      if (this.opts.digestOnHead !== false) headers['Docker-Content-Digest'] = digest
      res.writeHead(200, headers)
      return void res.end(method === 'GET' ? (this.manifestBodies[`${repo}:${tag}`] ?? '') : '')
    }
    json(res, 404, errors('NOT_FOUND', 'not found'))
  }

  /** 'open' for no-auth registries, 'basic' for a good Basic header, a token record for Bearer, or undefined. */
  private access(
    req: IncomingMessage
  ): 'open' | 'basic' | { repo: string; actions: string[] } | undefined {
    const auth = req.headers.authorization ?? ''
    if (this.opts.auth === 'none') return 'open'
    if (this.opts.auth === 'basic') return auth === this.basic ? 'basic' : undefined
    return this.tokens.get(auth.replace(/^Bearer /, ''))
  }

  private may(
    access: NonNullable<ReturnType<FakeRegistry['access']>>,
    repo: string,
    action: string
  ): boolean {
    if (action === 'pull') {
      return typeof access === 'string' || (access.repo === repo && access.actions.includes('pull'))
    }
    const pushable = this.opts.pushable ?? []
    if (typeof access === 'string') return access === 'open' || pushable.includes(repo)
    return access.repo === repo && access.actions.includes('push') && pushable.includes(repo)
  }

  private challenge(res: ServerResponse, scope: string): void {
    const header =
      this.opts.auth === 'basic'
        ? 'Basic realm="fake"'
        : `Bearer realm="${this.opts.realm ?? `http://${this.host}/token`}",service="${this.service}",scope="${scope}"`
    json(res, 401, errors('UNAUTHORIZED', 'authentication required'), {
      'WWW-Authenticate': header
    })
  }

  // Like GHCR: bad credentials are refused; good ones get a token even when the user may only
  // pull (the upload then answers 403).
  private token(req: IncomingMessage, url: URL, res: ServerResponse): void {
    if (req.headers.authorization !== this.basic) {
      const refusal = this.opts.refusal ?? {
        status: 403,
        body: JSON.stringify(errors('DENIED', 'denied'))
      }
      res.writeHead(refusal.status, { 'Content-Type': 'application/json' })
      return void res.end(refusal.body)
    }
    const scope = url.searchParams.get('scope') ?? ''
    const m = /^repository:(.+):([a-z,*]+)$/.exec(scope)
    if (!m || url.searchParams.get('service') !== this.service) {
      return json(res, 400, errors('BAD_REQUEST', 'bad scope or service'))
    }
    const token = this.opts.issuedToken ?? `tok-${this.tokens.size + 1}`
    this.tokens.set(token, { repo: m[1], actions: m[2].split(',') })
    json(res, 200, { [this.opts.tokenField ?? 'token']: token })
  }
}
