// Foreign platforms end to end (issue 13 §2), on the newer engine (containerd image store, the
// docker driver builds two platforms there). The action registers QEMU emulators itself, with
// setup-qemu-action's contract (`docker run --rm --privileged IMAGE --install arm64`), here the
// harness's stand-in made from Debian's qemu-user-static; a two-platform build whose RUN step
// writes `uname -m` is read back through the registry: the arm64 layer holds aarch64, the amd64
// one x86_64. A second run reuses the registered emulator; qemu: false builds without one and
// fails with the diagnosis. binfmt_misc is the machine's: everything runs in one emulation
// section, which unregisters what was registered (docs/e2e-harness.md).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { baseImage } from './base-image.js'
import {
  emulationSection,
  emulatorsFor,
  unregisterEmulators,
  type EmulationSection
} from './emulation.js'
import { githubEnv, pushEvent, randomSha } from './fixtures.js'
import { runStep, trixieEnv, type StepResult } from './harness.js'
import { registryManifest, registryTags, stackLogin, topLayerFile } from './registries.js'

const tx = trixieEnv()
const login = stackLogin(tx)
const REPOSITORY = 'Acme-Org/Emulated-App'
const TIMEOUT = 180_000
let section: EmulationSection

beforeAll(async () => {
  section = await emulationSection(tx)
  unregisterEmulators(tx) // a clean slate: only handlers from before the run may remain
  const arm64 = emulatorsFor('arm64').map(h => `${h.name} (${h.interpreter})`)
  // A handler from before the run cannot be removed here; the test of "none registered" must
  // then fail loudly rather than pass without the action registering anything.
  if (arm64.length)
    throw new Error(`arm64 handlers registered before this run: ${arm64.join(', ')}`)
}, 320_000)

afterAll(async () => {
  await section?.release()
})

/** A context whose RUN step writes the architecture it ran on. */
function unameContext(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ghcr-e2e-uname-'))
  writeFileSync(
    join(dir, 'Dockerfile'),
    `FROM ${baseImage(tx)}\nRUN uname -m > /arch && echo ${randomSha()} > /run-id\n`
  )
  return dir
}

async function step(repo: string, inputs: Record<string, string> = {}): Promise<StepResult> {
  const sha = randomSha()
  const { main } = await runStep({
    inputs: {
      registry: tx.E2E_REGISTRY,
      username: tx.E2E_USER,
      token: tx.E2E_PASSWORD,
      images: `${tx.E2E_REGISTRY}/${repo}`,
      tags: 'type=raw,value=1.0',
      platforms: 'linux/amd64,linux/arm64',
      network: 'none', // the engines here have no bridge network
      'qemu-image': tx.E2E_QEMU_IMAGE,
      ...inputs
    },
    env: { ...githubEnv(REPOSITORY, 'push', 'refs/heads/main', sha), DOCKER_HOST: tx.DOCKER_HOST },
    event: pushEvent(REPOSITORY, 'refs/heads/main', sha),
    cwd: unameContext()
  })
  return main
}

const errorsOf = (r: StepResult): string[] =>
  r.stdout.split('\n').filter(l => l.startsWith('::error'))
/** The `docker run --rm --privileged …` commands the run printed, without the docker path. */
const installs = (r: StepResult): string[] =>
  r.stdout
    .split('\n')
    .filter(l => /^\[command\]\S*docker run --rm --privileged/.test(l))
    .map(l => l.replace(/^\[command\]\S*docker /, 'docker '))

/** The `/arch` file of each platform's top layer, by architecture. */
async function archs(repo: string, tag: string): Promise<Record<string, string | undefined>> {
  const index = await registryManifest(login, repo, tag)
  const out: Record<string, string | undefined> = {}
  for (const m of index.manifests ?? []) {
    out[m.platform?.architecture ?? '?'] = await topLayerFile(login, repo, m.digest, 'arch')
  }
  return out
}

test(
  'qemu: auto, no emulator registered: the action registers arm64 with the --install contract; the arm64 layer holds aarch64, the amd64 one x86_64',
  async () => {
    const repo = 'acme-org/emulated'
    const main = await step(repo)
    expect(errorsOf(main)).toEqual([])
    expect(main.code).toBe(0)
    expect(installs(main)).toEqual([
      `docker run --rm --privileged ${tx.E2E_QEMU_IMAGE} --install arm64`
    ])
    expect(main.stdout).toContain(`emulators: registering arm64 with ${tx.E2E_QEMU_IMAGE}`)
    expect(main.stdout).not.toContain('builder: creating') // the containerd store needs none
    expect(emulatorsFor('arm64').map(h => h.name)).toEqual(['qemu-aarch64'])
    expect(await archs(repo, '1.0')).toEqual({ amd64: 'x86_64\n', arm64: 'aarch64\n' })
    const digest = main.outputs.digest
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(main.stdout).toContain(`verified ${tx.E2E_REGISTRY}/${repo}:1.0 → ${digest}`)
  },
  TIMEOUT
)

test(
  'a second run reuses the registered emulator: nothing installed twice',
  async () => {
    const repo = 'acme-org/emulated-again'
    const main = await step(repo)
    expect(errorsOf(main)).toEqual([])
    expect(installs(main)).toEqual([])
    expect(main.stdout).toContain('emulators: arm64 already registered, reused')
    expect(await archs(repo, '1.0')).toEqual({ amd64: 'x86_64\n', arm64: 'aarch64\n' })
  },
  TIMEOUT
)

test(
  'qemu: false with no emulator: the arm64 RUN fails as a build error, with the diagnosis; nothing pushed',
  async () => {
    unregisterEmulators(tx)
    expect(emulatorsFor('arm64')).toEqual([])
    const repo = 'acme-org/not-emulated'
    const main = await step(repo, { qemu: 'false' })
    expect(main.code).toBe(1)
    expect(installs(main)).toEqual([])
    const errors = errorsOf(main)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('uname -m > /arch') // the failing instruction
    expect(main.stdout).toContain('exec format error') // docker's own words, in the log
    expect(errors[0]).toContain('cause: a RUN step ran a program built for another architecture')
    expect(errors[0]).toContain('fix: keep `qemu: auto`')
    expect(await registryTags(login, repo)).toEqual([])
  },
  TIMEOUT
)
