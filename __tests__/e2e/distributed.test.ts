// Distributed builds end to end (issue 6): two build jobs, each its own runner with its own files
// and state, push one platform each by digest (no tag); a merge job turns both digests into one
// tagged multi-platform index with the source and description annotations. Trixie stack.
// The merge job is also tested on its own, from digests pushed by hand, so a failure of the build
// jobs does not hide whether the merge works.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGitHubApi, type GitHubApi } from '../servers/github-api.js'
import { buildAndPush } from './base-image.js'
import { freshContext, githubEnv, pushEvent, randomSha } from './fixtures.js'
import { runStep, trixieEnv, type StepResult } from './harness.js'
import { MANIFEST_TYPES, RegistryApi } from './registry-api.js'

const tx = trixieEnv()
const api = new RegistryApi(tx)
const REPOSITORY = 'Acme-Org/Dist-App'
const DESCRIPTION = 'Dist app, built per platform and merged'
const GH_TOKEN = `ghs_${randomBytes(18).toString('hex')}`
const PLATFORMS = ['linux/amd64', 'linux/386']
// a bound of its own for each test, well under jest's global one: a hung build fails fast
const TIMEOUT = 90_000

let gh: GitHubApi
beforeAll(async () => {
  gh = await startGitHubApi({
    tokens: { [GH_TOKEN]: {} },
    repos: { [REPOSITORY]: { description: DESCRIPTION } }
  })
})
afterAll(async () => {
  await gh?.stop()
})

/** One job of the workflow run for the tag push v1.2.3 at `sha`: its own runner files. */
function job(
  sha: string,
  image: string,
  inputs: Record<string, string>,
  cwd: string
): ReturnType<typeof runStep> {
  const ref = 'refs/tags/v1.2.3'
  return runStep({
    inputs: {
      registry: tx.E2E_REGISTRY,
      username: tx.E2E_USER,
      token: tx.E2E_PASSWORD,
      'github-token': GH_TOKEN,
      images: image,
      ...inputs
    },
    env: {
      ...githubEnv(REPOSITORY, 'push', ref, sha),
      GITHUB_API_URL: gh.url,
      DOCKER_HOST: tx.DOCKER_HOST
    },
    event: pushEvent(REPOSITORY, ref, sha),
    cwd
  })
}

