import { createHash } from 'node:crypto'
import { RegistryError } from '../../src/errors.js'
import { authorize } from '../../src/registry-auth.js'
import { MANIFEST_ACCEPT, verifyTags } from '../../src/verify.js'
import { FakeRegistry, type FakeRegistryOptions } from './fake-registry.js'

const USER = 'octo'
const TOKEN = 'ghp_verifyT0ken0123456789abcdefghijkl'
const D1 = 'sha256:' + '1'.repeat(64)
const D2 = 'sha256:' + '2'.repeat(64)

let reg: FakeRegistry | undefined
let logLines: string[] = []

async function start(opts: Partial<FakeRegistryOptions>): Promise<FakeRegistry> {
  reg = await new FakeRegistry({ auth: 'bearer', user: USER, password: TOKEN, ...opts }).start()
  return reg
}

function input(r: FakeRegistry, tags: string[], over = {}) {
  return {
    registry: r.host,
    image: 'acme/app',
    username: USER,
    token: TOKEN,
    retries: 2,
    retry: { sleep: async () => {}, log: (l: string) => void logLines.push(l) },
    tags,
    digest: D1,
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

describe('verifyTags', () => {
  test('sorts tags into landed, missing and wrong (Bearer, pull scope)', async () => {
    const r = await start({ manifests: { 'acme/app': { latest: D1, '1.2.3': D1, main: D2 } } })
    const res = await verifyTags(input(r, ['latest', '1.2.3', 'main', 'sha-abc1234']))
    expect(res).toEqual({
      landed: ['latest', '1.2.3'],
      missing: ['sha-abc1234'],
      wrong: [{ tag: 'main', digest: D2 }]
    })
    expect(r.lines()[1]).toBe(
      'GET /token?service=fake-registry&scope=repository%3Aacme%2Fapp%3Apull'
    )
    const heads = r.requests.filter(q => q.method === 'HEAD')
    expect(heads.map(q => q.path)).toEqual([
      '/v2/acme/app/manifests/latest',
      '/v2/acme/app/manifests/1.2.3',
      '/v2/acme/app/manifests/main',
      '/v2/acme/app/manifests/sha-abc1234'
    ])
    for (const h of heads) {
      expect(h.accept).toBe(MANIFEST_ACCEPT)
      expect(h.authorization).toBe('Bearer tok-1')
    }
  })

  test('asks for every manifest kind buildx pushes', () => {
    for (const type of [
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json'
    ]) {
      expect(MANIFEST_ACCEPT).toContain(type)
    }
  })

  test('works with Basic auth', async () => {
    const r = await start({ auth: 'basic', manifests: { 'acme/app': { v1: D1 } } })
    const res = await verifyTags(input(r, ['v1', 'v2']))
    expect(res).toEqual({ landed: ['v1'], missing: ['v2'], wrong: [] })
    expect(r.requests.filter(q => q.method === 'HEAD')[0].authorization).toMatch(/^Basic /)
  })

  test('retries a transient 500 on a tag', async () => {
    const r = await start({ manifests: { 'acme/app': { v1: D1 } } })
    r.script = [{ method: 'HEAD', path: /manifests\/v1$/, status: 500 }]
    const res = await verifyTags(input(r, ['v1']))
    expect(res.landed).toEqual(['v1'])
    expect(logLines).toHaveLength(1)
    expect(logLines[0]).toContain('(attempt 2 of 3)')
  })

  test('hashes the manifest when HEAD gives no Docker-Content-Digest', async () => {
    const body = '{"schemaVersion":2,"manifests":[]}'
    const digest = 'sha256:' + createHash('sha256').update(body).digest('hex')
    const r = await start({ digestOnHead: false, manifests: { 'acme/app': { v1: digest } } })
    r.manifestBodies['acme/app:v1'] = body
    const res = await verifyTags(input(r, ['v1'], { digest }))
    expect(res.landed).toEqual(['v1'])
    expect(r.lines()).toContain('GET /v2/acme/app/manifests/v1')
  })

  test('a refusal to read throws RegistryError with the registry text, not a false "missing"', async () => {
    const r = await start({ manifests: { 'other/app': { v1: D1 } } })
    r.script = [
      {
        method: 'HEAD',
        path: /manifests/,
        status: 403,
        headers: { 'Content-Type': 'application/json' },
        body: '{"errors":[{"code":"DENIED","message":"denied"}]}'
      }
    ]
    const err = await verifyTags(input(r, ['v1'])).catch(e => e)
    expect(err).toBeInstanceOf(RegistryError)
    expect(err).toMatchObject({ step: 'manifest', status: 403 })
    expect(err.message).not.toContain(TOKEN)
  })

  test('bad credentials fail at the token service', async () => {
    const r = await start({ manifests: { 'acme/app': { v1: D1 } } })
    const err = await verifyTags(input(r, ['v1'], { token: 'wrong' })).catch(e => e)
    expect(err).toMatchObject({ step: 'token', status: 403, registryText: 'DENIED: denied' })
  })
})

describe('verifyTags with an authorization asked during the build', () => {
  const target = (r: FakeRegistry) => ({ ...input(r, []), image: 'acme/app' })

  test('a working one is used as it is: the verify makes only its HEADs', async () => {
    const r = await start({ manifests: { 'acme/app': { v1: D1, v2: D1 } } })
    const early = authorize(target(r), 'pull')
    await early
    const before = r.requests.length
    const res = await verifyTags(input(r, ['v1', 'v2']), early)
    expect(res).toEqual({ landed: ['v1', 'v2'], missing: [], wrong: [] })
    expect(r.lines().slice(before)).toEqual([
      'HEAD /v2/acme/app/manifests/v1',
      'HEAD /v2/acme/app/manifests/v2'
    ])
  })

  test('a refused one (a token that does not see the image) is asked again, fresh', async () => {
    const r = await start({ manifests: { 'acme/app': { v1: D1 } } })
    const stale = Promise.resolve({ via: 'bearer' as const, authorization: 'Bearer not-a-token' })
    const res = await verifyTags(input(r, ['v1']), stale)
    expect(res).toEqual({ landed: ['v1'], missing: [], wrong: [] })
    expect(r.lines()).toContain(
      'GET /token?service=fake-registry&scope=repository%3Aacme%2Fapp%3Apull'
    )
  })

  test('a tag missing with it is looked up again with a fresh one before it counts as missing', async () => {
    const r = await start({ manifests: { 'acme/app': { v1: D1 } } })
    const early = authorize(target(r), 'pull')
    await early
    const before = r.requests.length
    const res = await verifyTags(input(r, ['v1', 'gone']), early)
    expect(res).toEqual({ landed: ['v1'], missing: ['gone'], wrong: [] })
    const after = r.lines().slice(before)
    expect(after.filter(l => l === 'HEAD /v2/acme/app/manifests/gone')).toHaveLength(2)
    expect(after.some(l => l.startsWith('GET /token?'))).toBe(true)
  })
})
