// The main step with docker stubbed at the exec seam: which commands run, in what order, and
// what reaches them. (The real engine and registry are exercised by the e2e suite.)
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setRunner, type RunOptions, type RunResult } from '../../src/exec.js'
import { setHttp, type HttpRequest, type HttpResponse } from '../../src/http.js'
import { landedRefs, run } from '../../src/main.js'

interface Call {
  command: string
  args: string[]
  opts?: RunOptions
}

const DIGEST = 'sha256:' + 'a'.repeat(64)
let calls: Call[]
let httpCalls: string[]

/** The registry's HTTP API as the preflight and verify see it: anonymous, accepts uploads. */
async function fakeRegistry(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  const method = req.method ?? 'GET'
  httpCalls.push(`${method} ${new URL(url).pathname}`)
  if (method === 'POST')
    return { status: 202, headers: { location: '/v2/acme/app/blobs/uploads/u1' }, body: '' }
  if (method === 'HEAD')
    return { status: 200, headers: { 'docker-content-digest': DIGEST }, body: '' }
  return { status: method === 'DELETE' ? 204 : 200, headers: {}, body: '' }
}
let savedEnv: NodeJS.ProcessEnv
let outputFile: string

/** A fake docker: login answers `loginResult`; build writes the metadata buildx would. */
function fakeDocker(
  loginResult: RunResult,
  buildResult: RunResult = { code: 0, stdout: '', stderr: '' }
) {
  return async (command: string, args: string[], opts?: RunOptions): Promise<RunResult> => {
    if (args[0] === 'version') return { code: 0, stdout: '28.2.2\n', stderr: '' }
    if (args[0] === 'buildx' && args[1] === 'version') {
      return { code: 0, stdout: 'github.com/docker/buildx v0.20.0 abcdef\n', stderr: '' }
    }
    calls.push({ command, args, opts })
    if (args[0] === 'login') return loginResult
    if (args[0] === 'buildx' && buildResult.code === 0) {
      const at = (flag: string) => args[args.indexOf(flag) + 1]
      writeFileSync(at('--metadata-file'), JSON.stringify({ 'containerimage.digest': DIGEST }))
      writeFileSync(at('--iidfile'), 'sha256:' + 'b'.repeat(64))
    }
    return args[0] === 'buildx' ? buildResult : { code: 0, stdout: '', stderr: '' }
  }
}

beforeEach(() => {
  savedEnv = { ...process.env }
  calls = []
  httpCalls = []
  setHttp(fakeRegistry)
  const dir = mkdtempSync(join(tmpdir(), 'main-test-'))
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n')
  outputFile = join(dir, 'output')
  writeFileSync(outputFile, '')
  writeFileSync(join(dir, 'state'), '')
  writeFileSync(join(dir, 'event.json'), JSON.stringify({ repository: { default_branch: 'main' } }))
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
    INPUT_USERNAME: 'octo',
    INPUT_TOKEN: 'secret-token-value'
  })
  delete process.env.GITHUB_STEP_SUMMARY
})

afterEach(() => {
  process.env = savedEnv
  process.exitCode = undefined
})

test('login with the token on stdin, then one buildx build that pushes; outputs set', async () => {
  setRunner(fakeDocker({ code: 0, stdout: 'Login Succeeded', stderr: '' }))
  await run()
  expect(process.exitCode).toBeUndefined()
  expect(calls.map(c => c.args[0])).toEqual(['login', 'buildx'])
  // preflight before the build (upload opened and cancelled), then every tag verified
  expect(httpCalls).toEqual([
    'GET /v2/',
    'POST /v2/acme/app/blobs/uploads/',
    'DELETE /v2/acme/app/blobs/uploads/u1',
    'GET /v2/',
    'HEAD /v2/acme/app/manifests/main',
    'HEAD /v2/acme/app/manifests/sha-ccccccc',
    'HEAD /v2/acme/app/manifests/latest'
  ])
  const [login, build] = calls
  expect(login.args).toEqual(['login', 'ghcr.io', '--username', 'octo', '--password-stdin'])
  expect(login.opts?.input).toBe('secret-token-value')
  expect(calls.flatMap(c => c.args).join(' ')).not.toContain('secret-token-value')
  expect(login.opts?.env?.DOCKER_CONFIG).toBe(build.opts?.env?.DOCKER_CONFIG)
  expect(login.opts?.env?.DOCKER_CONFIG).toContain(process.env.RUNNER_TEMP)
  expect(build.args).toContain('--push')
  const outputs = readFileSync(outputFile, 'utf8')
  expect(outputs).toContain(DIGEST)
  expect(outputs).toContain('ghcr.io/acme/app@' + DIGEST)
})

