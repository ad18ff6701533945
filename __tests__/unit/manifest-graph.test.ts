// The manifest graph as the clean-up reads it from a registry (the fake registry, real fetch):
// what an index and a referrer name, and what becomes of a manifest that cannot be read.
import { RegistryError } from '../../src/errors.js'
import { manifestRefs, readGraph } from '../../src/manifest-graph.js'
import { FakeRegistry } from './fake-registry.js'

const d = (c: string): string => `sha256:${c.repeat(64)}`
const INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    { digest: d('a'), platform: { os: 'linux', architecture: 'amd64' } },
    { digest: d('b'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    {
      digest: d('c'),
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': d('a')
      }
    },
    { digest: d('e') }
  ]
})

describe('manifestRefs', () => {
  test('an index: platform manifests, attestation manifests (buildx marks them), other entries', () => {
    expect(manifestRefs(INDEX)).toEqual({
      children: [
        { digest: d('a'), kind: 'platform', platform: 'linux/amd64' },
        { digest: d('b'), kind: 'platform', platform: 'linux/arm64/v8' },
        { digest: d('c'), kind: 'attestation' },
        { digest: d('e'), kind: 'manifest' }
      ]
    })
  })

  test('an image manifest refers to nothing; a referrer names its subject', () => {
    const image = { schemaVersion: 2, config: { digest: d('f') }, layers: [{ digest: d('9') }] }
    expect(manifestRefs(JSON.stringify(image))).toEqual({ children: [] })
    expect(manifestRefs(JSON.stringify({ ...image, subject: { digest: d('a') } }))).toEqual({
      children: [],
      subject: d('a')
    })
  })

  test('what it cannot read it says so (undefined), rather than guess', () => {
    expect(manifestRefs('not json')).toBeUndefined()
    expect(manifestRefs('null')).toBeUndefined()
    expect(manifestRefs(JSON.stringify({ manifests: [{ digest: 'latest' }] }))).toBeUndefined()
    expect(manifestRefs(JSON.stringify({ subject: { digest: 42 } }))).toBeUndefined()
  })

  test('a platform string from the registry cannot carry markup or commands into the log', () => {
    const evil = JSON.stringify({
      manifests: [{ digest: d('a'), platform: { os: 'linux', architecture: '::error::x<b>' } }]
    })
    expect(manifestRefs(evil)?.children[0].platform).toBe('linux/??error??x?b?')
  })
})

describe('readGraph', () => {
  let reg: FakeRegistry
  afterEach(async () => reg?.stop())

  test('reads each digest once with a pull token; 404 is missing, other failures unreadable', async () => {
    reg = await new FakeRegistry({
      auth: 'bearer',
      user: 'octo',
      password: 'pw',
      manifests: { 'acme/app': { [d('1')]: d('1'), [d('2')]: d('2'), [d('3')]: d('3') } }
    }).start()
    reg.manifestBodies[`acme/app:${d('1')}`] = INDEX
    reg.manifestBodies[`acme/app:${d('2')}`] = JSON.stringify({ config: { digest: d('f') } })
    reg.script.push({ method: 'GET', path: new RegExp(d('3')), status: 500, times: 3 })
    const target = {
      registry: reg.host,
      image: `${reg.host}/acme/app`,
      username: 'octo',
      token: 'pw',
      retries: 2,
      retry: { sleep: async () => {}, log: () => {} }
    }
    const { graph, problem } = await readGraph(target, [d('1'), d('2'), d('3'), d('4'), d('1')])
    expect(Object.fromEntries(graph)).toEqual({
      [d('1')]: manifestRefs(INDEX),
      [d('2')]: { children: [] },
      [d('3')]: 'unreadable',
      [d('4')]: 'missing'
    })
    expect(problem).toBe(`GET http://${reg.host}/v2/acme/app/manifests/${d('3')}: HTTP 500`)
    const gets = reg.requests.filter(r => r.method === 'GET' && r.path.includes('/manifests/'))
    expect(gets.map(r => r.path.slice(-64)).sort()).toEqual(
      [d('1'), d('2'), d('3'), d('3'), d('3'), d('4')].map(x => x.slice(-64)) // 500s retried
    )
    expect(gets.every(r => r.authorization === 'Bearer tok-1')).toBe(true)
    expect(reg.lines()[1]).toBe(
      'GET /token?service=fake-registry&scope=repository%3Aacme%2Fapp%3Apull'
    )
  })

  test('credentials the registry refuses: nothing can be read, a RegistryError', async () => {
    reg = await new FakeRegistry({ auth: 'bearer', user: 'octo', password: 'pw' }).start()
    const target = {
      registry: reg.host,
      image: 'acme/app',
      username: 'octo',
      token: 'bad',
      retries: 0
    }
    await expect(readGraph(target, [d('1')])).rejects.toBeInstanceOf(RegistryError)
  })
})
