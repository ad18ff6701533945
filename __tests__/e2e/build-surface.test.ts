// The build surface end to end (issue 5, and the injection case of issue 4): multi-platform
// index with annotations, build-args, secrets, a registry cache round trip, and the builder-limit
// error on the classic image store. Runs dist/index.js on the trixie stack (containerd image
// store) and reads the results back from the registry: manifests, configs and layer files.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { startGitHubApi, type GitHubApi } from '../servers/github-api.js'
import { pruneBuildCache, pushBusyboxBase } from './base-image.js'
import { freshContext, githubEnv, pushEvent, randomSha } from './fixtures.js'
import {
  e2eEnv,
  runStep,
  trixieEnv,
  visibleLog,
  type E2EEnv,
  type RunFiles,
  type StepResult
} from './harness.js'
import { RegistryApi } from './registry-api.js'

const tx = trixieEnv()
const api = new RegistryApi(tx)
const REPOSITORY = 'Acme-Org/Surface-App'
const DESCRIPTION = 'Surface app: one index, two platforms, description from the API'
const GH_TOKEN = `ghs_${randomBytes(18).toString('hex')}`
const rand = (): string => randomBytes(6).toString('hex')
// a bound of its own for each test, well under jest's global one: a hung build fails fast
const TIMEOUT = 60_000

let base = ''
let gh: GitHubApi

beforeAll(async () => {
  gh = await startGitHubApi({
    tokens: { [GH_TOKEN]: {} },
    repos: { [REPOSITORY]: { description: DESCRIPTION, license: 'Apache-2.0' } }
  })
  base = await pushBusyboxBase(tx)
}, TIMEOUT)

afterAll(async () => {
  await gh?.stop()
})

// ------------------------------------------------------------------------------------ helpers

/** A build context holding only a Dockerfile. */
function contextWith(dockerfile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ghcr-e2e-ctx-'))
  writeFileSync(join(dir, 'Dockerfile'), dockerfile)
  return dir
}

interface Run {
  main: StepResult
  files: RunFiles
  sha: string
}

/** The action on the trixie stack, as a push to main of REPOSITORY (fresh runner files). */
async function trixieRun(
  inputs: Record<string, string>,
  cwd: string,
  extraEnv: Record<string, string> = {}
): Promise<Run> {
  const sha = randomSha()
  const ref = 'refs/heads/main'
  const res = await runStep({
    inputs: {
      registry: tx.E2E_REGISTRY,
      username: tx.E2E_USER,
      token: tx.E2E_PASSWORD,
      'github-token': GH_TOKEN,
      ...inputs
    },
    env: {
      ...githubEnv(REPOSITORY, 'push', ref, sha),
      GITHUB_API_URL: gh.url,
      DOCKER_HOST: tx.DOCKER_HOST,
      ...extraEnv
    },
    event: pushEvent(REPOSITORY, ref, sha),
    cwd
  })
  return { ...res, sha }
}

