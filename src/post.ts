// The post step: log out and delete the private config and temp files. It only ever warns.
import * as core from './runner.js'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import * as docker from './docker.js'
import { STATE } from './state.js'

export async function post(): Promise<void> {
  const workDir = core.getState(STATE.workDir)
  if (!workDir) return // main stopped before creating anything
  const registry = core.getState(STATE.registry)
  const configDir = join(workDir, 'docker-config')
  if (core.getState(STATE.logout) === 'false') {
    core.info(`logout: false: keeping the login in DOCKER_CONFIG=${configDir} for later steps`)
    return
  }
  try {
    if (registry && existsSync(configDir)) {
      const res = await docker.logout(configDir, registry)
      if (res.code !== 0) core.warning(`docker logout ${registry} failed: ${res.stderr.trim()}`)
    }
  } catch (e) {
    core.warning(`docker logout failed: ${(e as Error).message}`)
  }
  try {
    rmSync(workDir, { recursive: true, force: true })
    core.info(`removed ${workDir} (private docker config and build metadata)`)
  } catch (e) {
    core.warning(`could not remove ${workDir}: ${(e as Error).message}`)
  }
}
