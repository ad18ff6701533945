// Docker CLI calls, all through the exec seam, all against the private DOCKER_CONFIG.
// Values from inputs go after `--` or as flag values, never where docker could read them as flags.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { BuilderFacts } from './build-command.js'
import { runCommand, type CommandResult } from './exec.js'
import { dockerConfigKey } from './image-names.js'

/** Environment for every docker call: our private config dir. */
export function withConfig(configDir: string): Record<string, string> {
  return { DOCKER_CONFIG: configDir }
}

/**
 * Creates the private DOCKER_CONFIG. Builders, contexts and CLI plugins that the user set up
 * (e.g. with a previous setup step) stay visible through symlinks; credentials do not.
 */
export function preparePrivateConfig(
  configDir: string,
  registries: string[],
  env = process.env
): void {
  mkdirSync(configDir, { recursive: true, mode: 0o700 })
  // A config with an auth entry stops docker from picking an OS credential helper (pass,
  // secretservice, osxkeychain) on its own: the login must stay in this directory.
  const config = join(configDir, 'config.json')
  if (!existsSync(config)) {
    const auths = Object.fromEntries(registries.map(r => [dockerConfigKey(r), {}]))
    writeFileSync(config, JSON.stringify({ auths }), { mode: 0o600 })
  }
  const userDir = env.DOCKER_CONFIG || join(homedir(), '.docker')
  for (const sub of ['buildx', 'contexts', 'cli-plugins']) {
    const from = join(userDir, sub)
    const to = join(configDir, sub)
    if (existsSync(from) && !existsSync(to)) symlinkSync(from, to)
  }
}

export function login(
  configDir: string,
  registry: string,
  username: string,
  token: string
): Promise<CommandResult> {
  // The registry after `--`: a value that looks like a flag stays an argument. Docker Hub is
  // named by the key its login is stored under, which every docker CLI reads the same way.
  return runCommand(
    'docker',
    ['login', '--username', username, '--password-stdin', '--', dockerConfigKey(registry)],
    {
      input: token,
      env: withConfig(configDir),
      silent: true // it runs while the plan is printed; its output is in the error when it fails
    }
  )
}

/** A `docker buildx …` command (build, imagetools create), its output shown in the log. */
export function buildx(configDir: string, argv: string[], shown?: string): Promise<CommandResult> {
  return runCommand('docker', argv, { env: withConfig(configDir), shown })
}

/** Writes an image of the local store to a tar archive (`docker save -o`). */
export function save(configDir: string, ref: string, file: string): Promise<CommandResult> {
  return runCommand('docker', ['save', '--output', file, '--', ref], {
    env: withConfig(configDir),
    silent: true
  })
}

/** The ID of the image this reference names in the engine's store, '' when there is none. */
export async function localImageId(configDir: string, ref: string): Promise<string> {
  const res = await runCommand('docker', ['image', 'inspect', '--format', '{{.Id}}', '--', ref], {
    env: withConfig(configDir),
    silent: true
  })
  return res.code === 0 ? res.stdout.trim() : ''
}

export function removeLocalImage(configDir: string, ref: string): Promise<CommandResult> {
  return runCommand('docker', ['image', 'rm', '--', ref], {
    env: withConfig(configDir),
    silent: true
  })
}

/** The digest of what a reference points at (an index after a merge). */
export async function inspectDigest(configDir: string, ref: string): Promise<string> {
  const res = await runCommand(
    'docker',
    ['buildx', 'imagetools', 'inspect', '--format', '{{json .Manifest}}', '--', ref],
    { env: withConfig(configDir), silent: true }
  )
  if (res.code !== 0) return ''
  try {
    return String((JSON.parse(res.stdout) as { digest?: string }).digest ?? '')
  } catch {
    return ''
  }
}

/**
 * What the selected builder is: its driver, and for the docker driver whether the engine keeps
 * images in the classic store (the containerd image store can do multi-platform and attestations).
 */
export async function inspectBuilder(configDir: string, builder: string): Promise<BuilderFacts> {
  const env = withConfig(configDir)
  const inspect = await runCommand(
    'docker',
    ['buildx', 'inspect', ...(builder ? ['--', builder] : [])],
    {
      env,
      silent: true
    }
  )
  const driver = /^Driver:\s*(\S+)/m.exec(inspect.stdout)?.[1] ?? 'unknown'
  if (driver !== 'docker') return { driver, classicStore: false }
  const info = await runCommand('docker', ['info', '--format', '{{json .DriverStatus}}'], {
    env,
    silent: true
  })
  return { driver, classicStore: !info.stdout.includes('io.containerd.snapshotter') }
}
