// Pushes an image from the engine's local store with our own registry client, every request
// retried on its own with a short backoff. Used when buildx's push (done by the Docker engine,
// which retries little and sleeps long) fails on a transient registry error: the image the
// build left in the local store is saved and pushed again, to every tag.
import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { registryBaseUrl } from './http.js'
import {
  answerError,
  authorize,
  repositoryPath,
  send,
  type RegistryTarget
} from './registry-auth.js'

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const BLOB_TIMEOUT_MS = 15 * 60_000

interface Blob {
  mediaType: string
  digest: string
  size: number
  data: Buffer
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** Reads the files of a tar archive (as written by `docker save`) by name. */
export function readTar(path: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  const fd = openSync(path, 'r')
  try {
    const header = Buffer.alloc(512)
    let offset = 0
    let longName: string | undefined
    while (readSync(fd, header, 0, 512, offset) === 512 && header[0] !== 0) {
      const field = (start: number, len: number): string =>
        header.toString('utf8', start, start + len).replace(/\0.*$/s, '')
      const size = parseInt(field(124, 12).trim() || '0', 8)
      const type = String.fromCharCode(header[156])
      const prefix = field(345, 155)
      const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
      const data = Buffer.alloc(size)
      for (let got = 0; got < size;) {
        const n = readSync(fd, data, got, size - got, offset + 512 + got)
        if (n === 0) throw new Error(`${path}: truncated tar archive`)
        got += n
      }
      longName = undefined
      if (type === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '')
      else if (type === '0' || type === '\0') files.set(name.replace(/^\.\//, ''), data)
      offset += 512 + Math.ceil(size / 512) * 512
    }
  } finally {
    closeSync(fd)
  }
  return files
}

/** The image in a `docker save` archive as registry blobs: config, and gzip-compressed layers. */
export function imageFromSave(tarPath: string): { config: Blob; layers: Blob[] } {
  const files = readTar(tarPath)
  const manifest = JSON.parse(String(files.get('manifest.json') ?? '[]')) as Array<{
    Config: string
    Layers: string[]
  }>
  if (manifest.length !== 1) throw new Error(`docker save wrote ${manifest.length} images, not 1`)
  const get = (name: string): Buffer => {
    const data = files.get(name)
    if (!data) throw new Error(`docker save archive lacks ${name}`)
    return data
  }
  const configData = get(manifest[0].Config)
  const layers = manifest[0].Layers.map(name => {
    const raw = get(name)
    // The classic store saves layers uncompressed; the containerd store may save them
    // compressed (gzip or zstd): those are pushed as they are.
    const zstd = raw.readUInt32BE(0) === 0x28b52ffd
    const gzip = raw[0] === 0x1f && raw[1] === 0x8b
    const data = gzip || zstd ? raw : gzipSync(raw)
    return {
      mediaType: `application/vnd.oci.image.layer.v1.tar+${zstd ? 'zstd' : 'gzip'}`,
      digest: sha256(data),
      size: data.length,
      data
    }
  })
  const config = {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: sha256(configData),
    size: configData.length,
    data: configData
  }
  return { config, layers }
}

export interface PushTarget extends Omit<RegistryTarget, 'image'> {
  images: string[] // host/repository
  tags: string[] // [] pushes the manifest by digest only
  /** Manifest annotations (key → value). */
  annotations: Record<string, string>
}

/** Pushes the saved image to every tag of every image; returns the manifest digest. */
export async function pushSavedImage(tarPath: string, target: PushTarget): Promise<string> {
  const { config, layers } = imageFromSave(tarPath)
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
      ...(Object.keys(target.annotations).length ? { annotations: target.annotations } : {})
    })
  )
  for (const image of target.images) {
    const t: RegistryTarget = { ...target, image: repositoryPath(image, target.registry) }
    const base = `${registryBaseUrl(t.registry)}/v2/${t.image}`
    const auth = await authorize(t, 'pull,push')
    const headers = (extra: Record<string, string> = {}): Record<string, string> =>
      auth.authorization ? { Authorization: auth.authorization, ...extra } : extra
    for (const blob of [config, ...layers]) {
      // A PUT whose answer was lost may have landed (then its upload session is gone): look
      // again before opening a new upload.
      for (let attempt = 0; ; attempt++) {
        const head = await send(
          'upload',
          `${base}/blobs/${blob.digest}`,
          {
            method: 'HEAD',
            headers: headers()
          },
          t
        )
        if (head.status === 200) break
        const start = await send(
          'upload',
          `${base}/blobs/uploads/`,
          {
            method: 'POST',
            headers: headers(),
            body: ''
          },
          t
        )
        if (start.status !== 202 && start.status !== 201) {
          throw answerError('upload', start, `opening an upload on ${image} failed`, t)
        }
        const location = new URL(start.headers.location ?? '', `${base}/blobs/uploads/`)
        // Credentials go to the registry's own origin only, never to an upload URL elsewhere.
        const sameOrigin = location.origin === new URL(base).origin
        const sep = location.search ? '&' : '?'
        const put = await send(
          'upload',
          `${location.toString()}${sep}digest=${encodeURIComponent(blob.digest)}`,
          {
            method: 'PUT',
            headers: sameOrigin
              ? headers({ 'Content-Type': 'application/octet-stream' })
              : { 'Content-Type': 'application/octet-stream' },
            body: blob.data,
            timeoutMs: BLOB_TIMEOUT_MS
          },
          t
        )
        if (put.status === 201) break
        if (put.status !== 404 || attempt >= t.retries) {
          throw answerError('upload', put, `uploading ${blob.digest} to ${image} failed`, t)
        }
      }
    }
    // No tags: push by digest (a distributed build job; the merge job tags the index).
    const digest = sha256(manifest)
    for (const tag of target.tags.length ? target.tags : [digest]) {
      const put = await send(
        'manifest',
        `${base}/manifests/${encodeURIComponent(tag)}`,
        { method: 'PUT', headers: headers({ 'Content-Type': OCI_MANIFEST }), body: manifest },
        t
      )
      if (put.status !== 201)
        throw answerError('manifest', put, `pushing ${image}:${tag} failed`, t)
    }
  }
  return sha256(manifest)
}
