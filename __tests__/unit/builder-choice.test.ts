// Which builder the build runs on and which emulators are registered, as tables:
// (inputs, the probed builder, the runner's architecture, binfmt_misc) → use / create / refuse.
import type { BuilderFacts } from '../../src/build-command.js'
import {
  bootstrapArgv,
  builderLine,
  chooseBuilder,
  createArgv,
  DEFAULT_BUILDKITD_FLAGS,
  emulationFor,
  needsBuilderFacts,
  qemuInstallArgv,
  removeArgv
} from '../../src/builder-choice.js'
import { contextFromEnv } from '../../src/context.js'
import { InputError } from '../../src/errors.js'
import { parseInputs } from '../../src/inputs.js'
import { computePlan, type Plan } from '../../src/plan.js'

const DOCKER_CLASSIC: BuilderFacts = { driver: 'docker', classicStore: true }
const DOCKER_CONTAINERD: BuilderFacts = { driver: 'docker', classicStore: false }
const CONTAINER: BuilderFacts = { driver: 'docker-container', classicStore: false }

function plan(inputs: Record<string, string> = {}, nodeArch = 'x64'): Plan {
  const settings = parseInputs(name => ({ username: 'u', token: 't', ...inputs })[name] ?? '')
  const ctx = contextFromEnv(
    {
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: 'c'.repeat(40)
    },
    { repository: { default_branch: 'main' } }
  )
  return computePlan({
    settings,
    ctx,
    now: new Date('2026-01-01T00:00:00Z'),
    metadataFile: '/w/m.json',
    iidFile: '/w/iid',
    secretsDir: '/w/secrets',
    localTag: 'local-1',
    nodeArch
  })
}

const TWO = { platforms: 'linux/amd64,linux/arm64' }

describe('chooseBuilder: use, create or refuse', () => {
  // [case, inputs, probed facts, expected: 'use' | 'create' | a refusal pattern]
  const CASES: Array<[string, Record<string, string>, BuilderFacts | undefined, string | RegExp]> =
    [
      ['a plain build, nothing probed', {}, undefined, 'use'],
      ['two platforms, docker driver, classic store, driver auto', TWO, DOCKER_CLASSIC, 'create'],
      [
        'a gha cache export, classic store, driver auto',
        { 'cache-to': 'type=gha,mode=max' },
        DOCKER_CLASSIC,
        'create'
      ],
      [
        'provenance, classic store, driver auto',
        { provenance: 'mode=max' },
        DOCKER_CLASSIC,
        'create'
      ],
      [
        'an inline cache on the classic store needs nothing',
        { 'cache-to': 'type=inline' },
        DOCKER_CLASSIC,
        'use'
      ],
      ['two platforms on the containerd store', TWO, DOCKER_CONTAINERD, 'use'],
      ['two platforms on a docker-container builder already current', TWO, CONTAINER, 'use'],
      [
        'driver: docker-container, a plain build',
        { driver: 'docker-container' },
        undefined,
        'create'
      ],
      [
        'driver options given: a builder is created',
        { 'driver-opts': 'image=mirror.example/buildkit:1' },
        undefined,
        'create'
      ],
      ['buildkitd-flags given', { 'buildkitd-flags': '--debug' }, DOCKER_CLASSIC, 'create'],
      [
        'a user-given builder on the classic store',
        { ...TWO, builder: 'default' },
        DOCKER_CLASSIC,
        /^platforms: linux\/amd64,linux\/arm64: the builder "default" uses the docker driver on Docker's classic image store, which cannot do this: leave builder empty and the step creates a docker-container builder, pass a docker-container builder as builder, or turn on the containerd image store/
      ],
      [
        'driver: docker on the classic store, two needs named',
        { ...TWO, 'cache-to': 'type=registry,ref=ghcr.io/acme/app:cache', driver: 'docker' },
        DOCKER_CLASSIC,
        /^platforms: linux\/amd64,linux\/arm64; cache-to: type=registry,ref=ghcr.io\/acme\/app:cache: driver: docker on Docker's classic image store cannot do this: set driver: auto \(the default\)/
      ],
      [
        'sbom with a user-given container builder',
        { sbom: 'true', builder: 'ci' },
        CONTAINER,
        'use'
      ],
      [
        'push-by-digest on the classic store: our own push, no builder created',
        { 'push-by-digest': 'true' },
        DOCKER_CLASSIC,
        'use'
      ],
      [
        'a merge never creates a builder',
        { 'merge-digests': `sha256:${'0'.repeat(64)}`, driver: 'docker-container' },
        undefined,
        'use'
      ]
    ]

  test.each(CASES)('%s', (_name, inputs, facts, expected) => {
    const p = plan(inputs)
    if (expected instanceof RegExp) {
      let error: unknown
      try {
        chooseBuilder(p, facts, 'new-1')
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InputError)
      expect((error as Error).message).toMatch(expected)
      expect((error as Error).message).not.toContain('\n')
      return
    }
    const choice = chooseBuilder(p, facts, 'new-1')
    expect(choice.action).toBe(expected)
    if (choice.action === 'create') {
      expect(choice.name).toBe('new-1')
      expect(choice.facts.driver).toBe('docker-container')
    } else {
      expect(choice.name).toBe(inputs.builder ?? '')
      expect(choice.facts).toBe(facts)
    }
  })

  test('the reason of a created builder names what the current one cannot do', () => {
    const choice = chooseBuilder(plan(TWO), DOCKER_CLASSIC, 'b')
    expect(choice.action === 'create' && choice.reason).toBe(
      'platforms: linux/amd64,linux/arm64: the current builder uses the docker driver on the classic image store'
    )
  })
})

