// Docker CLI calls, all through the exec seam, all against the private DOCKER_CONFIG.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { run, type RunResult } from './exec.js'

/** Environment for every docker call: our private config dir. */
export function dockerEnv(configDir: string): Record<string, string> {
  return { DOCKER_CONFIG: configDir }
}

/**
 * Creates the private DOCKER_CONFIG. Builders, contexts and CLI plugins that the user set up
 * (e.g. with a previous setup step) stay visible through symlinks; credentials do not.
 */
export function preparePrivateConfig(configDir: string, registry: string, env = process.env): void {
  mkdirSync(configDir, { recursive: true, mode: 0o700 })
  // A config with an auth entry stops docker from picking an OS credential helper (pass,
  // secretservice, osxkeychain) on its own: the login must stay in this directory.
  const config = join(configDir, 'config.json')
  if (!existsSync(config)) {
    writeFileSync(config, JSON.stringify({ auths: { [registry]: {} } }), { mode: 0o600 })
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
): Promise<RunResult> {
  return run('docker', ['login', registry, '--username', username, '--password-stdin'], {
    input: token,
    env: dockerEnv(configDir)
  })
}

export function logout(configDir: string, registry: string): Promise<RunResult> {
  return run('docker', ['logout', registry], { env: dockerEnv(configDir), silent: true })
}

/** A `docker buildx …` command (build, imagetools create), its output shown in the log. */
export function buildx(configDir: string, argv: string[]): Promise<RunResult> {
  return run('docker', argv, { env: dockerEnv(configDir) })
}

/** Writes an image of the local store to a tar archive (`docker save -o`). */
export function save(configDir: string, ref: string, file: string): Promise<RunResult> {
  return run('docker', ['save', '--output', file, ref], { env: dockerEnv(configDir), silent: true })
}

/** The ID of the image this reference names in the engine's store, '' when there is none. */
export async function localImageId(configDir: string, ref: string): Promise<string> {
  const res = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], {
    env: dockerEnv(configDir),
    silent: true
  })
  return res.code === 0 ? res.stdout.trim() : ''
}

export function removeLocalImage(configDir: string, ref: string): Promise<RunResult> {
  return run('docker', ['image', 'rm', ref], { env: dockerEnv(configDir), silent: true })
}

/** The digest of what a reference points at (an index after a merge). */
export async function inspectDigest(configDir: string, ref: string): Promise<string> {
  const res = await run(
    'docker',
    ['buildx', 'imagetools', 'inspect', ref, '--format', '{{json .Manifest}}'],
    { env: dockerEnv(configDir), silent: true }
  )
  if (res.code !== 0) return ''
  try {
    return String((JSON.parse(res.stdout) as { digest?: string }).digest ?? '')
  } catch {
    return ''
  }
}

/**
 * What the selected builder can do. The docker driver on the classic image store builds one
 * platform and no attestations; with the containerd image store, or any other driver, it can.
 */
export async function builderLimits(
  configDir: string,
  builder: string
): Promise<{ driver: string; classicStore: boolean }> {
  const env = dockerEnv(configDir)
  const inspect = await run('docker', ['buildx', 'inspect', ...(builder ? [builder] : [])], {
    env,
    silent: true
  })
  const driver = /^Driver:\s*(\S+)/m.exec(inspect.stdout)?.[1] ?? 'unknown'
  if (driver !== 'docker') return { driver, classicStore: false }
  const info = await run('docker', ['info', '--format', '{{json .DriverStatus}}'], {
    env,
    silent: true
  })
  return { driver, classicStore: !info.stdout.includes('io.containerd.snapshotter') }
}
