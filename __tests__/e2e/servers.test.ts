// Self-tests of the reusable test servers (__tests__/servers) against real clients: the docker
// CLI and Buildx on the e2e engine, the Distribution registry, fetch. See docs/test-servers.md.
import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { X509Certificate, createHash, verify } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { baseImage, pushBaseImage } from './base-image.js'
import {
  BINFMT,
  binfmtHandlers,
  emulationSection,
  emulatorsFor,
  installEmulators,
  runStandIn,
  unregisterEmulators,
  type EmulationSection
} from './emulation.js'
import { ROOT, e2eEnv, trixieEnv, type E2EEnv } from './harness.js'
import { freshContext } from './fixtures.js'
import { packagesBackendOf, startPackagesStack, type PackagesStack } from './packages.js'
import {
  registryDigest,
  registryManifest,
  registryTags,
  stackLogin,
  startTwoRegistries,
  topLayerFile,
  type RegistryLogin,
  type TwoRegistries
} from './registries.js'
import { RegistryApi } from './registry-api.js'
import { versionIdOf } from '../servers/package-versions.js'
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
      status: 200,
      query: ''
    })
    expect(JSON.stringify(api.requests)).not.toMatch(/ghp_|ghs_/)
  })
})

// ------------------------------------------------------------ QEMU stand-in and the base image
describe('QEMU stand-in and the two-platform base image (newer engine)', () => {
  let tx: E2EEnv
  let section: EmulationSection
  const repo = `emu/uname-${Date.now().toString(36)}`
  beforeAll(async () => {
    tx = trixieEnv()
    section = await emulationSection(tx) // binfmt_misc is the machine's: take turns
  })
  afterAll(async () => {
    await section.release()
    expect(binfmtHandlers().filter(h => h.standIn && !section.before.includes(h.name))).toEqual([])
  })

  /** A raw two-platform buildx build whose RUN step writes `uname -m` into /arch, pushed. */
  const unameBuild = async (tag: string): Promise<{ code: number; out: string }> => {
    const docker = dockerCli(tx)
    await docker(
      ['login', tx.E2E_REGISTRY, '-u', tx.E2E_USER, '--password-stdin'],
      `${tx.E2E_PASSWORD}\n`
    )
    const ctx = mkdtempSync(join(tmpdir(), 'gbp-emu-ctx-'))
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${baseImage(tx)}\nRUN uname -m > /arch\n`)
    try {
      return await docker([
        'buildx',
        'build',
        '--no-cache',
        '--provenance=false',
        '--network=none',
        '--platform',
        'linux/amd64,linux/arm64',
        '-t',
        `${tx.E2E_REGISTRY}/${repo}:${tag}`,
        '--push',
        ctx
      ])
    } finally {
      rmSync(ctx, { recursive: true, force: true })
    }
  }

  test('without an emulator the arm64 RUN fails; with the stand-in the layers hold aarch64 and x86_64', async () => {
    expect(tx.E2E_BASE_PLATFORMS).toBe('linux/amd64,linux/arm64')
    unregisterEmulators(tx) // a clean slate: only handlers from before the run may remain
    const foreign = emulatorsFor('arm64').map(h => `${h.name} (${h.interpreter})`)
    if (foreign.length) {
      throw new Error(`arm64 handlers registered before this run: ${foreign.join(', ')}`)
    }
    const failed = await unameBuild('without')
    expect(failed.code).not.toBe(0)
    expect(failed.out).toContain('exec format error')
    const login = stackLogin(tx)
    expect(await registryTags(login, repo)).toEqual([])

    expect(await installEmulators(tx, 'arm64')).toContain('qemu-aarch64: registered')
    expect(binfmtHandlers().find(h => h.name === 'qemu-aarch64')).toEqual({
      name: 'qemu-aarch64',
      enabled: true,
      interpreter: '/usr/libexec/gbp-e2e-qemu/qemu-aarch64-static',
      flags: 'PF',
      magic: '7f454c460201010000000000000000000200b700',
      standIn: true
    })
    expect(emulatorsFor('linux/arm64').map(h => h.name)).toEqual(['qemu-aarch64'])

    const built = await unameBuild('with')
    expect(built.out).not.toContain('ERROR')
    expect(built.code).toBe(0)
    const index = await registryManifest(login, repo, 'with')
    const archs: Record<string, string | undefined> = {}
    for (const m of index.manifests ?? []) {
      archs[m.platform?.architecture ?? '?'] = await topLayerFile(login, repo, m.digest, 'arch')
    }
    expect(archs).toEqual({ amd64: 'x86_64\n', arm64: 'aarch64\n' })
  })

  test("the stand-in keeps setup-qemu-action's contract; the base image pushes as a two-platform index", async () => {
    await installEmulators(tx, 'arm64')
    const status = JSON.parse(
      (await runStandIn(tx, [])).split('\n').find(l => l.startsWith('{')) ?? '{}'
    ) as { supported: string[]; emulators: string[] }
    expect(status.emulators).toContain('qemu-aarch64')
    expect(status.supported).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']))
    expect(await installEmulators(tx, 'linux/arm64')).toContain('qemu-aarch64: already registered')
    // an unknown architecture is refused before anything is registered
    await expect(installEmulators(tx, 'riscv64,mips')).rejects.toThrow(
      'unsupported architecture: mips'
    )
    expect(binfmtHandlers().map(h => h.name)).not.toContain('qemu-riscv64')

    const ref = `${tx.E2E_REGISTRY}/${repo}-base:1`
    await pushBaseImage(tx, ref)
    const login = stackLogin(tx)
    const index = await registryManifest(login, `${repo}-base`, '1')
    const platforms = (index.manifests ?? []).map(m => m.platform?.architecture).sort()
    expect(platforms).toEqual(['amd64', 'arm64'])
  })

  test('clean-up removes only stand-in handlers that were not there before: unregisterEmulators, e2e-env.sh stop', async () => {
    // a handler that is not the stand-in's: nothing here may remove it
    writeFileSync(join(BINFMT, 'register'), ':gbp-e2e-probe:E::gbpprobe::/bin/false:')
    const fake = mkdtempSync(join(tmpdir(), 'gbp-emu-state-'))
    try {
      unregisterEmulators(tx)
      await installEmulators(tx, 'arm64,riscv64,s390x')
      // a copy of the run's snapshot that says qemu-s390x was there before the run
      writeFileSync(join(fake, 'binfmt.before'), [...section.before, 'qemu-s390x'].join('\n'))
      expect(unregisterEmulators({ ...tx, E2E_STATE_DIR: fake }).sort()).toEqual([
        'qemu-aarch64',
        'qemu-riscv64'
      ])
      let names = binfmtHandlers().map(h => h.name)
      expect(names).toEqual(expect.arrayContaining(['qemu-s390x', 'gbp-e2e-probe']))

      // the harness's stop does the same with the run's snapshot (here: a fake run whose
      // snapshot lacks qemu-s390x; its own lock file, since this section holds the real one)
      await installEmulators(tx, 'riscv64')
      writeFileSync(join(fake, 'binfmt.before'), section.before.join('\n'))
      const stop = await new Promise<number>(resolve =>
        spawn('bash', [join(ROOT, 'scripts/e2e-env.sh'), 'stop', fake], {
          env: { ...process.env, E2E_BINFMT_LOCK: join(fake, 'lock') },
          stdio: 'ignore'
        }).on('close', code => resolve(code ?? -1))
      )
      expect(stop).toBe(0)
      expect(readFileSync(join(fake, 'binfmt.removed'), 'utf8').trim().split(' ').sort()).toEqual([
        'qemu-riscv64',
        'qemu-s390x'
      ])
      names = binfmtHandlers().map(h => h.name)
      expect(names).toContain('gbp-e2e-probe')
      expect(names.filter(n => /^qemu-(aarch64|riscv64|s390x)$/.test(n))).toEqual([])
    } finally {
      writeFileSync(join(BINFMT, 'gbp-e2e-probe'), '-1')
      rmSync(fake, { recursive: true, force: true })
    }
  })

  test("sections take turns; a section's release unregisters the stand-in handlers registered in it", async () => {
    await installEmulators(tx, 'arm')
    let second: EmulationSection | undefined
    const waiting = emulationSection(tx).then(s => (second = s))
    await new Promise(resolve => setTimeout(resolve, 700))
    expect(second).toBeUndefined() // this section still holds the lock
    expect(await section.release()).toEqual(['qemu-arm'])
    expect(binfmtHandlers().map(h => h.name)).not.toContain('qemu-arm')
    await waiting
    expect(second?.before).not.toContain('qemu-arm')
    expect(await second?.release()).toEqual([])
  })
})

// ------------------------------------------------------------------ two registries, two logins
describe('two registries with different credentials (htpasswd + GHCR-like token service)', () => {
  let regs: TwoRegistries
  beforeAll(async () => {
    regs = await startTwoRegistries()
  })
  afterAll(async () => {
    await regs.stop()
  })

  test("plain docker login + docker push work against both; each refuses the other's password", async () => {
    const { htpasswd, token } = regs
    expect(htpasswd.username).not.toBe(token.username)
    expect(htpasswd.password).not.toBe(token.password)
    const docker = dockerCli(e2eEnv())
    for (const [r, other] of [
      [htpasswd, token],
      [token, htpasswd]
    ] as [RegistryLogin, RegistryLogin][]) {
      const wrong = await docker(
        ['login', r.registry, '-u', r.username, '--password-stdin'],
        `${other.password}\n`
      )
      expect(wrong.code).not.toBe(0)
      const ok = await docker(
        ['login', r.registry, '-u', r.username, '--password-stdin'],
        `${r.password}\n`
      )
      expect(ok.out).toContain('Login Succeeded')
    }
    const local = 'gbp-e2e/two-registries:v1'
    expect((await docker(['buildx', 'build', '--load', '-t', local, freshContext()])).code).toBe(0)
    for (const r of [htpasswd, token]) {
      expect((await docker(['tag', local, `${r.registry}/acme/app:v1`])).code).toBe(0)
      const push = await docker(['push', `${r.registry}/acme/app:v1`])
      expect(push.out).not.toContain('denied')
      expect(push.code).toBe(0)
      expect(await registryTags(r, 'acme/app')).toEqual(['v1'])
    }
    const digests = await Promise.all(
      [htpasswd, token].map(r => registryDigest(r, 'acme/app', 'v1'))
    )
    expect(digests[0]).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(digests[1]).toBe(digests[0])
    expect(token.server.traffic.some(t => t.method === 'PUT' && t.user === token.username)).toBe(
      true
    )
  })
})

// ---------------------------------------------------------- GitHub Packages API (real registry)
describe('GitHub Packages API stand-in, backed by a filesystem registry', () => {
  let stack: PackagesStack
  let login: RegistryLogin
  const digests: Record<string, string> = {}
  const tokens = {
    ghp_admin: {
      scopes: ['read:packages', 'write:packages', 'delete:packages'],
      login: 'octo-dev'
    },
    ghp_reader: { scopes: ['read:packages'], login: 'octo-dev' },
    ghp_noscope: { scopes: [], login: 'octo-dev' },
    ghs_job: {}, // a job token: write role on packages, no admin
    ghs_admin: { packageRole: 'admin' as const },
    ghs_outsider: { packageRole: 'none' as const }
  }
  const api = (
    path: string,
    token?: string,
    method = 'GET'
  ): Promise<{ status: number; body: unknown; link: string | null }> =>
    fetch(`${stack.api.url}${path}`, {
      method,
      headers: token ? { Authorization: `Bearer ${token}` } : {}
    }).then(async res => ({
      status: res.status,
      body: res.status === 204 ? null : await res.json(),
      link: res.headers.get('link')
    }))
  type Version = { id: number; name: string; metadata: { container: { tags: string[] } } }
  const tagsByDigest = (body: unknown): Record<string, string[]> =>
    Object.fromEntries((body as Version[]).map(v => [v.name, v.metadata.container.tags]))

  beforeAll(async () => {
    stack = await startPackagesStack({
      tokens,
      owners: { 'acme-org': 'Organization' },
      pulls: { 'acme-org/app': { 7: { state: 'closed', merged: true }, 8: { state: 'open' } } }
    })
    login = stack.registry
    const docker = dockerCli(e2eEnv())
    const l = await docker(
      ['login', login.registry, '-u', login.username, '--password-stdin'],
      `${login.password}\n`
    )
    expect(l.code).toBe(0)
    const push = async (key: string, repo: string, tags: string[]): Promise<void> => {
      const args = tags.flatMap(t => ['-t', `${login.registry}/${repo}:${t}`])
      const res = await docker(['buildx', 'build', '--push', ...args, freshContext()])
      if (res.code !== 0) throw new Error(res.out)
      digests[key] = (await registryDigest(login, repo, tags[0])) ?? ''
    }
    // main three times: the first two pushes leave their manifests behind, untagged or not
    await push('d1', 'acme-org/app', ['main', 'v1'])
    await push('d2', 'acme-org/app', ['main'])
    await push('d3', 'acme-org/app', ['main', 'pr-7'])
    await push('w1', 'acme-org/app/web', ['main'])
    await push('s1', 'acme-org/solo', ['latest'])
    await push('u1', 'octo-dev/tool', ['main'])
  })
  afterAll(async () => {
    await stack.stop()
  })

  test("versions are the registry's manifests: untagged ones without tags, ids stable per digest", async () => {
    const path = '/orgs/acme-org/packages/container/app/versions'
    const res = await api(path, 'ghp_reader')
    expect(res.status).toBe(200)
    expect(tagsByDigest(res.body)).toEqual({
      [digests.d1]: ['v1'],
      [digests.d2]: [],
      [digests.d3]: ['main', 'pr-7']
    })
    const [newest] = res.body as (Version & Record<string, string>)[]
    expect(newest).toMatchObject({
      id: versionIdOf(digests.d3),
      name: digests.d3,
      url: `${stack.api.url}${path}/${versionIdOf(digests.d3)}`,
      html_url: `https://github.com/orgs/acme-org/packages/container/app/${versionIdOf(digests.d3)}`,
      metadata: { package_type: 'container' }
    })
    expect(newest.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(newest.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const again = await api(path, 'ghs_job')
    expect((again.body as Version[]).map(v => v.id)).toEqual((res.body as Version[]).map(v => v.id))
    const one = await api(`${path}/${versionIdOf(digests.d2)}`, 'ghp_reader')
    expect(one.body).toMatchObject({ name: digests.d2, metadata: { container: { tags: [] } } })
  })

  test('pagination: per_page (at most 100), page, Link rel next/last/prev/first; the next link works as given', async () => {
    const base = '/orgs/acme-org/packages/container/app/versions'
    const first = await api(`${base}?state=active&per_page=2`, 'ghp_reader')
    expect((first.body as Version[]).map(v => v.name)).toEqual([digests.d3, digests.d2])
    const links = Object.fromEntries(
      [...(first.link ?? '').matchAll(/<([^>]+)>; rel="(\w+)"/g)].map(m => [m[2], m[1]])
    )
    expect(Object.keys(links)).toEqual(['next', 'last'])
    expect(links.next).toMatch(/\/organizations\/\d+\/packages\/container\/app\/versions\?/)
    expect(new URL(links.next).search).toBe('?state=active&per_page=2&page=2')
    const second = await fetch(links.next, { headers: { Authorization: 'Bearer ghp_reader' } })
    expect(((await second.json()) as Version[]).map(v => v.name)).toEqual([digests.d1])
    expect(second.headers.get('link')).toMatch(/rel="prev".*rel="first"/)
    const capped = await api(`${base}?per_page=500`, 'ghp_reader')
    expect((capped.body as Version[]).length).toBe(3)
    expect(capped.link).toBeNull()
    expect((await api(`${base}?per_page=2&page=3`, 'ghp_reader')).body).toEqual([])
  })

  test('package, owner types, user-owned packages and URL-encoded names with slashes', async () => {
    const pkg = await api('/orgs/acme-org/packages/container/app', 'ghp_reader')
    expect(pkg.body).toMatchObject({
      name: 'app',
      package_type: 'container',
      version_count: 3,
      owner: { login: 'acme-org', type: 'Organization' }
    })
    expect((await api('/users/acme-org')).body).toMatchObject({ type: 'Organization' })
    expect((await api('/users/octo-dev')).body).toMatchObject({ type: 'User' })
    expect((await api('/users/nobody-here')).status).toBe(404)
    const web = await api('/orgs/acme-org/packages/container/app%2Fweb/versions', 'ghp_reader')
    expect(tagsByDigest(web.body)).toEqual({ [digests.w1]: ['main'] })
    expect(
      (await api('/orgs/acme-org/packages/container/app/web/versions', 'ghp_reader')).status
    ).toBe(404)
    for (const path of ['/users/octo-dev', '/user']) {
      const mine = await api(`${path}/packages/container/tool/versions`, 'ghp_reader')
      expect(tagsByDigest(mine.body)).toEqual({ [digests.u1]: ['main'] })
    }
    // an organization's package is not found under /users/, nor a user's under /orgs/
    expect(
      (await api('/users/acme-org/packages/container/app/versions', 'ghp_reader')).status
    ).toBe(404)
    expect(
      (await api('/orgs/octo-dev/packages/container/tool/versions', 'ghp_reader')).status
    ).toBe(404)
    const unknown = await api('/orgs/acme-org/packages/container/nothing/versions', 'ghp_reader')
    expect(unknown).toMatchObject({ status: 404, body: { message: 'Package not found.' } })
  })

  test("permissions: a classic PAT's scopes, a job token's role on the package", async () => {
    const versions = '/orgs/acme-org/packages/container/app/versions'
    const d2 = `${versions}/${versionIdOf(digests.d2)}`
    expect(await api(versions)).toMatchObject({
      status: 401,
      body: { message: 'Requires authentication' }
    })
    expect(await api(versions, 'ghp_noscope')).toMatchObject({
      status: 403,
      body: { message: "You need at least read:packages scope to get a package's versions." }
    })
    expect(await api(versions, 'ghs_outsider')).toMatchObject({
      status: 404,
      body: { message: 'Package not found.' }
    })
    expect(await api(d2, 'ghp_reader', 'DELETE')).toMatchObject({
      status: 403,
      body: {
        message:
          'You need at least delete:packages and read:packages scopes to delete a package version.'
      }
    })
    expect(await api(d2, 'ghs_job', 'DELETE')).toMatchObject({
      status: 403,
      body: { message: 'Resource not accessible by integration' }
    })
    expect(await registryDigest(login, 'acme-org/app', digests.d2)).toBe(digests.d2)
    expect((await api(`${versions}/123`, 'ghs_admin', 'DELETE')).body).toMatchObject({
      message: 'Package version not found.'
    })
  })

  test('created_at can be set per digest; versions are listed newest first', async () => {
    const versions = '/orgs/acme-org/packages/container/app/versions'
    stack.api.versionDates[digests.d3] = { created_at: '2020-01-02T03:04:05Z' }
    try {
      const res = (await api(versions, 'ghp_reader')).body as (Version & { created_at: string })[]
      expect(res.map(v => v.name)).toEqual([digests.d2, digests.d1, digests.d3])
      expect(res[2]).toMatchObject({
        created_at: '2020-01-02T03:04:05Z',
        updated_at: '2020-01-02T03:04:05Z'
      })
    } finally {
      delete stack.api.versionDates[digests.d3]
    }
  })

  test('DELETE deletes the manifest through the registry; the last tagged version is refused', async () => {
    const versions = '/orgs/acme-org/packages/container/app/versions'
    const del = await api(`${versions}/${versionIdOf(digests.d2)}`, 'ghs_admin', 'DELETE')
    expect(del.status).toBe(204)
    expect(await registryDigest(login, 'acme-org/app', digests.d2)).toBeUndefined()
    expect(stack.registry.traffic).toContainEqual({
      method: 'DELETE',
      path: `/v2/acme-org/app/manifests/${digests.d2}`,
      status: 202
    })
    expect(Object.keys(tagsByDigest((await api(versions, 'ghp_admin')).body)).sort()).toEqual(
      [digests.d1, digests.d3].sort()
    )
    // a tagged version: its tags go with it (as on ghcr.io)
    expect(
      (await api(`${versions}/${versionIdOf(digests.d1)}`, 'ghp_admin', 'DELETE')).status
    ).toBe(204)
    expect(await registryTags(login, 'acme-org/app')).toEqual(['main', 'pr-7'])

    const solo = `/orgs/acme-org/packages/container/solo/versions/${versionIdOf(digests.s1)}`
    expect(await api(solo, 'ghp_admin', 'DELETE')).toMatchObject({
      status: 400,
      body: {
        message:
          'You cannot delete the last tagged version of a package. You must delete the package instead.'
      }
    })
    expect(await registryDigest(login, 'acme-org/solo', 'latest')).toBe(digests.s1)
  })

  test('a two-platform index from the containerd engine: the index is tagged, its platform manifests untagged', async () => {
    const tx = trixieEnv()
    const docker = dockerCli(tx)
    await docker(
      ['login', login.registry, '-u', login.username, '--password-stdin'],
      `${login.password}\n`
    )
    const image = `${login.registry}/acme-org/multi:main`
    const ctx = freshContext()
    const push = await docker([
      'buildx',
      'build',
      '--provenance=false',
      '--platform',
      'linux/amd64,linux/arm64',
      '-t',
      image,
      '--push',
      ctx
    ])
    expect(push.code).toBe(0)
    const index = await registryManifest(login, 'acme-org/multi', 'main')
    const children = (index.manifests ?? []).map(m => m.digest)
    expect(children).toHaveLength(2)
    const res = await api('/orgs/acme-org/packages/container/multi/versions', 'ghp_reader')
    expect(tagsByDigest(res.body)).toEqual({
      [(await registryDigest(login, 'acme-org/multi', 'main')) ?? '']: ['main'],
      [children[0]]: [],
      [children[1]]: []
    })
  })

  test('pull requests, canned faults and the request log', async () => {
    expect((await api('/repos/acme-org/app/pulls/7')).body).toMatchObject({
      number: 7,
      state: 'closed',
      merged: true
    })
    expect((await api('/repos/Acme-Org/App/pulls/8')).body).toMatchObject({ state: 'open' })
    expect((await api('/repos/acme-org/app/pulls/9')).status).toBe(404)
    stack.api.faults.push({ status: 502, path: '/versions', count: 1 })
    const versions = '/orgs/acme-org/packages/container/app/versions'
    expect((await api(versions, 'ghp_reader')).status).toBe(502)
    expect((await api(versions, 'ghp_reader')).status).toBe(200)
    const log = stack.api.requests.filter(r => r.path === versions).slice(-2)
    expect(log.map(r => [r.method, r.status, r.knownToken])).toEqual([
      ['GET', 502, true],
      ['GET', 200, true]
    ])
    expect(stack.api.requests.some(r => r.query === 'state=active&per_page=2')).toBe(true)
    expect(JSON.stringify(stack.api.requests)).not.toMatch(/ghp_|ghs_/)
  })

  test('the same API over the GHCR-like token registry (filesystem storage)', async () => {
    const reg = await startTokenAuthRegistry({
      storage: 'filesystem',
      accounts: { pusher: { password: 'push-secret', scopes: ['read:packages', 'write:packages'] } }
    })
    const gh = await startGitHubApi({
      tokens: { ghp_admin: tokens.ghp_admin },
      owners: { 'acme-org': 'Organization' },
      packages: packagesBackendOf(reg)
    })
    try {
      const docker = dockerCli(e2eEnv())
      await docker(['login', reg.registry, '-u', 'pusher', '--password-stdin'], 'push-secret\n')
      for (const tag of ['a', 'b']) {
        const res = await docker([
          'buildx',
          'build',
          '--push',
          '-t',
          `${reg.registry}/acme-org/ghcr:${tag}`,
          freshContext()
        ])
        expect(res.code).toBe(0)
      }
      const pusher = { registry: reg.registry, username: 'pusher', password: 'push-secret' }
      const b = (await registryDigest(pusher, 'acme-org/ghcr', 'b')) ?? ''
      const path = '/orgs/acme-org/packages/container/ghcr/versions'
      const list = await fetch(`${gh.url}${path}`, {
        headers: { Authorization: 'token ghp_admin' }
      })
      expect(Object.values(tagsByDigest(await list.json())).sort()).toEqual([['a'], ['b']])
      const del = await fetch(`${gh.url}${path}/${versionIdOf(b)}`, {
        method: 'DELETE',
        headers: { Authorization: 'token ghp_admin' }
      })
      expect(del.status).toBe(204)
      expect(await registryTags(pusher, 'acme-org/ghcr')).toEqual(['a'])
    } finally {
      await gh.stop()
      await reg.stop()
    }
  })
})