describe('needsBuilderFacts: the builder is probed only when the answer matters', () => {
  test.each([
    [{}, false],
    [TWO, true],
    [{ 'cache-to': 'type=gha' }, true],
    [{ 'push-by-digest': 'true', platforms: 'linux/amd64' }, true],
    [{ ...TWO, driver: 'docker-container' }, false], // created whatever the current one is
    [{ ...TWO, builder: 'ci' }, true],
    [{ ...TWO, driver: 'docker' }, true]
  ])('%j → %s', (inputs, probe) => {
    expect(needsBuilderFacts(plan(inputs))).toBe(probe)
  })
})

describe('the builder the step creates', () => {
  test('default: docker-container, setup-buildx-action flags, buildx default image', () => {
    const p = plan({ driver: 'docker-container' })
    expect(createArgv(p.builderSetup, 'ghcr-build-push-1')).toEqual([
      'buildx',
      'create',
      '--name',
      'ghcr-build-push-1',
      '--driver',
      'docker-container',
      `--buildkitd-flags=${DEFAULT_BUILDKITD_FLAGS}`
    ])
    expect(p.builderSetup.image).toBe('moby/buildkit:buildx-stable-1')
  })

  test('driver-opts, buildkitd-flags and a config file, each as one argument', () => {
    const p = plan({
      'driver-opts':
        'image=mirror.example/moby/buildkit:v0.20\nnetwork=host\nenv.BUILDKIT_STEP_LOG_MAX_SIZE=-1',
      'buildkitd-flags': '--debug --allow-insecure-entitlement network.host',
      'buildkitd-config-inline': '[registry."docker.io"]\n  mirrors = ["mirror.example"]'
    })
    expect(createArgv(p.builderSetup, 'b', '/w/buildkitd.toml')).toEqual([
      'buildx',
      'create',
      '--name',
      'b',
      '--driver',
      'docker-container',
      '--driver-opt=image=mirror.example/moby/buildkit:v0.20',
      '--driver-opt=network=host',
      '--driver-opt=env.BUILDKIT_STEP_LOG_MAX_SIZE=-1',
      '--buildkitd-flags=--debug --allow-insecure-entitlement network.host',
      '--buildkitd-config',
      '/w/buildkitd.toml'
    ])
    expect(p.builderSetup.image).toBe('mirror.example/moby/buildkit:v0.20')
    expect(p.builderSetup.configInline).toContain('mirrors = ["mirror.example"]')
  })

  test('started before the build, removed by name', () => {
    expect(bootstrapArgv('b')).toEqual(['buildx', 'inspect', '--bootstrap', '--builder', 'b'])
    expect(removeArgv('b')).toEqual(['buildx', 'rm', '--', 'b'])
  })
})

