// Docker CLI calls, all through the exec seam, all against the private DOCKER_CONFIG.
import { existsSync, mkdirSync, symlinkSync } from 'node:fs'
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
export function preparePrivateConfig(configDir: string, env = process.env): void {
  mkdirSync(configDir, { recursive: true, mode: 0o700 })
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

export function build(configDir: string, argv: string[]): Promise<RunResult> {
  return run('docker', argv, { env: dockerEnv(configDir) })
}
