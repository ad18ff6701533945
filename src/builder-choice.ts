// Which builder the build runs on — the current one, the user's, or a temporary docker-container
// builder this step creates and removes — and which QEMU emulators must be registered first.
// Pure: the shell (builder.ts) probes the builder and /proc/sys/fs/binfmt_misc and runs the
// commands decided here.
import type { BuilderFacts } from './build-command.js'
import type { Driver, QemuMode } from './builder-inputs.js'
import { InputError } from './errors.js'
import type { Settings } from './inputs.js'
import type { Plan } from './plan.js'

/** Buildx's own default image for the docker-container driver. */
export const DEFAULT_BUILDKIT_IMAGE = 'moby/buildkit:buildx-stable-1'
/** setup-buildx-action's default: `network: host` and insecure builds work when asked for. */
export const DEFAULT_BUILDKITD_FLAGS =
  '--allow-insecure-entitlement security.insecure --allow-insecure-entitlement network.host'

/** A `cache-to` entry's type: `type=…`, else registry (buildx reads a bare value as a ref). */
const cacheType = (entry: string): string =>
  /(?:^|,)\s*type=([^,]*)/.exec(entry)?.[1].trim() ?? 'registry'

/** What the inputs ask that the docker driver on Docker's classic image store cannot do. */
export function builderNeeds(s: Settings): string[] {
  const exported = s.cacheTo.filter(c => cacheType(c) !== 'inline')
  return [
    s.platforms.length > 1 && `platforms: ${s.platforms.join(',')}`,
    exported.length > 0 && `cache-to: ${exported.join(' ')}`,
    s.provenance !== 'false' && `provenance: ${s.provenance}`,
    s.sbom !== '' && s.sbom !== 'false' && `sbom: ${s.sbom}`,
    s.attests.some(a => !/(^|,)disabled=true(,|$)/.test(a)) && `attests: ${s.attests.join('; ')}`
  ].filter((x): x is string => typeof x === 'string')
}

/** One platform and no attestations: one image, which `docker save` holds whole. */
export const isSingleImage = (s: Settings): boolean =>
  s.platforms.length <= 1 &&
  s.provenance === 'false' &&
  (s.sbom === '' || s.sbom === 'false') &&
  s.attests.every(a => /(^|,)disabled=true(,|$)/.test(a))

export interface BuilderSetup {
  /** The `builder` input: '' builds on the current builder. */
  given: string
  driver: Driver
  /** never: a user-given builder, or driver: docker; always: driver: docker-container, or its
   * options given; if-needed: driver: auto, when the current builder cannot do the build. */
  create: 'never' | 'if-needed' | 'always'
  /** `docker buildx create` options of a builder this step creates (no name, no config file). */
  createOptions: string[]
  /** buildkitd-config-inline, written to a file for --buildkitd-config. */
  configInline: string
  /** The BuildKit image a created builder runs (driver-opts image=…, else buildx's default). */
  image: string
  qemuImage: string
  /** Architectures of `platforms` that need an emulator on this runner (see emulationFor). */
  emulate: string[]
}

/** `nodeArch`: the runner's `process.arch`, which says what runs natively. */
export function builderSetup(s: Settings, nodeArch: string): BuilderSetup {
  const configured =
    s.driverOpts.length > 0 || s.buildkitdFlags !== '' || s.buildkitdConfigInline !== ''
  const image = s.driverOpts.find(o => o.startsWith('image='))?.slice('image='.length)
  return {
    given: s.builder,
    driver: s.driver,
    create:
      s.builder || s.driver === 'docker'
        ? 'never'
        : s.driver === 'docker-container' || configured
          ? 'always'
          : 'if-needed',
    createOptions: [
      '--driver',
      'docker-container',
      ...s.driverOpts.map(o => `--driver-opt=${o}`),
      `--buildkitd-flags=${s.buildkitdFlags || DEFAULT_BUILDKITD_FLAGS}`
    ],
    configInline: s.buildkitdConfigInline,
    image: image || DEFAULT_BUILDKIT_IMAGE,
    qemuImage: s.qemuImage,
    emulate: foreignArchs(s.platforms, s.qemu, s.builder, nodeArch)
  }
}

/** Whether the shell must probe the builder (driver, image store) before building this plan;
 * `load` with a push: the docker driver's push keeps the image already (build-command.ts). */
export const needsBuilderFacts = (plan: Plan): boolean =>
  plan.mode !== 'merge' &&
  plan.builderSetup.create !== 'always' &&
  (plan.mode === 'push-by-digest' || plan.builderNeeds.length > 0 || (plan.build.load && plan.push))

export type BuilderChoice =
  /** Build on this builder ('' = the current one); `facts` when it was probed. */
  | { action: 'use'; name: string; facts?: BuilderFacts }
  /** Create a docker-container builder named `name` for this step, and remove it at the end. */
  | { action: 'create'; name: string; facts: BuilderFacts; reason: string }

const CONTAINER: BuilderFacts = { driver: 'docker-container', classicStore: false }

/**
 * The builder to build on. The docker driver on Docker's classic image store builds one plain
 * image; for more (`plan.builderNeeds`) the step creates a docker-container builder when it may
 * (driver: auto), and refuses with the inputs and the fix when it may not (a user-given builder,
 * driver: docker). `newName` is the name a created builder gets.
 */
