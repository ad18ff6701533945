// `check-only: true` (issue 11, point 9), the whole step with docker stubbed at the exec seam and
// the registry and GitHub API at the HTTP seam: every credential check runs and is reported in
// the log and the summary, nothing is built or pushed.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { prepareStep, versionProbe } from './step-env.js'
import { setCommandRunner, type CommandResult } from '../../src/exec.js'
import { FakeRegistry } from './fake-registry.js'
import { setHttp, type HttpRequest, type HttpResponse } from '../../src/http.js'
import { runStep } from '../../src/main.js'

interface World {
  /** docker login's answer. */
  login: CommandResult
  /** The registry's answer to opening an upload (the preflight): 202 may push, 403 denied. */
  uploadStatus: 202 | 403
  /** X-OAuth-Scopes of GET /user (a classic PAT's scopes). */
  scopes?: string
  /** The registry refuses these credentials outright (401 to everything). */
  refuses?: boolean
}

const OK: CommandResult = { code: 0, stdout: 'Login Succeeded', stderr: '' }
const DENIED: CommandResult = {
  code: 1,
  stdout: '',
  stderr: 'Error response from daemon: Get "https://ghcr.io/v2/": denied: denied'
}

let commands: string[]
let requests: string[]

function world(w: World, token: string): void {
  setCommandRunner(async (_command, args) => {
    const probe = versionProbe(args)
    if (probe) return probe
    commands.push(args.slice(0, 2).join(' '))
    return args[0] === 'login' ? w.login : { code: 0, stdout: '', stderr: '' }
  })
  // the registry: Basic auth; `refuses` gives it another password (401 to everything)
  const registry = new FakeRegistry({
    auth: 'basic',
    user: 'octo',
    password: w.refuses ? 'another-password' : token,
    pushable: w.uploadStatus === 202 ? ['acme/app'] : [],
    denyMessage: 'installation not allowed to Write organization package'
  })
  setHttp(async (url: string, req: HttpRequest = {}): Promise<HttpResponse> => {
    const u = new URL(url)
    requests.push(`${req.method ?? 'GET'} ${u.pathname}`)
    // GitHub's API (a classic PAT's scopes), not the registry
    if (u.pathname === '/user') {
      return { status: 200, headers: { 'x-oauth-scopes': w.scopes ?? '' }, body: '{}' }
    }
    return registry.http(url, req)
  })
}

async function run(inputs: Record<string, string>): Promise<{ log: string; summary: string }> {
  const { dir } = prepareStep({ username: 'octo', retries: '0', 'check-only': 'true', ...inputs })
  const summaryFile = join(dir, 'summary.md')
  writeFileSync(summaryFile, '')
  process.env.GITHUB_STEP_SUMMARY = summaryFile
  const chunks: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((c: string) => (chunks.push(String(c)), true)) as typeof write
  try {
    await runStep()
  } finally {
    process.stdout.write = write
  }
  return { log: chunks.join(''), summary: readFileSync(summaryFile, 'utf8') }
}

let savedEnv: NodeJS.ProcessEnv
beforeEach(() => {
  savedEnv = { ...process.env }
  commands = []
  requests = []
})
afterEach(() => {
  process.env = savedEnv
  process.exitCode = undefined
})

const PAT = `ghp_${'x'.repeat(36)}`

// [name, token, world, exit code, the log's check lines, the summary's result cells]
const CASES: Array<[string, string, World, number | undefined, RegExp[], string[]]> = [
  [
    'a job token that may push: every check passes',
    'ghs_jobtoken',
    { login: OK, uploadStatus: 202 },
    undefined,
    [
      /^check skipped: token scopes: GITHUB_TOKEN or a GitHub App token/m,
      /^check passed: login to ghcr.io as octo: logged in$/m,
      /^check passed: push to ghcr.io\/acme\/app: octo may push/m,
      /^check-only: every credential check passed; nothing was built or pushed$/m
    ],
    ['| not checked |', '| passed | logged in |', '| passed | octo may push']
  ],
  [
    'a read-only job token: login passes, the push check fails with the fix',
    'ghs_jobtoken',
    { login: OK, uploadStatus: 403 },
    1,
    [
      /^check passed: login to ghcr.io as octo/m,
      /^check failed: preflight: octo may not push to ghcr.io\/acme\/app/m,
      /^::error::check-only: preflight: octo may not push to ghcr.io\/acme\/app.*%0Anothing was built or pushed%0Acause: .*%0Afix: add `permissions: packages: write`/m
    ],
    ['| **failed** | preflight\\: octo may not push']
  ],
  [
    'a PAT without write:packages that the registry also refuses: each failure is reported',
    PAT,
    { login: DENIED, uploadStatus: 403, scopes: 'repo, read:packages', refuses: true },
    1,
    [
      /^check failed: token: this classic personal access token lacks the write:packages scope/m,
      /^check failed: login to ghcr.io as octo failed: .*denied: denied$/m,
      /^check failed: preflight: octo may not push/m,
      /^::error::check-only: token: this classic .* \(2 more failed: see the summary\)/m
    ],
    ['0 passed, 3 failed, 0 not checked']
  ]
]

test.each(CASES)('%s', async (_name, token, w, code, logLines, cells) => {
  world(w, token)
  const { log, summary } = await run({ token })
  expect(process.exitCode).toBe(code)
  for (const line of logLines) expect(log).toMatch(line)
  for (const cell of cells) expect(summary).toContain(cell)
  // nothing was built: no Buildx probe, no build; the summary is the checks' only
  expect(commands).toEqual(['login --username'])
  expect(summary.match(/^## /gm)).toHaveLength(1)
  expect(summary).toContain('nothing was built or pushed')
  // the token was checked against the registry the way a push starts, and nothing was written
  expect(requests).toContain(w.refuses ? 'GET /v2/' : 'POST /v2/acme/app/blobs/uploads/')
  expect(requests.some(r => r.startsWith('PUT') || r.startsWith('PATCH'))).toBe(false)
})

test('check-only needs no build context: the checks run without a Dockerfile', async () => {
  world({ login: OK, uploadStatus: 202 }, 'ghs_jobtoken')
  const { dir } = prepareStep({})
  rmSync(join(dir, 'Dockerfile'))
  const { log } = await run({ token: 'ghs_jobtoken', context: dir })
  expect(process.exitCode).toBeUndefined()
  expect(log).toMatch(/^check passed: push to ghcr.io\/acme\/app/m)
})

test('check-only with dry-run: one input error, before anything is contacted', async () => {
  world({ login: OK, uploadStatus: 202 }, 'ghs_jobtoken')
  const { log } = await run({ token: 'ghs_jobtoken', 'dry-run': 'true' })
  expect(process.exitCode).toBe(1)
  expect(log).toMatch(/^::error::check-only: cannot be combined with dry-run/m)
  expect(commands).toEqual([])
  expect(requests).toEqual([])
})
