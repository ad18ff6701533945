// Runs dist/index.js exactly as the Actions runner does: INPUT_* and GITHUB_* variables, the
// GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files, an event payload file; then, if
// action.yml declares one, the post step with the saved state as STATE_* variables (today it
// declares none: main cleans up itself). Talks to the registry started by
// scripts/e2e-env.sh (its env.json path is in E2E_ENV_FILE).
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname ?? '.', '../..')
const BUNDLE = join(ROOT, 'dist', 'index.js')

export interface E2EEnv {
  DOCKER_HOST: string
  E2E_REGISTRY: string
  E2E_USER: string
  E2E_PASSWORD: string
  [key: string]: string
}

export function e2eEnv(): E2EEnv {
  const file = process.env.E2E_ENV_FILE
  if (!file) throw new Error('E2E_ENV_FILE is not set: run the e2e suite through scripts/e2e.sh')
  return JSON.parse(readFileSync(file, 'utf8')) as E2EEnv
}

/**
 * The second stack of scripts/e2e.sh: the newer engine with the containerd image store
 * (multi-platform, attestations, index annotations, registry cache). Its env.json path is in
 * E2E_TRIXIE_ENV_FILE; pass its DOCKER_HOST to runStep's env and its registry and credentials
 * as inputs.
 */
export function trixieEnv(): E2EEnv {
  const file = process.env.E2E_TRIXIE_ENV_FILE
  if (!file) {
    throw new Error('E2E_TRIXIE_ENV_FILE is not set: run the e2e suite through scripts/e2e.sh')
  }
  return JSON.parse(readFileSync(file, 'utf8')) as E2EEnv
}

export interface StepResult {
  code: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
}

export interface RunFiles {
  dir: string // the job's temp root: RUNNER_TEMP lives under it
  runnerTemp: string
}

/** Parses the runner's key<<delimiter file format (GITHUB_OUTPUT, GITHUB_STATE). */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
    out[m[1]] = value.join('\n')
  }
  return out
}

function spawnNode(
  env: Record<string, string>,
  cwd: string
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BUNDLE], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('error', reject)
    child.on('close', code => resolvePromise({ code: code ?? -1, stdout, stderr }))
  })
}

export interface StepOptions {
  inputs: Record<string, string>
  env: Record<string, string> // GITHUB_* and anything else
  event?: unknown // the event payload
  cwd: string // the workspace (build context is relative to it)
  files?: RunFiles // share RUNNER_TEMP between runs of one job
}

/** Creates a fresh set of runner files (RUNNER_TEMP etc.) for one job. */
export function newRunFiles(): RunFiles {
  const dir = mkdtempSync(join(tmpdir(), 'ghcr-e2e-job-'))
  const runnerTemp = join(dir, 'runner-temp')
  mkdirSync(runnerTemp)
  return { dir, runnerTemp }
}

/** Whether action.yml declares a post step (`runs.post`). */
const HAS_POST = /^runs:(?:\n[ \t].*)*\n[ \t]+post:/m.test(
  readFileSync(join(ROOT, 'action.yml'), 'utf8')
)

/** Runs the main step and then, when action.yml has one, the post step, like the runner. */
export async function runStep(
  opts: StepOptions
): Promise<{ main: StepResult; post?: StepResult; files: RunFiles }> {
  const files = opts.files ?? newRunFiles()
  const main = await runPhase(opts, files, 'main', {})
  const post = HAS_POST ? await runPhase(opts, files, 'post', main.state) : undefined
  return { main, post, files }
}

let counter = 0
async function runPhase(
  opts: StepOptions,
  files: RunFiles,
  phase: 'main' | 'post',
  savedState: Record<string, string>
): Promise<StepResult> {
  const tag = `${phase}-${++counter}`
  const outputFile = join(files.dir, `output-${tag}`)
  const stateFile = join(files.dir, `state-${tag}`)
  const summaryFile = join(files.dir, `summary-${tag}`)
  const eventFile = join(files.dir, `event-${tag}.json`)
  for (const f of [outputFile, stateFile, summaryFile]) writeFileSync(f, '')
  writeFileSync(eventFile, JSON.stringify(opts.event ?? {}))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    DOCKER_HOST: process.env.DOCKER_HOST ?? '',
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: files.runnerTemp,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STATE: stateFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_WORKSPACE: opts.cwd,
    ...opts.env
  }
  for (const [name, value] of Object.entries(opts.inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  for (const [name, value] of Object.entries(savedState)) env[`STATE_${name}`] = value
  const res = await spawnNode(env, opts.cwd)
  const result = {
    ...res,
    outputs: parseCommandFile(readFileSync(outputFile, 'utf8')),
    state: parseCommandFile(readFileSync(stateFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8')
  }
  recordTranscript(tag, opts.inputs, result)
  return result
}

/**
 * Keeps what a run showed (visible log, stderr, outputs, summary) and the secrets it was given,
 * for the suite-wide leak scan that scripts/e2e.sh runs after the tests
 * (scripts/scan-transcripts.mjs). Only the secret-bearing inputs are recorded as secrets.
 */
function recordTranscript(tag: string, inputs: Record<string, string>, r: StepResult): void {
  const dir = process.env.E2E_TRANSCRIPT_DIR
  if (!dir) return
  const secrets = [
    inputs.token,
    inputs.password,
    inputs['github-token'],
    ...secretValues(inputs.secrets),
    ...registryPasswords(inputs['registry-auth'])
  ].filter((s): s is string => !!s && s.length >= 6)
  const shown = [visibleLog(r.stdout), r.stderr, JSON.stringify(r.outputs), r.summary].join('\n')
  writeFileSync(
    join(dir, `${process.pid}-${tag}-${Date.now()}.json`),
    JSON.stringify({ secrets, shown })
  )
}

/** The `password:` values of a registry-auth list (plain scalars, as the tests write them). */
function registryPasswords(text: string | undefined): string[] {
  return [...(text ?? '').matchAll(/^\s*(?:-\s+)?password:\s*(\S+)\s*$/gm)].map(m => m[1])
}

function secretValues(lines: string | undefined): string[] {
  return (lines ?? '')
    .split('\n')
    .map(l => l.slice(l.indexOf('=') + 1).trim())
    .filter(Boolean)
}

/**
 * The log as the runner shows it: `::add-mask::` lines are commands the runner consumes (they
 * register the secret for masking) and never prints, so they are left out here.
 */
export function visibleLog(text: string): string {
  return text
    .split('\n')
    .filter(l => !l.startsWith('::add-mask::'))
    .join('\n')
}
