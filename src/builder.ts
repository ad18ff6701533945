// The builder's effects: QEMU emulators registered, a temporary docker-container builder created,
// started and removed. Every command goes through the exec seam (docker.ts's private config);
// what to do is decided in builder-choice.ts.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BuildOn, BuilderFacts } from './build-command.js'
import {
  bootstrapArgv,
  chooseBuilder,
  createArgv,
  emulationFor,
  qemuInstallArgv,
  removeArgv,
  type BuilderSetup
} from './builder-choice.js'
import { errorLine } from './diagnose.js'
import { withConfig } from './docker.js'
import { saidFailure, StepError, TransientError } from './errors.js'
import { runCommand } from './exec.js'
import type { Plan } from './plan.js'
import { classifyDockerOutput, withRetry } from './retry.js'
import * as core from './workflow-commands.js'

let binfmtDir = '/proc/sys/fs/binfmt_misc'

/** For tests: where binfmt_misc is read from; returns the previous directory. */
export function setBinfmtDir(dir: string): string {
  const prev = binfmtDir
  binfmtDir = dir
  return prev
}

/** The enabled binfmt_misc entries (`qemu-aarch64`, …); undefined when binfmt_misc is not mounted. */
export function registeredEmulators(): Set<string> | undefined {
  let names: string[]
  try {
    names = readdirSync(binfmtDir)
  } catch {
    return undefined
  }
  if (!names.includes('status')) return undefined
  const enabled = (name: string): boolean => {
    try {
      return readFileSync(join(binfmtDir, name), 'utf8').startsWith('enabled')
    } catch {
      return false
    }
  }
  return new Set(names.filter(n => n !== 'status' && n !== 'register' && enabled(n)))
}

/** The host part of an image reference, for the diagnosis of what its registry said. */
const hostOf = (image: string): string =>
  image.includes('/') && /[.:]|^localhost\//.test(image.split('/')[0])
    ? image.split('/')[0]
    : 'docker.io'

/** Registers the emulators `setup.emulate` needs and that are not registered yet. */
export async function registerEmulators(
  configDir: string,
  setup: BuilderSetup,
  retries: number
): Promise<void> {
  if (!setup.emulate.length) return
  const { install, reused, entries } = emulationFor(setup, registeredEmulators())
  if (reused.length) core.info(`emulators: ${reused.join(', ')} already registered, reused`)
  if (!install.length) return
  core.info(`emulators: registering ${install.join(', ')} with ${setup.qemuImage}`)
  const what = `qemu: registering the emulators for ${install.join(', ')} with ${setup.qemuImage} failed`
  const output = await retried(configDir, qemuInstallArgv(setup.qemuImage, install), retries)
  if (output !== undefined) {
    throw saidFailure('setup', hostOf(setup.qemuImage), what, output, {
      reason: `the engine could not pull or run ${setup.qemuImage}`,
      fix: 'mirror the image and set qemu-image to the copy, or register the emulators before this step (qemu: auto reuses them), or set qemu: false'
    })
  }
  const now = registeredEmulators()
  const missing = now ? entries.filter(e => !now.has(e)) : []
  if (missing.length) {
    throw new StepError(
      'setup',
      `qemu: ${setup.qemuImage} --install ${install.join(',')} ran, but ${missing.join(', ')} is not registered in ${binfmtDir}`,
      {
        fix: `use an image with setup-qemu-action's contract (docker run --rm --privileged IMAGE --install ARCHS registers binfmt_misc handlers), or register the emulators yourself and set qemu: false`
      }
    )
  }
}

/** Runs a docker command, retried while its output says the failure is transient; the last output on failure. */
async function retried(
  configDir: string,
  argv: string[],
  retries: number
): Promise<string | undefined> {
  try {
    await withRetry(
      `docker ${argv.slice(0, 2).join(' ')}`,
      async () => {
        const res = await runCommand('docker', argv, { env: withConfig(configDir) })
        if (res.code === 0) return
        const output = res.stdout + res.stderr
        if (classifyDockerOutput(output) === 'transient') throw new TransientError(output)
        throw Object.assign(new Error(errorLine(output)), { output })
      },
      { retries }
    )
    return undefined
  } catch (e) {
    const output = (e as { output?: unknown }).output
    if (typeof output !== 'string') throw e
    return output
  }
}