test('a failed login stops before the build and names the fix', async () => {
  setRunner(
    fakeDocker({
      code: 1,
      stdout: '',
      stderr: 'Error response from daemon: Get "https://ghcr.io/v2/": denied: denied'
    })
  )
  const log: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string) => (
    log.push(String(chunk)),
    true
  )) as typeof process.stdout.write
  try {
    await run()
  } finally {
    process.stdout.write = write
  }
  expect(process.exitCode).toBe(1)
  expect(calls.map(c => c.args[0])).toEqual(['login'])
  expect(log.join('')).toMatch(/::error::login to ghcr.io as octo failed: .*denied: denied/)
  expect(log.join('')).toMatch(/SSO/)
})

test('a failed push fails the step', async () => {
  setRunner(
    fakeDocker(
      { code: 0, stdout: '', stderr: '' },
      {
        code: 1,
        stdout: '',
        stderr:
          'ERROR: failed to push ghcr.io/acme/app:main: denied: permission_denied: write_package'
      }
    )
  )
  const write = process.stdout.write.bind(process.stdout)
  const log: string[] = []
  process.stdout.write = ((chunk: string) => (
    log.push(String(chunk)),
    true
  )) as typeof process.stdout.write
  try {
    await run()
  } finally {
    process.stdout.write = write
  }
  expect(process.exitCode).toBe(1)
  expect(log.join('')).toMatch(/Manage Actions access/)
  expect(readFileSync(outputFile, 'utf8')).not.toContain('pushed')
})

test('bad input fails before any command runs', async () => {
  setRunner(fakeDocker({ code: 0, stdout: '', stderr: '' }))
  process.env.INPUT_PUSH = 'sometimes'
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (() => true) as typeof process.stdout.write
  try {
    await run()
  } finally {
    process.stdout.write = write
  }
  expect(process.exitCode).toBe(1)
  expect(calls).toEqual([])
  expect(httpCalls).toEqual([])
})

test('a transient push failure: the local image is pushed tag by tag, each retried', async () => {
  let pushes = 0
  setRunner(async (command, args, opts) => {
    if (args[0] === 'version') return { code: 0, stdout: '28.2.2\n', stderr: '' }
    if (args[0] === 'buildx' && args[1] === 'version') {
      return { code: 0, stdout: 'github.com/docker/buildx v0.20.0 abcdef\n', stderr: '' }
    }
    calls.push({ command, args, opts })
    if (args[0] === 'buildx') {
      return { code: 1, stdout: '', stderr: 'ERROR: failed to push: 503 Service Unavailable' }
    }
    if (args[0] === 'image') return { code: 0, stdout: 'sha256:beef\n', stderr: '' }
    if (args[0] === 'push') {
      // the first docker push hits a reset, then every push works
      if (++pushes === 1) return { code: 1, stdout: '', stderr: 'read: connection reset by peer' }
      return { code: 0, stdout: `main: digest: ${DIGEST} size: 528\n`, stderr: '' }
    }
    return { code: 0, stdout: '', stderr: '' }
  })
  const write = process.stdout.write.bind(process.stdout)
  const log: string[] = []
  process.stdout.write = ((chunk: string) => (
    log.push(String(chunk)),
    true
  )) as typeof process.stdout.write
  try {
    await run()
  } finally {
    process.stdout.write = write
  }
  expect(process.exitCode).toBeUndefined()
  expect(calls.map(c => c.args.slice(0, 2).join(' '))).toEqual([
    'login ghcr.io',
    'buildx build',
    'image inspect',
    'push ghcr.io/acme/app:main',
    'push ghcr.io/acme/app:main',
    'push ghcr.io/acme/app:sha-ccccccc',
    'push ghcr.io/acme/app:latest'
  ])
  expect(log.join('')).toMatch(/retrying docker push ghcr.io\/acme\/app:main/)
  expect(readFileSync(outputFile, 'utf8')).toContain(`ghcr.io/acme/app@${DIGEST}`)
}, 20_000)

test('a failed push names the tags buildx reports as pushed', () => {
  const output = [
    '#6 pushing ghcr.io/acme/app:main with docker',
    '#6 DONE 0.1s',
    '#7 pushing ghcr.io/acme/app:latest with docker',
    '#7 ERROR: denied'
  ].join('\n')
  expect(landedRefs(output, ['ghcr.io/acme/app:main', 'ghcr.io/acme/app:latest'])).toEqual([
    'ghcr.io/acme/app:main'
  ])
})
