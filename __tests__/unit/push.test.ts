// Our own push of a `docker save` archive, at the HTTP seam: blobs, the OCI manifest, every tag.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { byHost, FakeRegistry } from './fake-registry.js'
import { setHttp } from '../../src/http.js'
import { imageFromSave, pushSavedImage, readTar } from '../../src/push.js'

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** A save archive made with the real tar tool: a legacy (Docker 20) or blobs/ (Docker 25+) layout. */
function archive(layout: 'legacy' | 'oci', layer: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'push-test-'))
  const config = Buffer.from('{"os":"linux","architecture":"amd64"}')
  let files: string[]
  if (layout === 'legacy') {
    mkdirSync(join(dir, 'l1'))
    writeFileSync(join(dir, 'l1', 'layer.tar'), layer)
    writeFileSync(join(dir, 'cfg.json'), config)
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify([{ Config: 'cfg.json', Layers: ['l1/layer.tar'] }])
    )
    files = ['manifest.json', 'cfg.json', 'l1/layer.tar']
  } else {
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true })
    const c = `blobs/sha256/${sha(config).slice(7)}`
    const l = `blobs/sha256/${sha(layer).slice(7)}`
    writeFileSync(join(dir, c), config)
    writeFileSync(join(dir, l), layer)
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: c, Layers: [l] }]))
    files = ['manifest.json', c, l]
  }
  const tar = join(dir, 'image.tar')
  execFileSync('tar', ['-cf', tar, '-C', dir, ...files])
  return tar
}

test('readTar reads every file of a tar made by tar(1)', () => {
  const files = readTar(archive('legacy', Buffer.from('layer bytes')))
  expect([...files.keys()].sort()).toEqual(['cfg.json', 'l1/layer.tar', 'manifest.json'])
  expect(files.get('l1/layer.tar')?.toString()).toBe('layer bytes')
})

test('uncompressed layers are gzipped; gzipped ones are pushed as they are', () => {
  const plain = imageFromSave(archive('legacy', Buffer.from('plain layer')))
  expect(gunzipSync(plain.layers[0].data).toString()).toBe('plain layer')
  expect(plain.layers[0].digest).toBe(sha(plain.layers[0].data))
  const gz = gzipSync(Buffer.from('already compressed'))
  const oci = imageFromSave(archive('oci', gz))
  expect(oci.layers[0].data.equals(gz)).toBe(true)
  expect(oci.config.digest).toBe(sha(Buffer.from('{"os":"linux","architecture":"amd64"}')))
})

test('a lost blob PUT answer: looked up again, uploaded anew; every tag gets one manifest', async () => {
  const registry = new FakeRegistry({ auth: 'none' })
  // the first upload's session is consumed but the client sees an error
  registry.script.push({
    method: 'PUT',
    path: /\/blobs\/uploads\//,
    status: 404,
    body: '{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]}'
  })
  setHttp(registry.http)
  const digest = await pushSavedImage(archive('legacy', Buffer.from('layer')), {
    registry: '127.0.0.1:5000',
    images: ['127.0.0.1:5000/o/app'],
    tags: ['v1', 'latest'],
    annotations: { 'org.opencontainers.image.source': 'https://github.com/o/app' },
    username: 'u',
    token: 't',
    retries: 2
  })
  expect(registry.blobs.size).toBe(2)
  expect([...registry.pushed.keys()].sort()).toEqual(['o/app:latest', 'o/app:v1'])
  const body = registry.manifestBodies['o/app:v1']
  expect(sha(Buffer.from(body))).toBe(digest)
  expect(registry.manifestBodies['o/app:latest']).toBe(body)
  const m = JSON.parse(body)
  expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json')
  expect(m.annotations).toEqual({ 'org.opencontainers.image.source': 'https://github.com/o/app' })
  expect(m.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip')
  expect(registry.lines().filter(c => c.startsWith('POST')).length).toBe(3) // one upload opened twice
})

test('credentials go to the registry only, never to an upload URL on another origin', async () => {
  const registry = new FakeRegistry({
    auth: 'basic',
    user: 'u',
    password: 'secret-token',
    pushable: ['o/app'],
    uploadLocation: 'http://storage.example:9000/up?sig=a~b'
  })
  setHttp(byHost({ '127.0.0.1:5000': registry.http, 'storage.example:9000': registry.http }))
  await pushSavedImage(archive('legacy', Buffer.from('layer')), {
    registry: '127.0.0.1:5000',
    images: ['127.0.0.1:5000/o/app'],
    tags: ['v1'],
    annotations: {},
    username: 'u',
    token: 'secret-token',
    retries: 0
  })
  const uploads = registry.requests.filter(
    r => r.method === 'PUT' && r.host === 'storage.example:9000'
  )
  expect(uploads).toHaveLength(2)
  expect(uploads.every(r => r.authorization === undefined)).toBe(true)
  expect(registry.blobs.size).toBe(2)
  const manifest = registry.requests.find(r => r.path.includes('/manifests/'))
  expect(manifest?.authorization).toMatch(/^Basic /)
  expect([...registry.pushed.keys()]).toEqual(['o/app:v1'])
})
