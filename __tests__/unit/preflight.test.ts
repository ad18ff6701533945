import { setHttp, type Http } from '../../src/http.js'
import { RegistryError } from '../../src/errors.js'
import { preflight } from '../../src/preflight.js'
import { parseChallenges, registryErrorText } from '../../src/registry-auth.js'
import { FakeRegistry, type FakeRegistryOptions } from './fake-registry.js'

const USER = 'octo'
const TOKEN = 'ghp_s3cretT0kenValue0123456789abcdef'

let reg: FakeRegistry | undefined
let logLines: string[] = []

async function start(opts: Partial<FakeRegistryOptions>): Promise<FakeRegistry> {
  reg = await new FakeRegistry({ auth: 'bearer', user: USER, password: TOKEN, ...opts }).start()
  return reg
}

function target(
  r: FakeRegistry,
  over: Partial<{ image: string; token: string; retries: number }> = {}
) {
  return {
    registry: r.host,
    image: 'acme/app',
    username: USER,
    token: TOKEN,
    retries: 2,
    retry: { sleep: async () => {}, log: (l: string) => void logLines.push(l) },
    ...over
  }
}

beforeEach(() => {
  logLines = []
})

afterEach(async () => {
  await reg?.stop()
  reg = undefined
})

/** The token (or its Basic form) never appears in logs or errors. */
function expectNoSecret(...texts: string[]): void {
  const b64 = Buffer.from(`${USER}:${TOKEN}`).toString('base64')
  for (const t of [...texts, ...logLines]) {
    expect(t).not.toContain(TOKEN)
    expect(t).not.toContain(b64)
  }
}

describe('preflight against a Bearer (token service) registry', () => {
  test('gets a pull,push token, opens an upload and cancels it', async () => {
    const r = await start({ pushable: ['acme/app'] })
    await expect(preflight(target(r))).resolves.toEqual({ ok: true, via: 'bearer' })
    expect(r.lines()).toEqual([
      'GET /v2/',
      'GET /token?service=fake-registry&scope=repository%3Aacme%2Fapp%3Apull%2Cpush',
      'POST /v2/acme/app/blobs/uploads/',
      'DELETE /v2/acme/app/blobs/uploads/upload-1'
    ])
    // the ping is anonymous (GHCR answers a credentialed first request without a challenge)
    expect(r.requests[0].authorization).toBeUndefined()
    expect(r.requests[1].authorization).toBe(
      'Basic ' + Buffer.from(`${USER}:${TOKEN}`).toString('base64')
    )
    expect(r.requests[2].authorization).toBe('Bearer tok-1')
    expect(r.requests[3].authorization).toBe('Bearer tok-1')
  })

  test('reads access_token when the service answers OAuth style', async () => {
    const r = await start({ pushable: ['acme/app'], tokenField: 'access_token' })
    await expect(preflight(target(r))).resolves.toEqual({ ok: true, via: 'bearer' })
  })

  test('accepts an image given with its host', async () => {
    const r = await start({ pushable: ['acme/app'] })
    await expect(preflight(target(r, { image: `${r.host}/acme/app` }))).resolves.toMatchObject({
      ok: true
    })
  })

  test('a pull-only grant: the 403 of the upload is the answer, with the registry text', async () => {
    const r = await start({
      pushable: [],
      denyMessage: 'installation not allowed to Write organization package'
    })
    const err = await preflight(target(r)).catch(e => e)
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.step).toBe('upload')
    expect(err.status).toBe(403)
    expect(err.registryText).toBe('DENIED: installation not allowed to Write organization package')
    expect(err.message).toContain(`octo may not push to ${r.host}/acme/app`)
    expect(r.lines()).not.toContain('DELETE /v2/acme/app/blobs/uploads/upload-1')
    expectNoSecret(err.message, err.registryText)
  })

  test('a wrong token is refused by the token service (phase token), without retrying', async () => {
    const r = await start({ pushable: ['acme/app'] })
    const err = await preflight(target(r, { token: 'ghp_wrong0000000000' })).catch(e => e)
    expect(err).toBeInstanceOf(RegistryError)
    expect(err).toMatchObject({ step: 'token', status: 403, registryText: 'DENIED: denied' })
    expect(r.lines().filter(l => l.startsWith('GET /token'))).toHaveLength(1)
    expect(logLines).toEqual([])
  })

  test('transient 503s are retried, each logged, then it succeeds', async () => {
    const r = await start({ pushable: ['acme/app'] })
    r.script = [{ method: 'POST', path: /blobs\/uploads/, status: 503, times: 2 }]
    await expect(preflight(target(r))).resolves.toEqual({ ok: true, via: 'bearer' })
    expect(logLines).toHaveLength(2)
    expect(logLines[0]).toMatch(
      /^retrying POST http:\/\/.*\/blobs\/uploads\/ in \d+\.\d s \(attempt 2 of 3\): .*HTTP 503/
    )
    expectNoSecret()
  })

  test('a 503 that outlasts the retries fails with that status', async () => {
    const r = await start({ pushable: ['acme/app'] })
    r.script = [{ path: /^\/token$/, status: 503, times: 10 }]
    const err = await preflight(target(r, { retries: 1 })).catch(e => e)
    expect(err).toBeInstanceOf(RegistryError)
    expect(err).toMatchObject({ step: 'token', status: 503 })
    expect(r.lines().filter(l => l.startsWith('GET /token'))).toHaveLength(2)
  })

  test('a connection reset is retried', async () => {
    const r = await start({ pushable: ['acme/app'] })
    r.script = [{ path: /^\/v2\/$/, status: 0, reset: true }]
    await expect(preflight(target(r))).resolves.toMatchObject({ ok: true })
    expect(logLines).toHaveLength(1)
  })

  test('an error body that echoes the token is redacted', async () => {
    const r = await start({ pushable: ['acme/app'] })
    r.script = [
      {
        method: 'POST',
        path: /blobs\/uploads/,
        status: 403,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          errors: [{ code: 'DENIED', message: `token ${TOKEN} may not push` }]
        })
      }
    ]
    const err = await preflight(target(r)).catch(e => e)
    expect(err.registryText).toBe('DENIED: token *** may not push')
    expectNoSecret(err.message, err.registryText)
  })

  test('a GHCR-like 405 on the cancel does not matter', async () => {
    const r = await start({ pushable: ['acme/app'], cancelStatus: 405, absoluteLocation: true })
    await expect(preflight(target(r))).resolves.toEqual({ ok: true, via: 'bearer' })
    expect(r.lines().at(-1)).toBe('DELETE /v2/acme/app/blobs/uploads/upload-1')
  })
})

