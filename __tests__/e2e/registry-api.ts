// Checks through the registry's HTTP API (Distribution v2), independent of the action's code.
import type { E2EEnv } from './harness.js'

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

export class RegistryApi {
  constructor(private readonly env: E2EEnv) {}

  private get auth(): string {
    return (
      'Basic ' + Buffer.from(`${this.env.E2E_USER}:${this.env.E2E_PASSWORD}`).toString('base64')
    )
  }

  private url(path: string): string {
    return `http://${this.env.E2E_REGISTRY}/v2/${path}`
  }

  async get(path: string, accept = MANIFEST_TYPES): Promise<Response> {
    return fetch(this.url(path), { headers: { Authorization: this.auth, Accept: accept } })
  }

  /** Tags of a repository, sorted; [] when the repository does not exist. */
  async tags(repo: string): Promise<string[]> {
    const res = await this.get(`${repo}/tags/list`, 'application/json')
    if (res.status === 404) return []
    if (!res.ok) throw new Error(`tags/list ${repo}: HTTP ${res.status}`)
    const body = (await res.json()) as { tags: string[] | null }
    return [...(body.tags ?? [])].sort()
  }

  /** Docker-Content-Digest of a tag's manifest (HEAD), or undefined if absent. */
  async digest(repo: string, tag: string): Promise<string | undefined> {
    const res = await fetch(this.url(`${repo}/manifests/${tag}`), {
      method: 'HEAD',
      headers: { Authorization: this.auth, Accept: MANIFEST_TYPES }
    })
    return res.ok ? (res.headers.get('docker-content-digest') ?? undefined) : undefined
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async manifest(repo: string, ref: string): Promise<any> {
    const res = await this.get(`${repo}/manifests/${ref}`)
    if (!res.ok) throw new Error(`manifest ${repo}:${ref}: HTTP ${res.status}`)
    return res.json()
  }

  /** The image config's labels (the linux/amd64 image when the ref is an index). */
  async labels(repo: string, ref: string): Promise<Record<string, string>> {
    let m = await this.manifest(repo, ref)
    if (Array.isArray(m.manifests)) {
      const amd64 = m.manifests.find(
        (d: { platform?: { architecture?: string } }) => d.platform?.architecture === 'amd64'
      )
      m = await this.manifest(repo, amd64.digest)
    }
    const res = await this.get(`${repo}/blobs/${m.config.digest}`, '*/*')
    const config = (await res.json()) as { config?: { Labels?: Record<string, string> } }
    return config.config?.Labels ?? {}
  }

  async catalog(): Promise<string[]> {
    const res = await this.get('_catalog', 'application/json')
    const body = (await res.json()) as { repositories: string[] | null }
    return body.repositories ?? []
  }
}