describe('emulation: foreign platforms get QEMU, registered emulators are reused', () => {
  test.each([
    // [inputs, runner arch, architectures needing an emulator]
    [{}, 'x64', []],
    [{ platforms: 'linux/amd64' }, 'x64', []],
    [TWO, 'x64', ['arm64']],
    [{ platforms: 'linux/amd64,linux/386' }, 'x64', []], // x86-64 runs 386 code
    [{ platforms: 'linux/arm64,linux/arm/v7,linux/arm/v6' }, 'x64', ['arm64', 'arm']],
    [TWO, 'arm64', ['amd64']],
    [{ platforms: 'linux/arm64,linux/arm/v7' }, 'arm64', ['arm']], // not every arm64 CPU runs arm32
    [
      { platforms: 'linux/riscv64,linux/ppc64le,linux/s390x' },
      'x64',
      ['riscv64', 'ppc64le', 's390x']
    ],
    [{ platforms: 'windows/amd64,linux/arm64' }, 'x64', ['arm64']],
    [{ ...TWO, qemu: 'false' }, 'x64', []],
    [{ ...TWO, builder: 'ci' }, 'x64', []], // qemu: auto leaves a user-given builder as it is
    [{ ...TWO, builder: 'ci', qemu: 'true' }, 'x64', ['arm64']],
    [{ ...TWO, driver: 'docker' }, 'x64', ['arm64']]
  ])('%j on %s → %j', (inputs, arch, emulate) => {
    expect(plan(inputs, arch).builderSetup.emulate).toEqual(emulate)
  })

  test.each([
    // [registered binfmt_misc entries (undefined: not mounted), install, reused]
    [new Set<string>(), ['arm64', 'riscv64'], []],
    [new Set(['qemu-aarch64']), ['riscv64'], ['arm64']],
    [new Set(['qemu-aarch64', 'qemu-riscv64']), [], ['arm64', 'riscv64']],
    [new Set(['qemu-arm']), ['arm64', 'riscv64'], []],
    [undefined, ['arm64', 'riscv64'], []]
  ])('registered %j → install %j, reuse %j', (registered, install, reused) => {
    const setup = plan({ platforms: 'linux/amd64,linux/arm64,linux/riscv64' }).builderSetup
    const e = emulationFor(setup, registered)
    expect(e.install).toEqual(install)
    expect(e.reused).toEqual(reused)
    expect(e.entries).toEqual(
      install.map(a => ({ arm64: 'qemu-aarch64', riscv64: 'qemu-riscv64' })[a])
    )
  })

  test("setup-qemu-action's contract, with its default image", () => {
    const setup = plan(TWO).builderSetup
    expect(qemuInstallArgv(setup.qemuImage, ['arm64', 'arm'])).toEqual([
      'run',
      '--rm',
      '--privileged',
      'docker.io/tonistiigi/binfmt:latest',
      '--install',
      'arm64,arm'
    ])
    expect(plan({ ...TWO, 'qemu-image': 'mirror.example/binfmt:9' }).builderSetup.qemuImage).toBe(
      'mirror.example/binfmt:9'
    )
  })
})

describe('builderLine: the plan says which builder and emulators', () => {
  test.each([
    [{}, undefined],
    [{ builder: 'ci' }, 'builder: ci'],
    [
      { driver: 'docker-container' },
      'builder: a temporary docker-container builder (moby/buildkit:buildx-stable-1)'
    ],
    [
      TWO,
      'builder: the current one, or a temporary docker-container builder (moby/buildkit:buildx-stable-1) if that is the docker driver on the classic image store (platforms: linux/amd64,linux/arm64); QEMU for arm64'
    ],
    [{ platforms: 'linux/arm64' }, 'builder: the current one; QEMU for arm64']
  ])('%j → %s', (inputs, line) => {
    expect(builderLine(plan(inputs))).toBe(line)
  })
})