const PULL_FAILURE =
  /pull|manifest unknown|not found|no such host|dial tcp|lookup |connection refused|i\/o timeout|TLS handshake|toomanyrequests|Error response from daemon: Get/i

/**
 * The builder the build runs on: `chooseBuilder`'s answer, with a docker-container builder created
 * and started when it says so. `created(name)` is called as soon as the builder exists, so that
 * the caller removes it whatever happens next.
 */
export async function prepareBuilder(
  plan: Plan,
  facts: BuilderFacts | undefined,
  opts: {
    configDir: string
    workDir: string
    name: string
    retries: number
    created: (name: string) => void
  }
): Promise<BuildOn> {
  const choice = chooseBuilder(plan, facts, opts.name)
  const setup = plan.builderSetup
  if (choice.action === 'use' && !setup.emulate.length) return choice
  const title = [
    setup.emulate.length && 'Emulators',
    choice.action === 'create' && `builder ${choice.name}`
  ].filter(Boolean)
  return core.group(title.join(' and '), async () => {
    await registerEmulators(opts.configDir, setup, opts.retries)
    if (choice.action === 'create') await createBuilder(setup, choice.name, choice.reason, opts)
    return { name: choice.name, facts: choice.facts }
  })
}

/** `docker buildx create`, then its container started (which pulls its image). */
async function createBuilder(
  setup: BuilderSetup,
  name: string,
  reason: string,
  opts: { configDir: string; workDir: string; retries: number; created: (name: string) => void }
): Promise<void> {
  core.info(`builder: creating ${name} (docker-container, ${setup.image}): ${reason}`)
  let configFile: string | undefined
  if (setup.configInline) {
    configFile = join(opts.workDir, 'buildkitd.toml')
    writeFileSync(configFile, `${setup.configInline}\n`, { mode: 0o600 })
  }
  const env = withConfig(opts.configDir)
  const create = await runCommand('docker', createArgv(setup, name, configFile), { env })
  // Only recorded once it exists; its container starts with the bootstrap below.
  if (create.code === 0) opts.created(name)
  else {
    throw new StepError(
      'setup',
      `builder: docker buildx create failed: ${errorLine(create.stdout + create.stderr)}`,
      { fix: 'check driver-opts, buildkitd-flags and buildkitd-config-inline' }
    )
  }
  const output = await retried(opts.configDir, bootstrapArgv(name), opts.retries)
  if (output === undefined) return
  const pull = PULL_FAILURE.test(output)
  throw saidFailure(
    'setup',
    hostOf(setup.image),
    pull
      ? `builder: the docker-container builder cannot start: its image ${setup.image} cannot be pulled`
      : `builder: the docker-container builder ${name} did not start`,
    output,
    pull
      ? {
          reason: `the engine cannot pull ${setup.image} from this runner`,
          fix: `mirror ${setup.image} to a registry the runner reaches and pass driver-opts: image=<the copy>, or create a builder before this step and pass its name as builder`
        }
      : {
          reason: `BuildKit (${setup.image}) did not come up`,
          fix: 'check buildkitd-flags and buildkitd-config-inline; with debug logging on, the builder container log shows why'
        }
  )
}

/** Removes a builder this step created. Never throws: it warns with the command to run instead. */
export async function removeBuilder(configDir: string, name: string): Promise<void> {
  const res = await runCommand('docker', removeArgv(name), {
    env: withConfig(configDir),
    silent: true
  })
  if (res.code === 0) core.info(`builder: removed ${name}`)
  else {
    core.warning(
      `builder ${name} was not removed (${errorLine(res.stdout + res.stderr)}): remove it with docker buildx rm ${name}`
    )
  }
}
