// The step's secrets as effects: masked in the log before anything can print them, and written
// to the files the build mounts (docker buildx build --secret id=…,src=…).
import { mkdirSync, writeFileSync } from 'node:fs'
import type { Settings } from './inputs.js'
import type { Plan } from './plan.js'
import * as core from './workflow-commands.js'

export function maskSecrets(settings: Settings): void {
  if (settings.token) {
    core.addCredential(settings.token)
    // docker stores user:token base64-encoded; mask that form too
    core.addCredential(Buffer.from(`${settings.username}:${settings.token}`).toString('base64'))
  }
  core.addCredential(settings.githubToken)
  for (const { username, password } of settings.registryAuth.filter(e => e.password)) {
    core.addCredential(password)
    core.addCredential(Buffer.from(`${username}:${password}`).toString('base64'))
  }
  for (const s of settings.secrets) core.setSecret(s.value)
}

export function writeSecretFiles(settings: Settings, plan: Plan, dir: string): void {
  if (!plan.secretFiles.length) return
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  for (const f of plan.secretFiles) {
    const value = settings.secrets.find(s => s.id === f.id)?.value ?? ''
    writeFileSync(f.path, value, { mode: 0o600 })
  }
}