describe('preflight against a Basic (htpasswd) registry', () => {
  test('uses Basic for the upload', async () => {
    const r = await start({ auth: 'basic', pushable: ['acme/app'] })
    await expect(preflight(target(r))).resolves.toEqual({ ok: true, via: 'basic' })
    expect(r.lines()).toEqual([
      'GET /v2/',
      'POST /v2/acme/app/blobs/uploads/',
      'DELETE /v2/acme/app/blobs/uploads/upload-1'
    ])
  })

  test('a wrong password fails the upload with 401', async () => {
    const r = await start({ auth: 'basic', pushable: ['acme/app'] })
    const err = await preflight(target(r, { token: 'nope-nope' })).catch(e => e)
    expect(err).toMatchObject({ step: 'upload', status: 401 })
    expect(err.registryText).toBe('UNAUTHORIZED: authentication required')
  })
})

describe('preflight against an open registry', () => {
  test('needs no credentials', async () => {
    const r = await start({ auth: 'none' })
    await expect(preflight(target(r))).resolves.toEqual({ ok: true, via: 'anonymous' })
  })
})

describe('preflight when the registry cannot be reached', () => {
  test('a refused connection is retried, then fails with status 0', async () => {
    const r = await start({ auth: 'none' })
    const host = r.host
    await r.stop()
    reg = undefined
    const err = await preflight({ ...target(r), registry: host, retries: 1 }).catch(e => e)
    expect(err).toBeInstanceOf(RegistryError)
    expect(err).toMatchObject({ step: 'ping', status: 0, registryText: 'ECONNREFUSED' })
    expect(logLines).toHaveLength(1)
  })

  test('a host that is not a registry (404 on /v2/) fails at ping', async () => {
    const restore = setHttp((async () => ({
      status: 404,
      headers: {},
      body: '<html>Not Found</html>'
    })) as Http)
    try {
      const err = await preflight({
        registry: 'example.com',
        image: 'a/b',
        username: 'u',
        token: 'token-1',
        retries: 0
      }).catch(e => e)
      expect(err).toMatchObject({ step: 'ping', status: 404, registryText: 'Not Found' })
    } finally {
      setHttp(restore)
    }
  })

  test('the https URL is used for a non-loopback registry', async () => {
    const urls: string[] = []
    const restore = setHttp((async url => {
      urls.push(url)
      return { status: 200, headers: {}, body: '{}' }
    }) as Http)
    try {
      await preflight({
        registry: 'ghcr.io',
        image: 'o/a',
        username: 'u',
        token: 't',
        retries: 0
      }).catch(() => {})
    } finally {
      setHttp(restore)
    }
    expect(urls[0]).toBe('https://ghcr.io/v2/')
  })
})

describe('parseChallenges', () => {
  test('GHCR style Bearer challenge', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/a:pull"'
      )
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:o/a:pull' }
      }
    ])
  })

  test('several challenges in one header, bare and escaped values', () => {
    expect(
      parseChallenges('Basic realm="a \\"b\\"", Bearer realm=https://t/token, service=s')
    ).toEqual([
      { scheme: 'basic', params: { realm: 'a "b"' } },
      { scheme: 'bearer', params: { realm: 'https://t/token', service: 's' } }
    ])
  })

  test('empty header', () => {
    expect(parseChallenges('')).toEqual([])
  })
})

describe('registryErrorText', () => {
  test.each([
    [
      '{"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}',
      'DENIED: permission_denied: write_package'
    ],
    ['{"errors":[{"code":"A","message":"x"},{"code":"B","message":"y"}]}', 'A: x; B: y'],
    ['{"details":"incorrect username or password"}', 'incorrect username or password'],
    [
      '<html><body><h1>403 Forbidden</h1>\nRequest forbidden</body></html>',
      '403 Forbidden Request forbidden'
    ],
    ['', 'HTTP 403']
  ])('%s', (body, text) => {
    expect(registryErrorText({ status: 403, headers: {}, body })).toBe(text)
  })
})
