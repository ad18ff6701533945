// What unit tests of the whole step need: the runner's files and variables for a push to `main`
// of acme/app, and answers to docker's version probes.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CommandResult } from '../../src/exec.js'

/**
 * A fresh job directory (a FROM scratch Dockerfile, empty GITHUB_OUTPUT and GITHUB_STATE files,
 * an event payload) and process.env set as the runner would, with these inputs; earlier INPUT_*
 * variables and the summary file are removed. Returns the directory and the output file.
 */
export function prepareStep(
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): { dir: string; outputFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'step-test-'))
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n')
  const outputFile = join(dir, 'output')
  for (const f of [outputFile, join(dir, 'state')]) writeFileSync(f, '')
  writeFileSync(join(dir, 'event.json'), '{"repository":{"default_branch":"main"}}')
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k]
  delete process.env.GITHUB_STEP_SUMMARY
  Object.assign(process.env, {
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: 'c'.repeat(40),
    INPUT_CONTEXT: dir,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...env
  })
  return { dir, outputFile }
}

/**
 * The version probes every run of the step makes (`docker buildx version`, and `docker version`
 * when buildx is absent), answered as a Docker with a current Buildx would.
 */
export function versionProbe(args: string[]): CommandResult | undefined {
  if (args[0] === 'version') return { code: 0, stdout: '28.2.2\n', stderr: '' }
  if (args[0] === 'buildx' && args[1] === 'version') {
    return { code: 0, stdout: 'github.com/docker/buildx v0.20.0 abcdef\n', stderr: '' }
  }
  return undefined
}

/**
 * A binfmt_misc directory as the kernel shows it, with these emulators registered and enabled
 * (`qemu-aarch64`, …); pass it to setBinfmtDir.
 */
export function binfmtDir(entries: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'binfmt-'))
  writeFileSync(join(dir, 'status'), 'enabled\n')
  writeFileSync(join(dir, 'register'), '')
  for (const e of entries) writeFileSync(join(dir, e), 'enabled\ninterpreter /usr/bin/qemu\n')
  return dir
}
