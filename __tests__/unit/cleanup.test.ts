// The clean-up phase through the whole step (`cleanup-mode: only`), with the GitHub API and
// the registry (the shared fake) answered at the HTTP seam and docker refused at the exec seam:
// what is deleted in which order, what a refusal or failure does (a warning, the step stays
// green), and that alone it builds nothing. The real API stand-in and registry:
// __tests__/e2e/cleanup.test.ts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setCommandRunner } from '../../src/exec.js'
import { setHttp, type HttpRequest, type HttpResponse } from '../../src/http.js'
import { runStep } from '../../src/main.js'
import { byHost, FakeRegistry } from './fake-registry.js'
import { renderGfm, visible } from './gfm.js'
import { prepareStep } from './step-env.js'

const API = 'http://127.0.0.1:9'
const REG = '127.0.0.1:5'
const d = (c: string): string => `sha256:${c.repeat(64)}`
const OLD = '2020-01-01T00:00:00Z'

/** The package: `main` is an index of a and b; `pr-1` (closed) an index of c; one old untagged. */
const versions = [
  { id: 1, name: d('1'), tags: ['main'] },
  { id: 2, name: d('a'), tags: [] },
  { id: 3, name: d('b'), tags: [] },
  { id: 4, name: d('2'), tags: ['pr-1'] },
  { id: 5, name: d('c'), tags: [] },
  { id: 6, name: d('9'), tags: [] }
]
const bodies: Record<string, unknown> = {
  [d('1')]: {
    manifests: [
      { digest: d('a'), platform: { os: 'linux', architecture: 'amd64' } },
      { digest: d('b'), platform: { os: 'linux', architecture: 'arm64' } }
    ]
  },
  [d('2')]: { manifests: [{ digest: d('c'), platform: { os: 'linux', architecture: 'amd64' } }] }
}

/** The registry serves every version's manifest by digest: the indexes above, images otherwise. */
function packageRegistry(): FakeRegistry {
  const all = [...versions.map(v => v.name)]
  const registry = new FakeRegistry({
    auth: 'none',
    manifests: { 'acme/app': Object.fromEntries(all.map(digest => [digest, digest])) }
  })
  for (const digest of all) {
    registry.manifestBodies[`acme/app:${digest}`] = JSON.stringify(
      bodies[digest] ?? { config: { digest: d('f') }, layers: [] }
    )
  }
  return registry
}

let registry: FakeRegistry
let apiRequests: string[]
/** Every request, to the GitHub API stand-in and to the registry. */
const requests = (): string[] => [...apiRequests, ...registry.lines()]
let deletes: Record<number, number[]>
const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: {},
  body: JSON.stringify(body)
})

/** The GitHub API stand-in: the owner, the pull request, the package's versions, DELETE. */
async function githubApi(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  const method = req.method ?? 'GET'
  const u = new URL(url)
  apiRequests.push(`${method} ${u.pathname}`)
  if (u.pathname === '/users/acme') return json(200, { login: 'acme', type: 'Organization' })
  if (u.pathname === '/repos/acme/app/pulls/1') return json(200, { state: 'closed' })
  if (u.pathname === '/orgs/acme/packages/container/app/versions') {
    return json(
      200,
      versions.map(v => ({
        id: v.id,
        name: v.name,
        created_at: OLD,
        updated_at: OLD,
        metadata: { container: { tags: v.tags } }
      }))
    )
  }
  const id = Number(/\/versions\/(\d+)$/.exec(u.pathname)?.[1])
  if (method === 'DELETE' && id) {
    const answer = deletes[id]?.shift() ?? 204
    return answer === 204
      ? { status: 204, headers: {}, body: '' }
      : json(answer, {
          message: answer === 403 ? 'Resource not accessible by integration' : 'Server Error'
        })
  }
  return json(404, { message: 'Not Found' })
}

let saved: NodeJS.ProcessEnv
let outputFile = ''
let dir = ''
let docker: string[]

beforeEach(() => {
  saved = { ...process.env }
  registry = packageRegistry()
  apiRequests = []
  deletes = {}
  docker = []
  setHttp(byHost({ [REG]: registry.http, [new URL(API).host]: githubApi }))
  setCommandRunner(async (command, args) => {
    docker.push([command, ...args].join(' '))
    return { code: 1, stdout: '', stderr: 'no docker in this test' }
  })
  ;({ outputFile, dir } = prepareStep(
    {
      registry: REG,
      images: `${REG}/acme/app`,
      username: 'octo',
      token: 'ghs_jobtoken0123456789',
      retries: '1',
      'cleanup-mode': 'only',
      'cleanup-untagged-older-than': '7d',
      'cleanup-closed-prs': 'true'
    },
    { GITHUB_API_URL: API, GITHUB_STEP_SUMMARY: '' }
  ))
  process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary.md')
  process.env.INPUT_CONTEXT = join(dir, 'no-checkout') // alone, nothing is built
})
afterEach(() => {
  process.env = saved
  process.exitCode = undefined
})

