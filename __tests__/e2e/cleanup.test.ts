// Clean-up of old versions end to end (issue 14), against the GHCR-like token registry with
// filesystem storage and the GitHub API stand-in whose packages endpoints are that registry
// (versions = its manifests, DELETE through its API). The package acme-org/app gets: `main`
// pushed three times (two untagged versions left), a two-platform index with attestations from
// the containerd engine (`v1`, provenance mode=max), a signature tag of it and of an old main,
// an untagged OCI referrer of it, and `pr-1` (also two-platform, with attestations), `pr-2`,
// `pr-3`. Then the policies run, and the registry itself says what is left: every remaining
// tag resolves, every manifest and blob it refers to is there, exactly the expected versions
// are gone. Runs without the permission to delete fail nothing and say why.
import { createHash, randomBytes } from 'node:crypto'
import { startGitHubApi, type GitHubApi } from '../servers/github-api.js'
import { listVersions } from '../servers/package-versions.js'
import { startTokenAuthRegistry, type TokenAuthRegistry } from '../servers/token-auth-registry.js'
import { freshContext, githubEnv, pullRequestEvent, pushEvent, randomSha } from './fixtures.js'
import { e2eEnv, runStep, trixieEnv, type E2EEnv, type StepResult } from './harness.js'
import { packagesBackendOf } from './packages.js'
import { registryFetch, registryManifest, registryTags, type RegistryLogin } from './registries.js'

const REPOSITORY = 'acme-org/app'
const secret = (prefix: string): string => `${prefix}${randomBytes(18).toString('hex')}`
const ADMIN = secret('ghp_') // classic PAT: read, write and delete:packages
const READER = secret('ghp_') // classic PAT without delete:packages
const JOB = secret('ghs_') // the job token: write role on the package, not admin
const OLD = '2020-01-01T00:00:00Z'
const POLICY = {
  'cleanup-untagged-older-than': '7d',
  'cleanup-tags': 'sha256-*',
  'cleanup-tags-older-than': '30d',
  'cleanup-closed-prs': 'true'
}
const TIMEOUT = 600_000

let reg: TokenAuthRegistry
let gh: GitHubApi
let login: RegistryLogin
const bw: E2EEnv = e2eEnv()
const tx: E2EEnv = trixieEnv()

beforeAll(async () => {
  reg = await startTokenAuthRegistry({
    storage: 'filesystem',
    accounts: {
      'octo-dev': {
        password: ADMIN,
        scopes: ['read:packages', 'write:packages', 'delete:packages']
      },
      reader: { password: READER, scopes: ['read:packages', 'write:packages'] },
      'ci-bot': { password: JOB, scopes: ['read:packages', 'write:packages'] }
    }
  })
  gh = await startGitHubApi({
    tokens: {
      [ADMIN]: {
        scopes: ['read:packages', 'write:packages', 'delete:packages'],
        login: 'octo-dev'
      },
      [READER]: { scopes: ['read:packages', 'write:packages'], login: 'reader' },
      [JOB]: {}
    },
    owners: { 'acme-org': 'Organization' },
    repos: { [REPOSITORY]: { description: 'The app' } },
    pulls: {
      [REPOSITORY]: {
        1: { state: 'closed', merged: true },
        2: { state: 'closed' },
        3: { state: 'open' }
      }
    },
    packages: packagesBackendOf(reg)
  })
  login = { registry: reg.registry, username: 'octo-dev', password: ADMIN }
})
afterAll(async () => {
  await gh?.stop()
  await reg?.stop()
})

interface Run {
  engine?: E2EEnv
  inputs?: Record<string, string>
  user?: string
  token?: string
  /** A pull_request run for this number, else a push to main. */
  pr?: number
  repo?: string
}

