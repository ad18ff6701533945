// How the security table (security.test.ts) runs a row: the bundled dist/index.js as the runner
// runs it (__tests__/e2e/harness.ts), a fake `docker` first on PATH (fake-docker.ts), the GitHub
// API stand-in; and the invariants every row must keep (checkInvariants).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { newRunFiles, runStep, type RunFiles, type StepResult } from '../e2e/harness.js'
import type { GitHubApi } from '../servers/github-api.js'
import { fakeDocker, runnerCommands, type DockerCall } from './fake-docker.js'
import { renderGfm } from './gfm.js'

export const TOKEN = 'ghs_RegistryJobToken0123456789'
export const GH_TOKEN = 'ghs_ApiReadToken0123456789'
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
/** Every payload below marks its injected commands with this word. */
export const PWN = 'PWN'
/** Commands a run of the step may make the runner carry out (add-mask only with a credential). */
const OWN_COMMANDS = ['add-mask', 'group', 'endgroup', 'warning', 'notice', 'error', 'debug']

export interface Run {
  main: StepResult
  files: RunFiles
  cwd: string
  docker: DockerCall[]
  envFile: string
  /** The values the step was given or handed out that must never show. */
  secrets: string[]
}

export interface Row {
  inputs?: Record<string, string>
  env?: Record<string, string> | ((files: RunFiles) => Record<string, string>)
  event?: unknown
  /** The repository description the API stand-in answers. */
  description?: string
  /** What the build prints (a Dockerfile's RUN line can print anything). */
  dockerSays?: string
  /** Runs before the step, in the job's directories. */
  setup?: (cwd: string, files: RunFiles) => void
  /** Values the row adds to the ones that must never show. */
  secrets?: string[]
  check: (r: Run) => void
}

export const pushEnv = (ref = 'refs/heads/main'): Record<string, string> => ({
  GITHUB_REPOSITORY: 'acme/app',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REF: ref,
  GITHUB_SHA: SHA,
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_ACTOR: 'octo',
  GITHUB_RUN_ID: '1'
})

/** A pull request event of `event` kind for PR #7 into acme/app, its head in `headRepo`. */
export function prRow(event: string, headRepo: { full_name: string } | null, headRef = 'feature') {
  return {
    env: { ...pushEnv('refs/pull/7/merge'), GITHUB_EVENT_NAME: event, GITHUB_HEAD_REF: headRef },
    event: {
      number: 7,
      repository: { default_branch: 'main', full_name: 'acme/app' },
      pull_request: {
        number: 7,
        title: 'a title',
        head: { ref: headRef, sha: 'f'.repeat(40), repo: headRepo },
        base: { ref: 'main', sha: 'e'.repeat(40), repo: { full_name: 'acme/app' } }
      }
    }
  }
}

export async function run(api: GitHubApi, row: Row): Promise<Run> {
  const docker = fakeDocker()
  const files = newRunFiles()
  const cwd = join(files.dir, 'workspace')
  mkdirSync(cwd)
  writeFileSync(join(cwd, 'Dockerfile'), 'FROM scratch\n')
  row.setup?.(cwd, files)
  api.repos['acme/app'] = { description: row.description ?? 'an app' }
  const envFile = join(files.dir, 'github-env')
  writeFileSync(envFile, '')
  const inputs = {
    username: 'octo',
    token: TOKEN,
    'github-token': GH_TOKEN,
    preflight: 'false',
    verify: 'false',
    ...row.inputs
  }
  const { main } = await runStep({
    inputs,
    env: {
      ...pushEnv(),
      GITHUB_API_URL: api.url,
      GITHUB_ENV: envFile,
      PATH: `${docker.bin}:${process.env.PATH}`,
      ...docker.env,
      FAKE_DOCKER_SAY: row.dockerSays ?? '',
      ...(typeof row.env === 'function' ? row.env(files) : row.env)
    },
    event: row.event ?? { repository: { default_branch: 'main' } },
    cwd,
    files
  })
  const secrets = [inputs.token, inputs['github-token'], ...(row.secrets ?? [])].filter(Boolean)
  return { main, files, cwd, docker: docker.calls(), envFile, secrets }
}

const shownLog = (stdout: string): string =>
  stdout
    .split('\n')
    .filter(l => !l.startsWith('::add-mask::'))
    .join('\n')

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

/** docker's `user:token` base64 form of one of the secrets. */
const isBasicForm = (mask: string, secrets: string[]): boolean =>
  secrets.some(s => Buffer.from(mask, 'base64').toString().endsWith(`:${s}`))

