// Self-tests of the reusable test servers (__tests__/servers) against real clients: the docker
// CLI and Buildx on the e2e engine, the Distribution registry, fetch. See docs/test-servers.md.
import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { X509Certificate, createHash, verify } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { e2eEnv, type E2EEnv } from './harness.js'
import { freshContext } from './fixtures.js'
import { RegistryApi } from './registry-api.js'
import { startFaultProxy, seededRandom, type FaultProxy } from '../servers/fault-proxy.js'
import { startGitHubApi, type GitHubApi } from '../servers/github-api.js'
import { isAlive } from '../servers/lifecycle.js'
import { startTokenAuthRegistry, type TokenAuthRegistry } from '../servers/token-auth-registry.js'
import { createSigningIdentity, decodeJwt, signJwt } from '../servers/x509.js'

jest.setTimeout(60_000)

// ------------------------------------------------------------------------------------- helpers
const dockerConfigs: string[] = []
afterAll(() => {
  for (const d of dockerConfigs) rmSync(d, { recursive: true, force: true })
})

/** A docker CLI bound to the e2e engine and a private, empty DOCKER_CONFIG. */
function dockerCli(env: E2EEnv) {
  const config = mkdtempSync(join(tmpdir(), 'gbp-servers-docker-'))
  dockerConfigs.push(config)
  return (args: string[], input?: string): Promise<{ code: number; out: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn('docker', args, {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          DOCKER_HOST: env.DOCKER_HOST,
          DOCKER_CONFIG: config,
          BUILDX_NO_DEFAULT_ATTESTATIONS: '1'
        },
        stdio: ['pipe', 'pipe', 'pipe']
      })
      let out = ''
      child.stdout.on('data', d => (out += d))
      child.stderr.on('data', d => (out += d))
      child.on('error', reject)
      child.on('close', code => resolve({ code: code ?? -1, out }))
      child.stdin.end(input ?? '')
    })
}

/** PIDs of live processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter(d => /^\d+$/.test(d))
    .filter(pid => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text) && isAlive(Number(pid))
      } catch {
        return false
      }
    })
    .map(Number)
}

const basic = (user: string, password: string): string =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')

async function tokenFor(
  reg: TokenAuthRegistry,
  user: string,
  password: string,
  scope: string
): Promise<{ status: number; token?: string; body: unknown }> {
  const url = `${reg.tokenUrl}?service=${reg.service}&scope=${encodeURIComponent(scope)}`
  const res = await fetch(url, { headers: { Authorization: basic(user, password) } })
  const body = (await res.json()) as { token?: string }
  return { status: res.status, token: body.token, body }
}

/** Streams `size` pseudo-random bytes to `url` with node:http; returns status, headers, digest. */
function streamUpload(
  url: string,
  method: string,
  size: number,
  headers: Record<string, string>
): Promise<{ status: number; location?: string; digest: string }> {
  const hash = createHash('sha256')
  let sent = 0
  const chunk = Buffer.alloc(64 * 1024)
  const body = new Readable({
    read() {
      if (sent >= size) return this.push(null)
      const n = Math.min(chunk.length, size - sent)
      for (let i = 0; i < n; i += 4) chunk.writeUInt32LE(((sent + i) * 2654435761) >>> 0, i)
      const piece = Buffer.from(chunk.subarray(0, n))
      hash.update(piece)
      sent += n
      this.push(piece)
    }
  })
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      headers: { ...headers, 'Content-Type': 'application/octet-stream' }
    })
    req.on('response', res => {
      res.resume()
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location,
          digest: `sha256:${hash.digest('hex')}`
        })
      )
    })
    req.on('error', reject)
    body.pipe(req)
  })
}

// --------------------------------------------------------------------------------- x509 + JWT
test('the signing certificate is a valid self-signed CA certificate and signs RS256 JWTs', () => {
  const id = createSigningIdentity('servers self-test')
  const cert = new X509Certificate(id.certificateDer)
  expect(cert.subject).toBe('CN=servers self-test')
  expect(cert.issuer).toBe(cert.subject)
  expect(cert.ca).toBe(true)
  expect(cert.verify(id.publicKey)).toBe(true) // signed by its own key
  expect(cert.checkIssued(cert)).toBe(true)
  expect(new Date(cert.validFrom).getTime()).toBeLessThan(Date.now())
  expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 86400_000)
  expect(new X509Certificate(id.certificatePem).fingerprint256).toBe(cert.fingerprint256)

  const jwt = signJwt(id, { sub: 'u', aud: 's' })
  const { header, claims } = decodeJwt(jwt)
  expect(header).toEqual({ typ: 'JWT', alg: 'RS256', x5c: [id.certificateDer.toString('base64')] })
  expect(claims).toEqual({ sub: 'u', aud: 's' })
  const [h, c, s] = jwt.split('.')
  const signedBy = new X509Certificate(Buffer.from((header.x5c as string[])[0], 'base64'))
  expect(
    verify('sha256', Buffer.from(`${h}.${c}`), signedBy.publicKey, Buffer.from(s, 'base64url'))
  ).toBe(true)
})