async function step(o: Run): Promise<StepResult> {
  const sha = randomSha()
  const ref = o.pr ? `refs/pull/${o.pr}/merge` : 'refs/heads/main'
  const token = o.token ?? ADMIN
  const { main } = await runStep({
    inputs: {
      registry: reg.registry,
      images: `${reg.registry}/${o.repo ?? REPOSITORY}`,
      username: o.user ?? 'octo-dev',
      token,
      'github-token': token,
      ...o.inputs
    },
    env: {
      ...githubEnv(REPOSITORY, o.pr ? 'pull_request' : 'push', ref, sha),
      GITHUB_API_URL: gh.url,
      DOCKER_HOST: (o.engine ?? bw).DOCKER_HOST
    },
    event: o.pr
      ? pullRequestEvent(REPOSITORY, o.pr, REPOSITORY, sha)
      : pushEvent(REPOSITORY, ref, sha),
    cwd: freshContext()
  })
  if (main.code !== 0)
    throw new Error(`the step failed (exit ${main.code}):\n${main.stdout}\n${main.stderr}`)
  return main
}

const pushed = async (o: Run): Promise<string> => {
  const r = await step(o)
  expect(r.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  return r.outputs.digest
}
// FROM scratch + COPY: nothing runs for arm64, so no emulator is needed (none can be pulled here)
const TWO_PLATFORMS = {
  platforms: 'linux/amd64,linux/arm64',
  provenance: 'mode=max',
  qemu: 'false'
}
const sigTag = (digest: string, kind = 'sig'): string => `sha256-${digest.slice(7)}.${kind}`
const versionsNow = async (repo = REPOSITORY): Promise<string[]> =>
  ((await listVersions(packagesBackendOf(reg), repo)) ?? []).map(v => v.digest).sort()
async function makeOld(repo = REPOSITORY): Promise<void> {
  for (const d of await versionsNow(repo)) gh.versionDates[d] = { created_at: OLD }
}

/** An untagged OCI referrer (an SBOM-like artifact) whose subject is `subject`, PUT by digest. */
async function pushReferrer(subject: string, subjectType: string): Promise<string> {
  const token = reg.issueToken('e2e-setup', [
    { type: 'repository', name: REPOSITORY, actions: ['pull', 'push'] }
  ])
  const base = `${reg.url}/v2/${REPOSITORY}`
  const blob = async (data: string): Promise<{ digest: string; size: number }> => {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`
    const start = await fetch(`${base}/blobs/uploads/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` }
    })
    const location = new URL(start.headers.get('location') ?? '', reg.url)
    location.searchParams.set('digest', digest)
    const put = await fetch(location, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
      body: data
    })
    expect(put.status).toBe(201)
    return { digest, size: Buffer.byteLength(data) }
  }
  const config = await blob('{}')
  const layer = await blob(`{"sbom":"${randomBytes(4).toString('hex')}"}`)
  const subjectBody = await (
    await registryFetch(login, `${REPOSITORY}/manifests/${subject}`)
  ).text()
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    subject: { mediaType: subjectType, digest: subject, size: Buffer.byteLength(subjectBody) }
  })
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`
  const put = await fetch(`${base}/manifests/${digest}`, {
    method: 'PUT',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/vnd.oci.image.manifest.v1+json'
    },
    body: manifest
  })
  expect(put.status).toBe(201)
  return digest
}

/** Every manifest a ref reaches (itself, index entries, recursively), with its blobs. */
async function reach(ref: string, seen = new Set<string>()): Promise<Set<string>> {
  const res = await registryFetch(login, `${REPOSITORY}/manifests/${ref}`)
  if (!res.ok) throw new Error(`${ref}: HTTP ${res.status}`)
  const digest = res.headers.get('docker-content-digest') ?? ''
  if (seen.has(digest)) return seen
  seen.add(digest)
  const m = (await res.json()) as {
    manifests?: { digest: string }[]
    config?: { digest: string }
    layers?: { digest: string }[]
  }
  for (const b of [m.config, ...(m.layers ?? [])].filter(x => x !== undefined)) {
    const head = await registryFetch(login, `${REPOSITORY}/blobs/${b.digest}`, { method: 'HEAD' })
    if (head.status !== 200) throw new Error(`blob ${b.digest} of ${digest}: HTTP ${head.status}`)
  }
  for (const e of m.manifests ?? []) await reach(e.digest, seen)
  return seen
}

const d: Record<string, string> = {}
const children: Record<string, string[]> = {}

test(
  'the package is built up: main three times, two-platform indexes with attestations, signatures, a referrer, pr-1..3',
  async () => {
    for (const n of [1, 2, 3]) d[`main${n}`] = await pushed({ inputs: { tags: 'main' } })
    d.v1 = await pushed({ engine: tx, inputs: { tags: 'v1', ...TWO_PLATFORMS } })
    d.pr1 = await pushed({ engine: tx, pr: 1, inputs: TWO_PLATFORMS })
    d.pr2 = await pushed({ pr: 2 })
    d.pr3 = await pushed({ pr: 3 })
    d.sigV1 = await pushed({ inputs: { tags: sigTag(d.v1) } })
    d.sigMain1 = await pushed({ inputs: { tags: sigTag(d.main1) } })
    d.sbomV1 = await pushReferrer(d.v1, 'application/vnd.oci.image.index.v1+json')
    for (const k of ['v1', 'pr1']) {
      const index = await registryManifest(login, REPOSITORY, d[k])
      children[k] = (index.manifests ?? []).map(m => m.digest)
      const kinds = (index.manifests ?? []).map(m =>
        m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
          ? 'attestation'
          : m.platform?.architecture
      )
      expect(kinds.sort()).toEqual(['amd64', 'arm64', 'attestation', 'attestation'])
    }
    expect(await registryTags(login, REPOSITORY)).toEqual(
      ['main', 'pr-1', 'pr-2', 'pr-3', sigTag(d.main1), sigTag(d.v1), 'v1'].sort()
    )
    // what the API lists: every manifest, the untagged ones included
    expect(await versionsNow()).toEqual(
      [...Object.values(d), ...children.v1, ...children.pr1].sort()
    )
    await makeOld()
  },
  TIMEOUT
)

/** Gone after the policies, and why: untagged old mains, the closed PR's index with its entries, the old pr-2 image, the signature of a deleted digest. */
const expectedGone = (): string[] =>
  [d.main1, d.main2, d.pr1, ...children.pr1, d.pr2, d.sigMain1].sort()

test(
  'cleanup-dry-run alone lists exactly what would go and why the rest stays; nothing is deleted',
  async () => {
    const before = await versionsNow()
    const r = await step({
      inputs: { 'cleanup-mode': 'only', 'cleanup-dry-run': 'true', ...POLICY }
    })
    expect(await versionsNow()).toEqual(before)
    expect(r.stdout).not.toMatch(/\[command\]/) // no docker: nothing built
    const would = [...r.stdout.matchAll(/^would delete (sha256:\w+) /gm)].map(m => m[1]).sort()
    // pr-2's image is still tagged here: without the final push it is a closed PR's version
    expect(would).toEqual(expectedGone())
    const kept = (digest: string): string =>
      new RegExp(`^keep ${digest} \\(([^)]*)\\): (.*)$`, 'm').exec(r.stdout)?.[2] ?? 'not kept'
    expect(kept(d.main3)).toBe('tag main is matched by no policy')
    expect(kept(d.pr3)).toBe('pr-3: pull request #3 is open')
    for (const c of children.v1)
      expect(kept(c)).toMatch(/^(platform|attestation) manifest.* of kept sha256:\w{12} \(v1\)$/)
    expect(kept(d.sigV1)).toMatch(/^tag sha256-\w{64}\.sig refers to kept sha256:\w{12} \(v1\)$/)
    expect(kept(d.sbomV1)).toMatch(/^referrer \(subject\) of kept sha256:\w{12} \(v1\)$/)
    expect(r.summary).toContain(`**would delete ${expectedGone().length} versions**`)
    expect(r.outputs.deleted).toBe('')
  },
  TIMEOUT
)

test(
  'without the permission to delete, the policies fail nothing and say why, once',
  async () => {
    const before = await versionsNow()
    // the job token alone: its repository has the write role on the package, not admin
    const job = await step({
      user: 'ci-bot',
      token: JOB,
      inputs: { 'cleanup-mode': 'only', ...POLICY }
    })
    const warnings = job.stdout.split('\n').filter(l => l.startsWith('::warning::'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /GitHub refused to delete versions of app .*Resource not accessible by integration/
    )
    expect(warnings[0]).toMatch(/Admin role on the package/)
    expect(gh.requests.filter(q => q.method === 'DELETE' && q.status === 403)).toHaveLength(1)
    expect(await versionsNow()).toEqual(before)

    // after a push, with a classic PAT lacking delete:packages: the push stays green
    const other = 'acme-org/other'
    await pushed({ repo: other, user: 'reader', token: READER, inputs: { tags: 'main' } })
    await makeOld(other)
    const r = await step({
      repo: other,
      user: 'reader',
      token: READER,
      inputs: { tags: 'main', 'cleanup-mode': 'after-push', ...POLICY }
    })
    expect(r.outputs.pushed).toBe('true')
    expect(r.stdout).toMatch(
      /::warning::cleanup: GitHub refused to delete versions of other .*delete:packages/
    )
    expect(r.stdout).toMatch(/fix: add the delete:packages and read:packages scopes to the token/)
    expect(await versionsNow(other)).toHaveLength(2)
  },
  TIMEOUT
)

test(
  'after a verified push: exactly the expected versions go; every remaining tag still resolves to a whole image',
  async () => {
    const before = await versionsNow()
    // a 502 on the listing and a 429 on a deletion: both retried
    gh.faults.push({ status: 502, method: 'GET', path: '/versions', count: 1 })
    gh.faults.push({
      status: 429,
      method: 'DELETE',
      path: '/versions/',
      count: 1,
      headers: { 'retry-after': '1' }
    })
    // a run for pull request #2, closed meanwhile: its new push is kept though pr-2 is a closed PR's tag
    const r = await step({ pr: 2, inputs: { 'cleanup-mode': 'after-push', ...POLICY } })
    const newPr2 = r.outputs.digest
    expect(r.stdout).toMatch(
      /retrying GET http:\/\/127\.0\.0\.1:\d+\/orgs\/acme-org\/packages\/container\/app\/versions/
    )
    expect(r.stdout).toMatch(/retrying DELETE /)
    expect(r.stdout).toContain(`keep ${newPr2} (pr-2): pushed by this run`)
    expect(r.stdout).not.toMatch(/::warning::/)

    const gone = expectedGone()
    expect(
      r.outputs.deleted
        .split('\n')
        .map(l => l.slice(l.indexOf('@') + 1))
        .sort()
    ).toEqual(gone)
    expect(await versionsNow()).toEqual([...before.filter(x => !gone.includes(x)), newPr2].sort())
    for (const g of gone) {
      const head = await registryFetch(login, `${REPOSITORY}/manifests/${g}`, { method: 'HEAD' })
      expect({ g, status: head.status }).toEqual({ g, status: 404 })
    }
    const tags = await registryTags(login, REPOSITORY)
    expect(tags).toEqual(['main', 'pr-2', 'pr-3', sigTag(d.v1), 'v1'].sort())
    const reached = new Set<string>()
    for (const t of tags) await reach(t, reached)
    await reach(d.sbomV1, reached)
    expect([...reached].sort()).toEqual(
      [d.main3, newPr2, d.pr3, d.sigV1, d.v1, ...children.v1, d.sbomV1].sort()
    )
    expect(r.summary).toContain(`**deleted ${gone.length} versions**`)
  },
  TIMEOUT
)
