// A tiny base image with a shell, for tests whose Dockerfile has RUN steps: nothing can be pulled
// here, so it is made from Debian's static busybox (package busybox-static, installed by
// `scripts/e2e-env.sh install`) and pushed to the stack's registry with plain docker commands.
// pushBusyboxBase is single-platform (the host's); baseImage() names the two-platform one that
// scripts/e2e-env.sh loads into the engines.
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { E2EEnv } from './harness.js'

const BUSYBOX = '/bin/busybox'

interface Ran {
  code: number
  output: string
}

/** Runs a docker command against the stack's engine with a private client config. */
export function docker(
  env: E2EEnv,
  configDir: string,
  args: string[],
  input?: string
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, {
      env: { ...process.env, DOCKER_HOST: env.DOCKER_HOST, DOCKER_CONFIG: configDir },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    let output = ''
    child.stdout.on('data', d => (output += d))
    child.stderr.on('data', d => (output += d))
    child.on('error', reject)
    child.on('close', code => resolve({ code: code ?? -1, output }))
    child.stdin.end(input ?? '')
  })
}

/** True when the file is a statically linked ELF (no PT_INTERP program header). */
function isStaticElf(path: string): boolean {
  const b = readFileSync(path)
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return false // ELF, 64-bit
  const phoff = Number(b.readBigUInt64LE(32))
  const phentsize = b.readUInt16LE(54)
  const phnum = b.readUInt16LE(56)
  for (let i = 0; i < phnum; i++) {
    if (b.readUInt32LE(phoff + i * phentsize) === 3) return false // PT_INTERP: dynamic
  }
  return true
}

/**
 * Logs in to the stack's registry in a private client config, builds `context` and pushes it
 * as `ref` (`docker buildx build --provenance=false [args] --output type=image,name=ref,push=true`,
 * OCI media types on request), and removes the config again.
 */
export async function buildAndPush(
  env: E2EEnv,
  context: string,
  ref: string,
  args: string[] = [],
  opts: { ociMediaTypes?: boolean } = {}
): Promise<void> {
  const configDir = mkdtempSync(join(tmpdir(), 'ghcr-e2e-docker-config-'))
  try {
    const login = await docker(
      env,
      configDir,
      ['login', env.E2E_REGISTRY, '--username', env.E2E_USER, '--password-stdin'],
      env.E2E_PASSWORD
    )
    if (login.code !== 0) throw new Error(`docker login failed:\n${login.output}`)
    const build = await docker(env, configDir, [
      'buildx',
      'build',
      '--provenance=false',
      ...args,
      '--output',
      `type=image,name=${ref},push=true${opts.ociMediaTypes ? ',oci-mediatypes=true' : ''}`,
      context
    ])
    if (build.code !== 0) throw new Error(`building ${ref} failed:\n${build.output}`)
  } finally {
    rmSync(configDir, { recursive: true, force: true })
  }
}

/**
 * Builds `FROM scratch` + busybox (+ its applet links in /bin) and pushes it as
 * `<registry>/base/busybox:1`; returns that reference. Call once per test file (beforeAll).
 */
export async function pushBusyboxBase(env: E2EEnv): Promise<string> {
  if (!existsSync(BUSYBOX) || !isStaticElf(BUSYBOX)) {
    throw new Error(
      `${BUSYBOX} is missing or not statically linked: install busybox-static (scripts/e2e-env.sh install does)`
    )
  }
  const ref = `${env.E2E_REGISTRY}/base/busybox:1`
  const context = mkdtempSync(join(tmpdir(), 'ghcr-e2e-base-'))
  try {
    copyFileSync(BUSYBOX, join(context, 'busybox'))
    writeFileSync(
      join(context, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
    )
    await buildAndPush(env, context, ref, ['--network', 'none'])
    return ref
  } finally {
    rmSync(context, { recursive: true, force: true })
  }
}

/** `docker builder prune -af` on the stack's engine: the next build starts with no local cache. */
export async function pruneBuildCache(env: E2EEnv): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ghcr-e2e-prune-'))
  try {
    const res = await docker(env, dir, ['builder', 'prune', '-af'])
    if (res.code !== 0) throw new Error(`docker builder prune failed:\n${res.output}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The base image `scripts/e2e-env.sh start` loads into the engine (E2E_BASE_IMAGE,
 * `gbp-e2e/busybox:1`): busybox with its applet links, for linux/amd64 (the host's
 * busybox-static) and, on the containerd engine (trixie), linux/arm64 (Debian's arm64
 * busybox-static) as well (E2E_BASE_PLATFORMS). `FROM` it in a test Dockerfile built with the
 * docker driver (the engine's own store is read; never `--pull`). A `RUN` step on linux/arm64
 * needs the QEMU stand-in registered (see emulation.ts).
 */
export function baseImage(env: E2EEnv): string {
  if (!env.E2E_BASE_IMAGE) {
    throw new Error('E2E_BASE_IMAGE is empty: run scripts/e2e-env.sh install (amd64 only)')
  }
  return env.E2E_BASE_IMAGE
}

/**
 * Pushes the base image to a registry as `ref` (an image index with every platform the engine
 * holds), for builders that cannot read the engine's store. `login` defaults to the stack's
 * registry credentials.
 */
export async function pushBaseImage(
  env: E2EEnv,
  ref: string,
  login: { registry: string; username: string; password: string } = {
    registry: env.E2E_REGISTRY,
    username: env.E2E_USER,
    password: env.E2E_PASSWORD
  }
): Promise<void> {
  const configDir = mkdtempSync(join(tmpdir(), 'ghcr-e2e-docker-config-'))
  try {
    const steps: [string[], string?][] = [
      [['login', login.registry, '--username', login.username, '--password-stdin'], login.password],
      [['tag', baseImage(env), ref]],
      [['push', ref]]
    ]
    for (const [args, input] of steps) {
      const res = await docker(env, configDir, args, input)
      if (res.code !== 0) throw new Error(`docker ${args[0]} failed:\n${res.output}`)
    }
  } finally {
    rmSync(configDir, { recursive: true, force: true })
  }
}