// ------------------------------------------------------------------------- token-auth registry
describe('token-auth registry (real Distribution registry, our token service)', () => {
  let reg: TokenAuthRegistry
  const accounts = {
    'rw-user': {
      password: 'rw-secret',
      scopes: ['read:packages' as const, 'write:packages' as const]
    },
    'ro-user': { password: 'ro-secret', scopes: ['read:packages' as const] },
    'linked-user': {
      password: 'linked-secret',
      scopes: ['read:packages' as const],
      denyMessage: 'permission_denied: write_package'
    }
  }

  beforeAll(async () => {
    reg = await startTokenAuthRegistry({ accounts })
  })

  afterAll(async () => {
    const pid = reg.pid
    const dir = dirname(reg.logFile)
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(2) // registry + its wrapper
    await reg.stop()
    expect(isAlive(pid)).toBe(false)
    expect(processesMentioning(dir)).toEqual([])
    expect(existsSync(dir)).toBe(false)
    await expect(fetch(`${reg.url}/v2/`)).rejects.toThrow()
  })

  test('GET /v2/ challenges with Bearer realm and service', async () => {
    const res = await fetch(`${reg.url}/v2/`)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="${reg.tokenUrl}",service="ghcr.io"`
    )
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0')
  })

  test('token service: wrong credentials are refused, scopes follow the account', async () => {
    const bad = await tokenFor(reg, 'rw-user', 'nope', 'repository:acme/app:pull,push')
    expect(bad.status).toBe(401)
    expect(bad.body).toEqual({ errors: [{ code: 'DENIED', message: 'denied' }] })

    const rw = await tokenFor(reg, 'rw-user', 'rw-secret', 'repository:acme/app:pull,push')
    expect(rw.status).toBe(200)
    const { header, claims } = decodeJwt(rw.token ?? '')
    expect(header.alg).toBe('RS256')
    expect(header.x5c).toHaveLength(1)
    expect(claims).toMatchObject({
      iss: reg.issuer,
      sub: 'rw-user',
      aud: 'ghcr.io',
      access: [{ type: 'repository', name: 'acme/app', actions: ['pull', 'push'] }]
    })

    const ro = await tokenFor(reg, 'ro-user', 'ro-secret', 'repository:acme/app:pull,push')
    expect(decodeJwt(ro.token ?? '').claims).toMatchObject({
      access: [{ type: 'repository', name: 'acme/app', actions: ['pull'] }]
    })

    // OAuth2 password grant (POST), the form containerd and BuildKit try first
    const form = new URLSearchParams({
      grant_type: 'password',
      username: 'rw-user',
      password: 'rw-secret',
      service: 'ghcr.io',
      scope: 'repository:acme/app:pull repository:acme/other:pull,push',
      client_id: 'servers-test'
    })
    const post = await fetch(reg.tokenUrl, { method: 'POST', body: form })
    expect(post.status).toBe(200)
    const posted = (await post.json()) as { access_token: string }
    expect(decodeJwt(posted.access_token).claims).toMatchObject({
      access: [
        { name: 'acme/app', actions: ['pull'] },
        { name: 'acme/other', actions: ['pull', 'push'] }
      ]
    })
    form.set('password', 'wrong')
    expect((await fetch(reg.tokenUrl, { method: 'POST', body: form })).status).toBe(401)

    const logged = reg.requests.slice(-5).map(r => [r.method, r.user, r.status])
    expect(logged).toEqual([
      ['GET', 'rw-user', 401],
      ['GET', 'rw-user', 200],
      ['GET', 'ro-user', 200],
      ['POST', 'rw-user', 200],
      ['POST', 'rw-user', 401]
    ])
    expect(JSON.stringify(reg.requests)).not.toMatch(/secret|wrong/)
  })

  test('the registry verifies the tokens: rw may open an upload, ro is denied with the configured text', async () => {
    const rw = await tokenFor(reg, 'rw-user', 'rw-secret', 'repository:acme/probe:pull,push')
    const ping = await fetch(`${reg.url}/v2/`, { headers: { Authorization: `Bearer ${rw.token}` } })
    expect(ping.status).toBe(200)
    // a token the registry's bundle does not trust is refused by the registry itself
    const stranger = signJwt(
      createSigningIdentity('not trusted'),
      decodeJwt(rw.token ?? '').claims as object
    )
    expect(
      (await fetch(`${reg.url}/v2/`, { headers: { Authorization: `Bearer ${stranger}` } })).status
    ).toBe(401)

    const open = await fetch(`${reg.url}/v2/acme/probe/blobs/uploads/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${rw.token}` }
    })
    expect(open.status).toBe(202)
    const location = open.headers.get('location') ?? ''
    expect(location.startsWith(`${reg.url}/v2/acme/probe/blobs/uploads/`)).toBe(true)
    // Distribution 2.8 wants the `delete` action to cancel an upload: a pull,push token is refused
    // (the action's preflight cancels best effort), a token with delete is not
    const cancel = (token: string): Promise<Response> =>
      fetch(location, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } })
    expect((await cancel(rw.token ?? '')).status).toBe(401)
    const deleter = reg.issueToken('check', [
      { type: 'repository', name: 'acme/probe', actions: ['pull', 'push', 'delete'] }
    ])
    expect((await cancel(deleter)).status).toBe(204)

    for (const [user, password, message] of [
      ['ro-user', 'ro-secret', 'installation not allowed to Write organization package'],
      ['linked-user', 'linked-secret', 'permission_denied: write_package']
    ]) {
      const ro = await tokenFor(reg, user, password, 'repository:acme/probe:pull,push')
      const refused = await fetch(`${reg.url}/v2/acme/probe/blobs/uploads/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ro.token}` }
      })
      expect(refused.status).toBe(403)
      expect(await refused.json()).toEqual({ errors: [{ code: 'DENIED', message }] })
      expect(reg.traffic.at(-1)).toMatchObject({
        method: 'POST',
        user,
        status: 403,
        rewritten: true,
        upstreamStatus: 401 // the registry's own refusal: insufficient scope
      })
      // reading is allowed
      const tags = await fetch(`${reg.url}/v2/acme/probe/tags/list`, {
        headers: { Authorization: `Bearer ${ro.token}` }
      })
      expect(tags.status).toBe(404) // name unknown: nothing pushed there, but not 401
    }
  })

  test('docker login + buildx push: rw pushes, ro fails with denied: <configured text>', async () => {
    const docker = dockerCli(e2eEnv())
    const image = `${reg.registry}/acme/servers-check`

    const bad = await docker(['login', reg.registry, '-u', 'rw-user', '--password-stdin'], 'nope\n')
    expect(bad.code).not.toBe(0)
    expect(bad.out).toContain(`Get "${reg.url}/v2/": denied: denied`)

    const login = await docker(
      ['login', reg.registry, '-u', 'rw-user', '--password-stdin'],
      'rw-secret\n'
    )
    expect(login.out).toContain('Login Succeeded')
    const push = await docker(['buildx', 'build', '--push', '-t', `${image}:v1`, freshContext()])
    expect(push.out).not.toContain('ERROR')
    expect(push.code).toBe(0)
    const admin = reg.issueToken('check', [
      { type: 'repository', name: 'acme/servers-check', actions: ['pull'] }
    ])
    const tags = await fetch(`${reg.url}/v2/acme/servers-check/tags/list`, {
      headers: { Authorization: `Bearer ${admin}` }
    })
    expect(await tags.json()).toEqual({ name: 'acme/servers-check', tags: ['v1'] })

    const roLogin = await docker(
      ['login', reg.registry, '-u', 'ro-user', '--password-stdin'],
      'ro-secret\n'
    )
    expect(roLogin.out).toContain('Login Succeeded')
    const denied = await docker(['buildx', 'build', '--push', '-t', `${image}:v2`, freshContext()])
    expect(denied.code).not.toBe(0)
    expect(denied.out).toContain(
      'ERROR: denied: installation not allowed to Write organization package'
    )
    expect(reg.traffic.some(t => t.user === 'ro-user' && t.rewritten)).toBe(true)
  })
})

// ---------------------------------------------------------------------------------- fault proxy
describe('fault proxy (in front of the e2e htpasswd registry)', () => {
  let env: E2EEnv
  let proxy: FaultProxy
  beforeAll(async () => {
    env = e2eEnv()
    proxy = await startFaultProxy({ target: env.E2E_REGISTRY })
  })
  afterAll(async () => {
    await proxy.stop()
    await expect(fetch(`${proxy.url}/v2/`)).rejects.toThrow()
  })
  beforeEach(() => {
    proxy.configure({ failRate: 0, failFirst: 0, faults: ['503'], match: () => true })
    proxy.reset()
  })

  test('503, 429 with Retry-After and connection resets, then forwards', async () => {
    proxy.configure({ failFirst: 3, faults: ['503', '429', 'reset'] })
    const r1 = await fetch(`${proxy.url}/v2/`)
    expect(r1.status).toBe(503)
    expect(await r1.json()).toEqual({
      errors: [{ code: 'UNAVAILABLE', message: 'service unavailable' }]
    })
    const r2 = await fetch(`${proxy.url}/v2/`)
    expect(r2.status).toBe(429)
    expect(r2.headers.get('retry-after')).toBe('1')
    await expect(fetch(`${proxy.url}/v2/`)).rejects.toThrow('fetch failed')
    const r4 = await fetch(`${proxy.url}/v2/`)
    expect(r4.status).toBe(401) // the registry itself
    expect(r4.headers.get('www-authenticate')).toMatch(/^Basic realm=/)
    expect(proxy.counters).toEqual({
      requests: 4,
      forwarded: 1,
      faults: 3,
      byKind: { '503': 1, '429': 1, reset: 1 }
    })
    expect(proxy.log.map(l => [l.outcome, l.status])).toEqual([
      ['503', 503],
      ['429', 429],
      ['reset', 0],
      ['forwarded', 401]
    ])
  })

  test('failRate is reproducible with a seed, and match limits what may fail', async () => {
    const run = async (): Promise<string[]> => {
      const out: string[] = []
      for (let i = 0; i < 12; i++) out.push(String((await fetch(`${proxy.url}/v2/`)).status))
      return out
    }
    proxy.configure({ failRate: 0.5, seed: 42 })
    const first = await run()
    proxy.reset()
    expect(await run()).toEqual(first)
    expect(first).toContain('503')
    expect(first).toContain('401')
    const rand = seededRandom(42)
    const expected = Array.from({ length: 12 }, () => (rand() < 0.5 ? '503' : '401'))
    expect(first).toEqual(expected)

    proxy.configure({ failRate: 1, match: r => r.method === 'POST' })
    expect((await fetch(`${proxy.url}/v2/`)).status).toBe(401)
    expect((await fetch(`${proxy.url}/v2/x/blobs/uploads/`, { method: 'POST' })).status).toBe(503)
  })

  test('down refuses connections; up serves again on the same port', async () => {
    await proxy.setDown(true)
    expect(proxy.down).toBe(true)
    // a new connection (fetch could reuse a pooled one that the proxy just cut)
    const refused = await new Promise<string>(resolve => {
      const req = request(`${proxy.url}/v2/`, { agent: false })
      req.on('response', res => resolve(`HTTP ${res.statusCode}`))
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
      req.end()
    })
    expect(refused).toBe('ECONNREFUSED')
    await proxy.setDown(false)
    expect((await fetch(`${proxy.url}/v2/`)).status).toBe(401)
  })

  test('streams an 8 MiB blob upload; Location keeps naming the proxy', async () => {
    const auth = basic(env.E2E_USER, env.E2E_PASSWORD)
    const open = await fetch(`${proxy.url}/v2/servers/stream/blobs/uploads/`, {
      method: 'POST',
      headers: { Authorization: auth }
    })
    expect(open.status).toBe(202)
    const location = open.headers.get('location') ?? ''
    expect(new URL(location).host).toBe(proxy.address)
    const size = 8 * 1024 * 1024
    const patch = await streamUpload(location, 'PATCH', size, { Authorization: auth })
    expect(patch.status).toBe(202)
    expect(new URL(patch.location ?? '').host).toBe(proxy.address)
    const done = new URL(patch.location ?? '')
    done.searchParams.set('digest', patch.digest)
    const put = await fetch(done, { method: 'PUT', headers: { Authorization: auth } })
    expect(put.status).toBe(201)
    expect(new URL(put.headers.get('location') ?? '').host).toBe(proxy.address)
    const head = await fetch(`http://${env.E2E_REGISTRY}/v2/servers/stream/blobs/${patch.digest}`, {
      method: 'HEAD',
      headers: { Authorization: auth }
    })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(size))
  })

  test('docker login and buildx push through the proxy; a failed manifest PUT fails the push', async () => {
    const docker = dockerCli(env)
    const login = await docker(
      ['login', proxy.address, '-u', env.E2E_USER, '--password-stdin'],
      `${env.E2E_PASSWORD}\n`
    )
    expect(login.out).toContain('Login Succeeded')
    const image = `${proxy.address}/servers/via-proxy`
    const push = (tag: string): Promise<{ code: number; out: string }> =>
      docker(['buildx', 'build', '--push', '-t', `${image}:${tag}`, freshContext()])

    // BuildKit retries blob uploads (after ~5 s) but not the manifest PUT: the push fails at once
    proxy.configure({
      failFirst: 1,
      match: r => r.method === 'PUT' && r.path.includes('/manifests/')
    })
    const failed = await push('v0')
    expect(failed.code).not.toBe(0)
    expect(failed.out).toContain('503 Service Unavailable')
    expect(proxy.counters.byKind['503']).toBe(1)

    proxy.configure({ failFirst: 0 })
    const ok = await push('v1')
    expect(ok.code).toBe(0)
    expect(
      proxy.log.some(
        l => l.method === 'PUT' && l.path.endsWith('/manifests/v1') && l.status === 201
      )
    ).toBe(true)
    expect(await new RegistryApi(env).tags('servers/via-proxy')).toEqual(['v1'])
  })
})