function expectSuccess(r: StepResult): void {
  if (r.code !== 0) {
    throw new Error(`the step failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

async function platformOfManifest(repo: string, digest: string): Promise<string> {
  const m = await api.manifest(repo, digest)
  const res = await api.get(`${repo}/blobs/${m.config.digest}`, '*/*')
  const config = (await res.json()) as { os: string; architecture: string }
  return `${config.os}/${config.architecture}`
}

/** The merge job (no checkout, no build) and what the registry must hold afterwards. */
async function mergeAndCheck(sha: string, repo: string, digests: string[]): Promise<void> {
  const image = `${tx.E2E_REGISTRY}/${repo}`
  const { main } = await job(
    sha,
    image,
    { 'merge-digests': digests.join('\n') },
    mkdtempSync(join(tmpdir(), 'ghcr-e2e-merge-'))
  )
  expectSuccess(main)
  expect(main.stdout).not.toMatch(/\[command\].*buildx build/)
  const digest = main.outputs.digest
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  expect(digests).not.toContain(digest)
  const tags = ['1.2.3', '1.2', '1', 'latest', `sha-${sha.slice(0, 7)}`]
  expect(await api.tags(repo)).toEqual([...tags].sort())
  for (const tag of tags) expect(await api.digest(repo, tag)).toBe(digest)
  expect(main.outputs.refs).toBe(`${image}@${digest}`)
  expect(main.outputs.tags.split('\n').sort()).toEqual(tags.map(t => `${image}:${t}`).sort())

  const index = await api.manifest(repo, digest)
  expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json')
  const entries = (
    index.manifests as Array<{ digest: string; platform?: { os: string; architecture: string } }>
  )
    .map(d => `${d.platform?.os}/${d.platform?.architecture} ${d.digest}`)
    .sort()
  expect(entries).toEqual(PLATFORMS.map((p, i) => `${p} ${digests[i]}`).sort())
  expect(index.annotations?.['org.opencontainers.image.source']).toBe(
    `https://github.com/${REPOSITORY}`
  )
  expect(index.annotations?.['org.opencontainers.image.description']).toBe(DESCRIPTION)
}

// Build jobs push one platform each by digest (with the docker driver, buildx cannot: the step
// builds into the local store and pushes by digest itself); a third run merges the digests.
test(
  'two push-by-digest build jobs, then a merge job: one index with both platforms at every tag',
  async () => {
    const repo = 'acme/dist-app'
    const image = `${tx.E2E_REGISTRY}/${repo}`
    const sha = randomSha()
    const checkout = freshContext() // both build jobs check out the same commit
    const builds = await Promise.all(
      PLATFORMS.map(p => job(sha, image, { 'push-by-digest': 'true', platforms: p }, checkout))
    )
    expect(builds[0].files.dir).not.toBe(builds[1].files.dir)
    const digests: string[] = []
    for (const [i, { main }] of builds.entries()) {
      expectSuccess(main)
      expect(main.outputs.pushed).toBe('true')
      expect(main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
      // a build job tags nothing but a local-only name (the registry check below: no tag at all)
      const tagged = [...main.stdout.matchAll(/--tag (\S+)/g)].map(m => m[1])
      expect(tagged.every(t => /:local-[\w-]+$/.test(t))).toBe(true)
      // the digest is in the registry, as the image of that job's platform
      expect(await platformOfManifest(repo, main.outputs.digest)).toBe(PLATFORMS[i])
      digests.push(main.outputs.digest)
    }
    expect(new Set(digests).size).toBe(2)
    // buildx refuses push-by-digest with the docker driver: the step built into the local store
    // and pushed the image by digest with its own client
    expect(builds[0].main.stdout).toMatch(
      /pushing .*acme\/dist-app by digest from the local image store/
    )
    expect(await api.tags(repo)).toEqual([]) // no tag (the list is empty or absent)

    await mergeAndCheck(sha, repo, digests)
  },
  TIMEOUT
)

// ---------------------------------------------------------------- the merge job on its own

const basic = (): string =>
  'Basic ' + Buffer.from(`${tx.E2E_USER}:${tx.E2E_PASSWORD}`).toString('base64')

/**
 * Puts a one-platform image into `repo` by digest only (no tag), without the action: built and
 * pushed with plain docker to a staging repository (the docker driver cannot push by digest),
 * then its blobs mounted across and its manifest PUT by digest through the registry API.
 */
async function pushByDigestByHand(platform: string, repo: string): Promise<string> {
  const staging = `staging/${platform.replace('/', '-')}`
  // OCI media types, as a build job should push them: a Docker manifest list cannot carry the
  // index annotations
  await buildAndPush(
    tx,
    freshContext(),
    `${tx.E2E_REGISTRY}/${staging}:1`,
    ['--platform', platform],
    { ociMediaTypes: true }
  )
  let res = await api.get(`${staging}/manifests/1`, MANIFEST_TYPES)
  let body = Buffer.from(await res.arrayBuffer())
  let manifest = JSON.parse(body.toString('utf8'))
  if (Array.isArray(manifest.manifests)) {
    res = await api.get(`${staging}/manifests/${manifest.manifests[0].digest}`, MANIFEST_TYPES)
    body = Buffer.from(await res.arrayBuffer())
    manifest = JSON.parse(body.toString('utf8'))
  }
  const base = `http://${tx.E2E_REGISTRY}/v2/${repo}`
  for (const blob of [manifest.config, ...manifest.layers] as Array<{ digest: string }>) {
    const mount = await fetch(`${base}/blobs/uploads/?mount=${blob.digest}&from=${staging}`, {
      method: 'POST',
      headers: { Authorization: basic() }
    })
    if (mount.status !== 201) throw new Error(`mounting ${blob.digest}: HTTP ${mount.status}`)
  }
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`
  const put = await fetch(`${base}/manifests/${digest}`, {
    method: 'PUT',
    headers: { Authorization: basic(), 'Content-Type': res.headers.get('content-type') ?? '' },
    body
  })
  if (put.status !== 201) throw new Error(`PUT manifest ${digest}: HTTP ${put.status}`)
  return digest
}

test(
  'merge job from two digests pushed without tags: one index with both platforms at every tag',
  async () => {
    const repo = 'acme/dist-merge'
    const digests = await Promise.all(PLATFORMS.map(p => pushByDigestByHand(p, repo)))
    expect(await api.tags(repo)).toEqual([])
    for (const [i, d] of digests.entries()) {
      expect(await platformOfManifest(repo, d)).toBe(PLATFORMS[i])
    }
    await mergeAndCheck(randomSha(), repo, digests)
  },
  TIMEOUT
)