async function run(): Promise<string> {
  const log: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((c: string) => (log.push(String(c)), true)) as typeof process.stdout.write
  try {
    await runStep()
  } finally {
    process.stdout.write = write
  }
  return log.join('')
}
const deleted = (): number[] =>
  requests()
    .filter(r => r.startsWith('DELETE'))
    .map(r => Number(r.split('/').pop()))
const summary = (): string => readFileSync(process.env.GITHUB_STEP_SUMMARY ?? '', 'utf8')
/** The summary's table rows as GitHub shows them: the visible text of each cell. */
const rows = (): string[][] =>
  [...renderGfm(summary()).matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(r =>
    [...r[1].matchAll(/<t[dh]>([\s\S]*?)<\/t[dh]>/g)].map(c => visible(c[1]).trim())
  )
const shown = (): string => visible(renderGfm(summary())).replace(/\s+/g, ' ')

test('alone: no docker, no build; the closed PR index goes before its entry, the main index keeps its entries', async () => {
  const log = await run()
  expect(process.exitCode).toBeUndefined()
  expect(docker).toEqual([])
  expect(deleted()).toEqual([4, 6, 5])
  expect(log).toContain(`delete ${d('2')} (pr-1): pr-1: pull request #1 is closed`)
  expect(log).toMatch(
    new RegExp(
      `keep ${d('a')} \\(untagged\\): platform manifest linux/amd64 of kept sha256:1{12} \\(main\\)`
    )
  )
  expect(log).toMatch(/cleanup of 127\.0\.0\.1:5\/acme\/app: deleted 3 versions, kept 3 versions/)
  const outputs = readFileSync(outputFile, 'utf8')
  expect(outputs).toContain(
    `${REG}/acme/app@${d('2')}\n${REG}/acme/app@${d('9')}\n${REG}/acme/app@${d('c')}`
  )
  expect(outputs).toMatch(/pushed<<\S+\nfalse\n/)
  expect(shown()).toMatch(/clean-up only: nothing built or pushed/)
  expect(rows()).toContainEqual(['deleted', d('2'), 'pr-1', 'pr-1: pull request #1 is closed'])
  expect(rows()).toContainEqual([
    d('a'),
    '',
    `platform manifest linux/amd64 of kept ${d('1').slice(0, 19)} (main)`
  ])
})

test('cleanup-dry-run: lists, deletes nothing', async () => {
  process.env['INPUT_CLEANUP-DRY-RUN'] = 'true'
  const log = await run()
  expect(deleted()).toEqual([])
  expect(log).toContain(`would delete ${d('c')} (untagged): untagged, updated `)
  expect(log).toMatch(/\(dry run\): would delete 3 versions, keep 3 versions/)
  expect(shown()).toMatch(/would delete 3 versions, kept 3 versions/)
})

test('a refused deletion is said once with the fix, nothing more is tried, the step stays green', async () => {
  deletes[4] = [403]
  const log = await run()
  expect(process.exitCode).toBeUndefined()
  expect(deleted()).toEqual([4])
  const warnings = log.split('\n').filter(l => l.startsWith('::warning::'))
  expect(warnings).toHaveLength(1)
  expect(warnings[0]).toMatch(/GitHub refused to delete versions of app/)
  expect(warnings[0]).toMatch(/Admin role on the package/)
  expect(shown()).toMatch(/deleted 0 versions, 3 not deleted/)
  expect(shown()).toMatch(
    /warning: cleanup: GitHub refused .*cause: .*Admin role on the package ?fix: /
  )
})

test('an index that cannot be deleted keeps its entries; others still go; one warning lists them', async () => {
  deletes[4] = [502, 502]
  const log = await run()
  expect(process.exitCode).toBeUndefined()
  expect(deleted()).toEqual([4, 4, 6]) // 4 retried once, then given up; 5 (its entry) not tried
  const warnings = log.split('\n').filter(l => l.startsWith('::warning::'))
  expect(warnings).toHaveLength(1)
  expect(warnings[0]).toContain(
    `2 versions not deleted: ${d('2')}: DELETE ${API}/orgs/acme/packages/container/app/versions/4: HTTP 502`
  )
  expect(warnings[0]).toContain(`${d('c')}: kept: ${d('2')} refers to it and was not deleted`)
})

test('a package the token cannot see: a warning with the fix, nothing deleted, green', async () => {
  process.env.INPUT_IMAGES = `${REG}/acme/other`
  const log = await run()
  expect(process.exitCode).toBeUndefined()
  expect(deleted()).toEqual([])
  expect(log).toMatch(/::warning::cleanup of 127\.0\.0\.1:5\/acme\/other: cannot read the package/)
})

test('a registry that is not GitHub’s is skipped without asking the API', async () => {
  process.env.GITHUB_API_URL = 'https://api.github.com'
  const log = await run()
  expect(requests()).toEqual([])
  expect(log).toMatch(/skipped: 127\.0\.0\.1:5 is not GitHub's container registry/)
})