// ----------------------------------------------------------------------------------- GitHub API
describe('GitHub API stand-in', () => {
  let api: GitHubApi
  beforeAll(async () => {
    api = await startGitHubApi({
      tokens: {
        ghp_writer: { scopes: ['read:packages', 'write:packages'], login: 'octo-dev' },
        ghp_reader: { scopes: ['read:packages'] },
        ghs_jobtoken: {}
      },
      repos: {
        'Acme-Org/Hello-App': { description: 'Says hello', license: 'Apache-2.0' },
        'acme-org/secret': { private: true, license: null, description: null },
        'acme-org/broken': { status: 502, message: 'Server Error' }
      }
    })
  })
  afterAll(async () => {
    await api.stop()
    await expect(fetch(`${api.url}/user`)).rejects.toThrow()
  })

  const get = (path: string, token?: string): Promise<Response> =>
    fetch(`${api.url}${path}`, { headers: token ? { Authorization: `token ${token}` } : {} })

  test('GET /user: scopes header for classic PATs, 401 for unknown tokens, 403 for job tokens', async () => {
    const writer = await get('/user', 'ghp_writer')
    expect(writer.status).toBe(200)
    expect(writer.headers.get('x-oauth-scopes')).toBe('read:packages, write:packages')
    expect(await writer.json()).toMatchObject({ login: 'octo-dev' })
    expect((await get('/user', 'ghp_reader')).headers.get('x-oauth-scopes')).toBe('read:packages')
    const unknown = await get('/user', 'ghp_unknown')
    expect(unknown.status).toBe(401)
    expect(await unknown.json()).toMatchObject({ message: 'Bad credentials' })
    expect((await get('/user')).status).toBe(401)
    const job = await fetch(`${api.url}/user`, {
      headers: { Authorization: 'Bearer ghs_jobtoken' }
    })
    expect(job.status).toBe(403)
    expect(job.headers.get('x-oauth-scopes')).toBeNull()
  })

  test('GET /repos/:owner/:repo: configured JSON, case-insensitive, private and errors', async () => {
    const res = await get('/repos/acme-org/hello-app')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      name: 'Hello-App',
      full_name: 'Acme-Org/Hello-App',
      description: 'Says hello',
      html_url: 'https://github.com/Acme-Org/Hello-App',
      default_branch: 'main',
      license: { spdx_id: 'Apache-2.0' }
    })
    expect((await get('/repos/acme-org/secret')).status).toBe(404)
    const secret = await get('/repos/acme-org/secret', 'ghs_jobtoken')
    expect(await secret.json()).toMatchObject({ private: true, license: null, description: null })
    expect((await get('/repos/acme-org/broken', 'ghp_writer')).status).toBe(502)
    expect((await get('/repos/acme-org/missing')).status).toBe(404)
    expect((await get('/repos/acme-org/hello-app', 'ghp_revoked')).status).toBe(401)
  })

  test('the request log never holds a token', () => {
    expect(api.requests.length).toBeGreaterThan(5)
    expect(api.requests[0]).toEqual({
      method: 'GET',
      path: '/user',
      auth: 'token',
      knownToken: true,
      status: 200
    })
    expect(JSON.stringify(api.requests)).not.toMatch(/ghp_|ghs_/)
  })
})