export function chooseBuilder(
  plan: Plan,
  facts: BuilderFacts | undefined,
  newName: string
): BuilderChoice {
  const setup = plan.builderSetup
  if (plan.mode === 'merge') return { action: 'use', name: setup.given } // imagetools only
  if (setup.create === 'always') {
    const why =
      setup.driver === 'docker-container' ? 'driver: docker-container' : 'its options are given'
    return { action: 'create', name: newName, facts: CONTAINER, reason: why }
  }
  const needs = plan.builderNeeds.join('; ')
  if (!(facts?.driver === 'docker' && facts.classicStore && needs)) {
    return { action: 'use', name: setup.given, facts }
  }
  if (setup.create === 'if-needed') {
    return {
      action: 'create',
      name: newName,
      facts: CONTAINER,
      reason: `${needs}: the current builder uses the docker driver on the classic image store`
    }
  }
  const containerd =
    'turn on the containerd image store (daemon.json "features": {"containerd-snapshotter": true})'
  throw new InputError(
    setup.given
      ? `${needs}: the builder "${setup.given}" uses the docker driver on Docker's classic image store, which cannot do this: leave builder empty and the step creates a docker-container builder, pass a docker-container builder as builder, or ${containerd}`
      : `${needs}: driver: docker on Docker's classic image store cannot do this: set driver: auto (the default) and the step creates a docker-container builder, or ${containerd}`
  )
}

/** `docker buildx create` of a builder for this step (not made current: the build names it). */
export const createArgv = (setup: BuilderSetup, name: string, configFile?: string): string[] => [
  'buildx',
  'create',
  '--name',
  name,
  ...setup.createOptions,
  ...(configFile ? ['--buildkitd-config', configFile] : [])
]

/** Starts the builder's container now, so that a missing image fails before the build. */
export const bootstrapArgv = (name: string): string[] => [
  'buildx',
  'inspect',
  '--bootstrap',
  '--builder',
  name
]

export const removeArgv = (name: string): string[] => ['buildx', 'rm', '--', name]

/** The binfmt_misc entry of each architecture's emulator, as setup-qemu-action's image and
 * Debian's qemu-user-static name them. Keys are the `--install` names (Go's GOARCH). */
const BINFMT: Record<string, string> = {
  amd64: 'qemu-x86_64',
  '386': 'qemu-i386',
  arm64: 'qemu-aarch64',
  arm: 'qemu-arm',
  riscv64: 'qemu-riscv64',
  ppc64le: 'qemu-ppc64le',
  s390x: 'qemu-s390x',
  mips64le: 'qemu-mips64el',
  mips64: 'qemu-mips64',
  loong64: 'qemu-loongarch64'
}

/** What a runner of each Node `process.arch` runs without an emulator. */
const NATIVE: Record<string, string[]> = {
  x64: ['amd64', '386'],
  ia32: ['386'],
  arm64: ['arm64'], // many arm64 CPUs (e.g. GitHub's arm runners) cannot run 32-bit arm code
  arm: ['arm'],
  ppc64: ['ppc64le'],
  s390x: ['s390x'],
  riscv64: ['riscv64'],
  loong64: ['loong64']
}

/**
 * The linux architectures of `platforms` that this runner cannot run natively, each one that
 * QEMU can emulate. qemu: auto leaves a user-given builder as it is (it may be remote, or
 * native); true does not; false emulates nothing.
 */
function foreignArchs(
  platforms: string[],
  qemu: QemuMode,
  givenBuilder: string,
  nodeArch: string
): string[] {
  if (qemu === 'false' || (qemu === 'auto' && givenBuilder)) return []
  const native = NATIVE[nodeArch] ?? []
  const foreign = [
    ...new Set(
      platforms
        .filter(p => p.startsWith('linux/'))
        .map(p => p.split('/')[1])
        .filter(a => !native.includes(a))
    )
  ]
  for (const arch of foreign) {
    if (!BINFMT[arch]) {
      throw new InputError(
        `platforms: linux/${arch} has no QEMU emulator this step knows: use one of ${Object.keys(BINFMT).join(', ')}, or set qemu: false and register its emulator yourself`
      )
    }
  }
  return foreign
}

export interface Emulation {
  /** Architectures to register with `docker run --rm --privileged IMAGE --install …`. */
  install: string[]
  /** Foreign architectures whose emulator is registered already: reused, never installed twice. */
  reused: string[]
  /** The binfmt_misc entry each architecture to install must create. */
  entries: string[]
}

/**
 * The emulators to register before building. `registered`: the binfmt_misc entries that are
 * enabled; undefined when binfmt_misc cannot be read (e.g. a container job): then every
 * foreign architecture is installed.
 */
export function emulationFor(setup: BuilderSetup, registered: Set<string> | undefined): Emulation {
  const reused = setup.emulate.filter(a => registered?.has(BINFMT[a]))
  const install = setup.emulate.filter(a => !reused.includes(a))
  return { install, reused, entries: install.map(a => BINFMT[a]) }
}

/** setup-qemu-action's contract: the image registers the emulators for `archs` and exits. */
export const qemuInstallArgv = (image: string, archs: string[]): string[] => [
  'run',
  '--rm',
  '--privileged',
  image,
  '--install',
  archs.join(',')
]

/** The plan's line about the builder and emulators; undefined for a plain build on the current one. */
export function builderLine(plan: Plan): string | undefined {
  const setup = plan.builderSetup
  if (plan.mode === 'merge') return undefined
  const needs = plan.builderNeeds.join('; ')
  const temporary = `a temporary docker-container builder (${setup.image})`
  const builder =
    setup.create === 'always'
      ? temporary
      : setup.given
        ? setup.given
        : setup.create === 'if-needed' && needs
          ? `the current one, or ${temporary} if that is the docker driver on the classic image store (${needs})`
          : undefined
  const qemu = setup.emulate.length ? `QEMU for ${setup.emulate.join(', ')}` : undefined
  if (!builder && !qemu) return undefined
  return `builder: ${[builder ?? 'the current one', qemu].filter(Boolean).join('; ')}`
}