export const builds = (r: Run): DockerCall[] =>
  r.docker.filter(c => c.args[0] === 'buildx' && c.args[1] === 'build')

export function checkInvariants(r: Run): void {
  const { commands, stoppedAtEnd } = runnerCommands(r.main.stdout)
  // 1. The runner carries out only the step's own commands, and is never left ignoring them.
  expect(commands.filter(c => c.name.includes('pwn') || c.data.includes(PWN))).toEqual([])
  const allowed = new Set([...OWN_COMMANDS, 'stop-commands'])
  const stopTokens = new Set(commands.filter(c => c.name === 'stop-commands').map(c => c.data))
  expect(commands.filter(c => !allowed.has(c.name) && !stopTokens.has(c.name))).toEqual([])
  const masks = commands.filter(c => c.name === 'add-mask').map(c => c.data)
  // (a `secrets` line is masked whole as well as its value)
  const ownMask = (m: string): boolean =>
    r.secrets.some(s => m.includes(s)) || isBasicForm(m, r.secrets)
  expect(masks.filter(m => !ownMask(m))).toEqual([])
  expect(stoppedAtEnd).toBe(false)
  // 7. No credential shows: log, outputs, summary, files left behind, docker's argv.
  const shown = [shownLog(r.main.stdout), r.main.stderr, JSON.stringify(r.main.outputs)]
  for (const secret of r.secrets) {
    for (const text of [...shown, r.main.summary]) expect(text).not.toContain(secret)
    for (const file of filesUnder(r.files.dir)) {
      expect(readFileSync(file, 'utf8')).not.toContain(secret)
    }
    for (const call of r.docker) expect(call.args.join(' ')).not.toContain(secret)
  }
  // 6. docker's children see no input values.
  for (const call of r.docker) {
    expect(Object.keys(call.env).filter(k => k.toUpperCase().startsWith('INPUT_'))).toEqual([])
    for (const secret of r.secrets) {
      expect(Object.values(call.env).filter(v => v.includes(secret))).toEqual([])
    }
  }
  // 4. No state is kept, nothing of the step's is left in RUNNER_TEMP.
  expect(r.main.state).toEqual({})
  expect(readdirSync(r.files.runnerTemp).filter(n => n.startsWith('ghcr-build-push-'))).toEqual(
    readdirSync(r.files.runnerTemp).filter(n => n === 'ghcr-build-push-old')
  )
  // 1. The summary renders no link but our own (the image's package page on GitHub), no image or
  // script, and its <details> stay closed.
  const html = renderGfm(r.main.summary)
  const ours =
    /<a href="https:\/\/github\.com\/(?:(?:orgs|users)\/[\w.-]+\/packages\/container\/package|[\w.-]+\/[\w.-]+\/pkgs\/container)\/[\w.%-]+">[\w.:/-]+<\/a>/g
  expect(html.replace(ours, '')).not.toMatch(/<a[\s>]|<img|<script/i)
  expect(html.split('<details>').length).toBe(html.split('</details>').length)
  // Input errors and attacks end in a message, never in a stack trace.
  expect(r.main.stdout).not.toMatch(/EISDIR|\n\s+at \S+ \(/)
}

/** The one error the step ended with (the runner shows it as the step's failure). */
export const errors = (r: Run): string[] =>
  runnerCommands(r.main.stdout)
    .commands.filter(c => c.name === 'error')
    .map(c => c.data)

/** An input error: exit 1, one error naming the input, and docker was never started. */
export function inputError(input: string, message: RegExp) {
  return (r: Run): void => {
    expect(r.main.code).toBe(1)
    expect(errors(r)).toEqual([expect.stringMatching(new RegExp(`^${input}: `))])
    expect(errors(r)[0]).toMatch(message)
    expect(r.docker).toEqual([])
  }
}

/** Not pushed, and the log says why and how to opt in. */
export function notPushed(why: RegExp) {
  return (r: Run): void => {
    expect(r.main.code).toBe(0)
    expect(builds(r)).toHaveLength(1)
    expect(builds(r)[0].args).not.toContain('--push')
    expect(r.main.outputs.pushed).toBe('false')
    const notices = runnerCommands(r.main.stdout).commands.filter(c => c.name === 'notice')
    expect(notices.map(n => n.data)).toContainEqual(expect.stringMatching(why))
    expect(notices.map(n => n.data)).toContainEqual(expect.stringContaining('push: true'))
  }
}