/** Fails with the step's whole log, so a failing run explains itself. */
function expectSuccess(r: StepResult): void {
  if (r.code !== 0) {
    throw new Error(`the step failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

const blob = async (repo: string, digest: string): Promise<Buffer> => {
  const res = await api.get(`${repo}/blobs/${digest}`, '*/*')
  if (!res.ok) throw new Error(`blob ${repo}@${digest}: HTTP ${res.status}`)
  return Buffer.from(await res.arrayBuffer())
}

interface Manifest {
  config: { digest: string }
  layers: Array<{ digest: string; mediaType: string }>
}

/** The image manifest of a ref; the linux/amd64 one when the ref is an index. */
async function imageManifest(repo: string, ref: string): Promise<Manifest> {
  const m = await api.manifest(repo, ref)
  if (!Array.isArray(m.manifests)) return m as Manifest
  const amd64 = m.manifests.find(
    (d: { platform?: { architecture?: string } }) => d.platform?.architecture === 'amd64'
  )
  return (await api.manifest(repo, amd64.digest)) as Manifest
}

/** Every layer of an image, uncompressed (a tar each). */
async function layerTars(repo: string, ref: string): Promise<Buffer[]> {
  const m = await imageManifest(repo, ref)
  const out: Buffer[] = []
  for (const layer of m.layers) {
    const raw = await blob(repo, layer.digest)
    const gzip = raw[0] === 0x1f && raw[1] === 0x8b
    if (!gzip && /zstd/.test(layer.mediaType)) throw new Error('zstd layers are not read here')
    out.push(gzip ? gunzipSync(raw) : raw)
  }
  return out
}

interface ImageConfig {
  architecture: string
  config?: { Labels?: Record<string, string> }
  history?: Array<{ created_by?: string }>
}

async function imageConfig(repo: string, ref: string): Promise<{ json: ImageConfig; raw: string }> {
  const m = await imageManifest(repo, ref)
  const raw = (await blob(repo, m.config.digest)).toString('utf8')
  return { json: JSON.parse(raw) as ImageConfig, raw }
}

/**
 * The regular files of a tar archive (ustar, with pax `path` and GNU long-name records), by path
 * without a leading `./` or `/`.
 */
function readTar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  const text = (b: Buffer): string => b.toString('utf8').replace(/\0.*$/s, '')
  let offset = 0
  let longName: string | undefined
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512)
    if (header.every(b => b === 0)) break
    const size = parseInt(text(header.subarray(124, 136)).trim() || '0', 8)
    const type = String.fromCharCode(header[156] || 0x30)
    const prefix = text(header.subarray(345, 500))
    const body = tar.subarray(offset + 512, offset + 512 + size)
    offset += 512 + Math.ceil(size / 512) * 512
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))
      if (m) longName = m[1]
      continue
    }
    if (type === 'L') {
      longName = text(body)
      continue
    }
    const name = longName ?? (prefix ? `${prefix}/` : '') + text(header.subarray(0, 100))
    longName = undefined
    if (type === '0' || type === '7') files.set(name.replace(/^(\.\/|\/)+/, ''), Buffer.from(body))
  }
  return files
}

/** The image's files, later layers over earlier ones. */
async function imageFiles(repo: string, ref: string): Promise<Map<string, Buffer>> {
  const merged = new Map<string, Buffer>()
  for (const tar of await layerTars(repo, ref)) {
    for (const [path, data] of readTar(tar)) merged.set(path, data)
  }
  return merged
}

async function fileText(repo: string, ref: string, path: string): Promise<string | undefined> {
  return (await imageFiles(repo, ref)).get(path)?.toString('utf8')
}

/** The number of the buildx step that ran `RUN <text>` (from `#N [2/2] RUN ...`). */
function runStepNumber(log: string, text: string): string {
  const esc = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const m = new RegExp(`^#(\\d+) \\[[^\\]]+\\] RUN ${esc}`, 'm').exec(log)
  if (!m) throw new Error(`no "RUN ${text}" step in the log:\n${log}`)
  return m[1]
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')
const platformOf = (d: { platform?: { os: string; architecture: string } }): string =>
  `${d.platform?.os}/${d.platform?.architecture}`

// --------------------------------------------------------------------------------------- tests

test(
  'two platforms: one OCI index, every tag at it, source and description on the index',
  async () => {
    const { main, sha } = await trixieRun({ platforms: 'linux/amd64,linux/386' }, freshContext())
    expectSuccess(main)
    const repo = 'acme-org/surface-app' // the default image, lowercased
    const digest = main.outputs.digest
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const tags = ['main', `sha-${sha.slice(0, 7)}`, 'latest']
    expect(await api.tags(repo)).toEqual([...tags].sort())
    for (const tag of tags) expect(await api.digest(repo, tag)).toBe(digest)

    const index = await api.manifest(repo, digest)
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json')
    expect(index.manifests.map(platformOf).sort()).toEqual(['linux/386', 'linux/amd64'])
    expect(index.annotations?.['org.opencontainers.image.source']).toBe(
      `https://github.com/${REPOSITORY}`
    )
    expect(index.annotations?.['org.opencontainers.image.description']).toBe(DESCRIPTION)
    // each entry is the image of its platform
    for (const d of index.manifests) {
      const m = await api.manifest(repo, d.digest)
      const config = JSON.parse((await blob(repo, m.config.digest)).toString('utf8'))
      expect(`${config.os}/${config.architecture}`).toBe(platformOf(d))
    }
    const labels = await api.labels(repo, digest) // the linux/amd64 image's config
    expect(labels['org.opencontainers.image.source']).toBe(`https://github.com/${REPOSITORY}`)
    expect(labels['org.opencontainers.image.description']).toBe(DESCRIPTION)
    expect(labels['org.opencontainers.image.licenses']).toBe('Apache-2.0')
    expect(labels['org.opencontainers.image.revision']).toBe(sha)
    // the description came from the API stand-in, read with the github-token
    expect(gh.requests).toContainEqual(
      expect.objectContaining({ path: `/repos/${REPOSITORY}`, knownToken: true, status: 200 })
    )
    expect(main.outputs.refs).toBe(`${tx.E2E_REGISTRY}/${repo}@${digest}`)
  },
  TIMEOUT
)

test(
  'build-args reach the image: the RUN step writes the value into a file',
  async () => {
    const repo = 'acme-org/build-args'
    const greeting = `hello, world = ${rand()}`
    const { main } = await trixieRun(
      {
        images: `${tx.E2E_REGISTRY}/${repo}`,
        network: 'none',
        'build-args': `GREETING=${greeting}`
      },
      contextWith(`FROM ${base}\nARG GREETING\nRUN echo "$GREETING" > /greeting\n`)
    )
    expectSuccess(main)
    expect(await fileText(repo, main.outputs.digest, 'greeting')).toBe(`${greeting}\n`)
  },
  TIMEOUT
)

test(
  'secrets, secret-files, secret-envs: the build reads them; their values are nowhere',
  async () => {
    const repo = 'acme-org/secrets'
    const values = {
      mysecret: `inline-${randomBytes(16).toString('hex')}`,
      filesecret: `file-${randomBytes(16).toString('hex')}`,
      envsecret: `env-${randomBytes(16).toString('hex')}`
    }
    const secretDir = mkdtempSync(join(tmpdir(), 'ghcr-e2e-secret-'))
    writeFileSync(join(secretDir, 'token.txt'), values.filesecret)
    const dockerfile = [
      `FROM ${base}`,
      ...Object.keys(values).map(
        id => `RUN --mount=type=secret,id=${id} sha256sum /run/secrets/${id} > /${id}.sha256`
      ),
      ''
    ].join('\n')
    const { main, files } = await trixieRun(
      {
        images: `${tx.E2E_REGISTRY}/${repo}`,
        network: 'none',
        secrets: `mysecret=${values.mysecret}`,
        'secret-files': `filesecret=${join(secretDir, 'token.txt')}`,
        'secret-envs': 'envsecret=E2E_BUILD_SECRET'
      },
      contextWith(dockerfile),
      { E2E_BUILD_SECRET: values.envsecret }
    )
    expectSuccess(main)
    const digest = main.outputs.digest

    // The build read each secret: the image holds its hash.
    const imgFiles = await imageFiles(repo, digest)
    for (const [id, value] of Object.entries(values)) {
      expect(imgFiles.get(`${id}.sha256`)?.toString('utf8')).toBe(
        `${sha256(value)}  /run/secrets/${id}\n`
      )
    }
    // No value in any layer, the config (history included), the logs, the outputs or the summary.
    const tars = await layerTars(repo, digest)
    expect(tars.length).toBeGreaterThanOrEqual(4)
    const { json: config, raw: rawConfig } = await imageConfig(repo, digest)
    const history = (config.history ?? []).map(h => h.created_by ?? '')
    expect(history.some(h => h.includes('/run/secrets/mysecret'))).toBe(true)
    const texts = [
      rawConfig,
      ...history,
      visibleLog(main.stdout),
      main.stderr,
      JSON.stringify(main.outputs),
      main.summary
    ]
    for (const value of Object.values(values)) {
      for (const tar of tars) expect(tar.includes(value)).toBe(false)
      for (const text of texts) expect(text).not.toContain(value)
    }
    // The inline secret was registered for masking; its file went away with the step's own
    // directory under RUNNER_TEMP.
    expect(main.stdout).toContain(`::add-mask::${values.mysecret}`)
    expect(main.stdout).toMatch(/\[command\].*--secret id=mysecret,src=/)
    expect(readdirSync(files.runnerTemp)).toEqual([])
  },
  TIMEOUT
)

test(
  'build-arg values with $(...), backticks and ; arrive as text and run nothing on the host',
  async () => {
    const repo = 'acme-org/injection'
    const r = rand()
    const marks = [1, 2, 3, 4].map(i => `/tmp/pwned-${r}-${i}`)
    const values = [
      `$(touch ${marks[0]})`,
      `\`touch ${marks[1]}\``,
      `x; touch ${marks[2]}`,
      `'; touch ${marks[3]}; echo '`
    ]
    for (const m of marks) expect(existsSync(m)).toBe(false)
    const { main } = await trixieRun(
      {
        images: `${tx.E2E_REGISTRY}/${repo}`,
        network: 'none',
        'build-args': values.map((v, i) => `P${i + 1}=${v}`).join('\n')
      },
      contextWith(
        `FROM ${base}\nARG P1\nARG P2\nARG P3\nARG P4\n` +
          `RUN printf '%s\\n' "$P1" "$P2" "$P3" "$P4" > /args\n`
      )
    )
    expectSuccess(main)
    expect(await fileText(repo, main.outputs.digest, 'args')).toBe(
      values.map(v => `${v}\n`).join('')
    )
    for (const m of marks) expect(existsSync(m)).toBe(false)
  },
  TIMEOUT
)

test(
  'registry cache round trip: the second build, with no local cache, shows the RUN step CACHED',
  async () => {
    const repo = 'acme-org/cached'
    const cacheRef = `${tx.E2E_REGISTRY}/cache/app:buildcache`
    const run = `sleep 3 && echo ${rand()} > /built`
    const context = contextWith(`FROM ${base}\nRUN ${run}\n`)
    const inputs = { images: `${tx.E2E_REGISTRY}/${repo}`, network: 'none' }

    await pruneBuildCache(tx)
    let t = Date.now()
    const first = await trixieRun(
      { ...inputs, 'cache-to': `type=registry,ref=${cacheRef},mode=max` },
      context
    )
    const firstMs = Date.now() - t
    expectSuccess(first.main)
    const step1 = runStepNumber(first.main.stdout, run)
    expect(first.main.stdout).toMatch(new RegExp(`^#${step1} DONE`, 'm'))
    expect(first.main.stdout).not.toMatch(new RegExp(`^#${step1} CACHED`, 'm'))
    expect(await api.tags('cache/app')).toEqual(['buildcache'])

    await pruneBuildCache(tx) // only the registry can have it now
    t = Date.now()
    const second = await trixieRun(
      { ...inputs, 'cache-from': `type=registry,ref=${cacheRef}` },
      context
    )
    const secondMs = Date.now() - t
    expectSuccess(second.main)
    expect(second.files.dir).not.toBe(first.files.dir)
    const step2 = runStepNumber(second.main.stdout, run)
    expect(second.main.stdout).toMatch(new RegExp(`^#${step2} CACHED`, 'm'))
    expect(second.main.stdout).toContain(`importing cache manifest from ${cacheRef}`)
    expect(secondMs).toBeLessThan(firstMs)
    // same content from the cache: the layer RUN made is the same blob
    const last = (m: Manifest): string => m.layers[m.layers.length - 1].digest
    expect(last(await imageManifest(repo, second.main.outputs.digest))).toBe(
      last(await imageManifest(repo, first.main.outputs.digest))
    )
  },
  TIMEOUT
)

test(
  'old engine (classic image store), driver: docker: two platforms fail before building, naming platforms and the fix',
  async () => {
    const old: E2EEnv = e2eEnv()
    const oldApi = new RegistryApi(old)
    const repo = 'acme-org/classic-store'
    const sha = randomSha()
    const { main } = await runStep({
      inputs: {
        registry: old.E2E_REGISTRY,
        username: old.E2E_USER,
        token: old.E2E_PASSWORD,
        images: `${old.E2E_REGISTRY}/${repo}`,
        platforms: 'linux/amd64,linux/386',
        driver: 'docker' // with driver: auto a builder is created instead (builder.test.ts)
      },
      env: {
        ...githubEnv(REPOSITORY, 'push', 'refs/heads/main', sha),
        DOCKER_HOST: old.DOCKER_HOST
      },
      event: pushEvent(REPOSITORY, 'refs/heads/main', sha),
      cwd: freshContext()
    })
    expect(main.code).not.toBe(0)
    const errors = main.stdout.split('\n').filter(l => l.startsWith('::error'))
    expect(errors).toHaveLength(1)
    const [error] = errors
    expect(error).toMatch(/^::error::platforms: linux\/amd64,linux\/386: /)
    expect(error).not.toContain('%0A') // one line
    expect(error).toContain('containerd image store')
    expect(error).toContain('docker-container builder')
    expect(main.stdout).not.toMatch(/\[command\].*buildx build/)
    expect(await oldApi.tags(repo)).toEqual([])
  },
  TIMEOUT
)
