// The main step with docker stubbed at the exec seam: which commands run, in what order, and
// what reaches them. (The real engine and registry are exercised by the e2e suite.)
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeRegistry } from './fake-registry.js'
import { binfmtDir, prepareStep, versionProbe } from './step-env.js'
import { setBinfmtDir } from '../../src/builder.js'
import { setCommandRunner, type CommandOptions, type CommandResult } from '../../src/exec.js'
import { setHttp, type HttpRequest, type HttpResponse } from '../../src/http.js'
import { landedRefs } from '../../src/buildx-output.js'
import { runStep as run } from '../../src/main.js'

interface Call {
  command: string
  args: string[]
  opts?: CommandOptions
}

const DIGEST = 'sha256:' + 'a'.repeat(64)
let calls: Call[]
let httpCalls: string[]

/** The registry as the preflight, verify and our own push see it: anonymous, every tag at DIGEST
 * until a push says otherwise. Its requests are recorded as `METHOD path` lines. */
let registry: FakeRegistry
async function fakeRegistry(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  httpCalls.push(`${req.method ?? 'GET'} ${new URL(url).pathname}`)
  return registry.http(url, req)
}
/** Runs the main step with stdout captured (the workflow commands it writes), line by line. */
async function runCapturingStdout(): Promise<string[]> {
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
  return log
}

let savedEnv: NodeJS.ProcessEnv
let outputFile: string

/** A fake docker: login answers `loginResult`; build writes the metadata buildx would. */
function fakeDocker(
  loginResult: CommandResult,
  buildResult: CommandResult = { code: 0, stdout: '', stderr: '' }
) {
  return async (command: string, args: string[], opts?: CommandOptions): Promise<CommandResult> => {
    const probe = versionProbe(args)
    if (probe) return probe
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
  registry = new FakeRegistry({ auth: 'none', anyTagAt: DIGEST })
  setHttp(fakeRegistry)
  outputFile = prepareStep({ username: 'octo', token: 'secret-token-value' }).outputFile
})

afterEach(() => {
  process.env = savedEnv
  process.exitCode = undefined
})

test('login with the token on stdin, then one buildx build that pushes; outputs set', async () => {
  setCommandRunner(fakeDocker({ code: 0, stdout: 'Login Succeeded', stderr: '' }))
  await run()
  expect(process.exitCode).toBeUndefined()
  expect(calls.map(c => c.args[0])).toEqual(['login', 'buildx'])
  // preflight before the build (upload opened and cancelled), then every tag verified
  expect(httpCalls).toEqual([
    'GET /v2/',
    'POST /v2/acme/app/blobs/uploads/',
    'DELETE /v2/acme/app/blobs/uploads/upload-1',
    'GET /v2/',
    'HEAD /v2/acme/app/manifests/main',
    'HEAD /v2/acme/app/manifests/sha-ccccccc',
    'HEAD /v2/acme/app/manifests/latest'
  ])
  const [login, build] = calls
  expect(login.args).toEqual(['login', '--username', 'octo', '--password-stdin', '--', 'ghcr.io'])
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
  // the registry itself also refuses these credentials (asked before calling the token bad)
  setHttp(async (url, req = {}) => {
    httpCalls.push(`${req.method ?? 'GET'} ${new URL(url).pathname}`)
    return { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' }, body: '' }
  })
  setCommandRunner(
    fakeDocker({
      code: 1,
      stdout: '',
      stderr: 'Error response from daemon: Get "https://ghcr.io/v2/": denied: denied'
    })
  )
  const log = await runCapturingStdout()
  expect(process.exitCode).toBe(1)
  expect(calls.map(c => c.args[0])).toEqual(['login'])
  expect(log.join('')).toMatch(/::error::login to ghcr.io as octo failed: .*denied: denied/)
  expect(log.join('')).toMatch(/SSO/)
})

test('a failed push fails the step', async () => {
  setCommandRunner(
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
  const log = await runCapturingStdout()
  expect(process.exitCode).toBe(1)
  expect(log.join('')).toMatch(/Manage Actions access/)
  expect(readFileSync(outputFile, 'utf8')).not.toContain('pushed')
})

test('bad input fails before any command runs', async () => {
  setCommandRunner(fakeDocker({ code: 0, stdout: '', stderr: '' }))
  process.env.INPUT_PUSH = 'sometimes'
  await runCapturingStdout()
  expect(process.exitCode).toBe(1)
  expect(calls).toEqual([])
  expect(httpCalls).toEqual([])
})

/** A `docker save`-style archive (legacy layout) made with the real tar tool. */
function saveArchive(file: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'save-'))
  mkdirSync(join(dir, 'abc'))
  writeFileSync(join(dir, 'abc', 'layer.tar'), 'pretend this is a layer tar')
  writeFileSync(join(dir, 'cfg.json'), '{"architecture":"amd64","os":"linux"}')
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify([{ Config: 'cfg.json', RepoTags: [], Layers: ['abc/layer.tar'] }])
  )
  execFileSync('tar', ['-cf', file, '-C', dir, 'manifest.json', 'cfg.json', 'abc/layer.tar'])
}

const IMAGE_ID = 'sha256:' + 'e'.repeat(64)
let localImage = IMAGE_ID

test('a transient push failure: the local image is pushed again by our client, request by request', async () => {
  localImage = IMAGE_ID
  let puts = 0
  const flakyRegistry = async (url: string, req: HttpRequest = {}): Promise<HttpResponse> => {
    // the first manifest PUT answers 503: retried on its own
    if (req.method === 'PUT' && url.includes('/manifests/') && ++puts === 1) {
      httpCalls.push(`PUT 503 ${new URL(url).pathname}`)
      return { status: 503, headers: {}, body: '' }
    }
    return fakeRegistry(url, req)
  }
  setHttp(flakyRegistry)
  setCommandRunner(async (command, args, opts) => {
    const probe = versionProbe(args)
    if (probe) return probe
    calls.push({ command, args, opts })
    if (args[0] === 'buildx') {
      const stdout = `#5 writing image ${IMAGE_ID} done\n#6 pushing ghcr.io/acme/app:main with docker\n`
      return { code: 1, stdout, stderr: 'ERROR: failed to push: 503 Service Unavailable' }
    }
    if (args[0] === 'image') return { code: 0, stdout: `${localImage}\n`, stderr: '' }
    if (args[0] === 'save') saveArchive(args[2])
    return { code: 0, stdout: '', stderr: '' }
  })
  const log = await runCapturingStdout()
  expect(log.join('').match(/::error::.*/)?.[0]).toBeUndefined()
  expect(process.exitCode).toBeUndefined()
  expect(calls.map(c => c.args.slice(0, 2).join(' '))).toEqual([
    'login --username',
    'buildx build',
    'image inspect',
    'save --output'
  ])
  // config and layer uploaded, the first manifest PUT retried, every tag at one digest
  expect(registry.blobs.size).toBe(2)
  expect(httpCalls.filter(c => c.startsWith('PUT 503'))).toHaveLength(1)
  expect(new Set(registry.pushed.values()).size).toBe(1)
  expect([...registry.pushed.keys()].sort()).toEqual([
    'acme/app:latest',
    'acme/app:main',
    'acme/app:sha-ccccccc'
  ])
  const digest = [...registry.pushed.values()][0]
  expect(readFileSync(outputFile, 'utf8')).toContain(`ghcr.io/acme/app@${digest}`)
  expect(log.join('')).toMatch(new RegExp(`verified ghcr.io/acme/app:latest → ${digest}`))
}, 20_000)

test('an image in the local store that this build did not write is never pushed instead', async () => {
  localImage = 'sha256:' + 'd'.repeat(64) // e.g. left by an earlier run under the same tag
  process.env.INPUT_RETRIES = '1'
  setCommandRunner(async (command, args, opts) => {
    const probe = versionProbe(args)
    if (probe) return probe
    calls.push({ command, args, opts })
    if (args[0] === 'buildx') {
      // this build wrote IMAGE_ID; the local tag names another image
      const stdout = `#5 writing image ${IMAGE_ID} done\n#6 pushing ghcr.io/acme/app:main with docker\n`
      return { code: 1, stdout, stderr: 'ERROR: failed to push: i/o timeout' }
    }
    if (args[0] === 'image') return { code: 0, stdout: `${localImage}\n`, stderr: '' }
    return { code: 0, stdout: '', stderr: '' }
  })
  const log = await runCapturingStdout()
  expect(process.exitCode).toBe(1)
  expect(calls.map(c => c.args.slice(0, 2).join(' '))).toEqual([
    'login --username',
    'buildx build',
    'image inspect', // the local tag names another image than the one this build wrote…
    'buildx build' // …so it is built again, never `docker save` of someone else's image
  ])
  expect(log.join('')).toMatch(/::error::the push failed after retries/)
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

test('after a proven preflight, an auth error in the push is a registry hiccup: built again, green', async () => {
  let builds = 0
  setCommandRunner(async (command, args, opts) => {
    const probe = versionProbe(args)
    if (probe) return probe
    calls.push({ command, args, opts })
    if (args[0] === 'buildx' && ++builds === 1) {
      return {
        code: 1,
        stdout: '',
        stderr: 'ERROR: failed to push: unauthorized: authentication required'
      }
    }
    return fakeDocker({ code: 0, stdout: '', stderr: '' })(command, args, opts)
  })
  const log = await runCapturingStdout()
  expect(log.join('').match(/::error::.*/)?.[0]).toBeUndefined()
  expect(builds).toBe(2)
  expect(process.exitCode).toBeUndefined()
}, 20_000)

test('without the preflight, the same auth error is the credentials: no second build', async () => {
  process.env.INPUT_PREFLIGHT = 'false'
  let builds = 0
  setCommandRunner(async (command, args, opts) => {
    const probe = versionProbe(args)
    if (probe) return probe
    calls.push({ command, args, opts })
    if (args[0] === 'buildx') {
      builds++
      return {
        code: 1,
        stdout: '',
        stderr: 'ERROR: failed to push: unauthorized: authentication required'
      }
    }
    return { code: 0, stdout: '', stderr: '' }
  })
  const log = await runCapturingStdout()
  expect(process.exitCode).toBe(1)
  expect(builds).toBe(1)
  expect(log.join('')).toMatch(/::error::the push failed: ERROR: failed to push: unauthorized/)
})

test('two platforms on driver: docker with the classic store: refused before any build', async () => {
  process.env.INPUT_PLATFORMS = 'linux/amd64,linux/arm64'
  process.env.INPUT_DRIVER = 'docker'
  setCommandRunner(async (command, args, opts) => {
    const probe = versionProbe(args)
    if (probe) return probe
    calls.push({ command, args, opts })
    if (args[0] === 'buildx' && args[1] === 'inspect') {
      return { code: 0, stdout: 'Name: default\nDriver: docker\n', stderr: '' }
    }
    if (args[0] === 'info')
      return { code: 0, stdout: '[["Backing Filesystem","extfs"]]', stderr: '' }
    return { code: 0, stdout: '', stderr: '' }
  })
  const log = await runCapturingStdout()
  expect(process.exitCode).toBe(1)
  expect(calls.some(c => c.args[0] === 'buildx' && c.args[1] === 'build')).toBe(false)
  expect(log.join('')).toMatch(
    /::error::platforms: linux\/amd64,linux\/arm64: driver: docker on Docker's classic image store cannot do this: set driver: auto/
  )
})

test('the same two platforms on the containerd image store are built', async () => {
  process.env.INPUT_PLATFORMS = 'linux/amd64,linux/arm64'
  const previous = setBinfmtDir(binfmtDir(['qemu-aarch64', 'qemu-x86_64'])) // either runner
  const docker = fakeDocker({ code: 0, stdout: '', stderr: '' })
  setCommandRunner(async (command, args, opts) => {
    if (args[0] === 'buildx' && args[1] === 'inspect') {
      return { code: 0, stdout: 'Name: default\nDriver: docker\n', stderr: '' }
    }
    if (args[0] === 'info') {
      return { code: 0, stdout: '[["driver-type","io.containerd.snapshotter.v1"]]', stderr: '' }
    }
    return docker(command, args, opts)
  })
  await runCapturingStdout()
  setBinfmtDir(previous)
  expect(process.exitCode).toBeUndefined()
  expect(calls.some(c => c.args[0] === 'buildx' && c.args[1] === 'build')).toBe(true)
  expect(calls.some(c => c.args[0] === 'run')).toBe(false) // the emulators were there
})

// On the runner `token`, `password` and `job-token` all default to the job token.
test("login-action's password as the runner passes it: the login gets it, the job token never", async () => {
  setCommandRunner(fakeDocker({ code: 0, stdout: 'Login Succeeded', stderr: '' }))
  Object.assign(process.env, {
    INPUT_TOKEN: 'ghs_job-token-value',
    'INPUT_JOB-TOKEN': 'ghs_job-token-value',
    INPUT_PASSWORD: 'hub-password-value'
  })
  const log = (await runCapturingStdout()).join('')
  expect(process.exitCode).toBeUndefined()
  const login = calls.find(c => c.args[0] === 'login')
  expect(login?.opts?.input).toBe('hub-password-value')
  expect(log).toContain('::add-mask::hub-password-value')
  expect(JSON.stringify(calls)).not.toContain('ghs_job-token-value')
})

test('an input no docker action knows: a warning naming the closest input, and the run goes on', async () => {
  setCommandRunner(fakeDocker({ code: 0, stdout: '', stderr: '' }))
  process.env.INPUT_PLATFROM = 'linux/arm64'
  const log = (await runCapturingStdout()).join('')
  expect(log).toContain(
    '::warning::platfrom: not an input of this step or of the docker actions, ignored: did you mean platforms?'
  )
  expect(process.exitCode).toBeUndefined()
  expect(calls.map(c => c.args[0])).toEqual(['login', 'buildx'])
})

test('on GitHub Enterprise Server: its Container registry, the source on its host, a PAT checked there', async () => {
  const asked: string[] = []
  setHttp(async (url, req) => (asked.push(new URL(url).host), fakeRegistry(url, req)))
  setCommandRunner(fakeDocker({ code: 0, stdout: '', stderr: '' }))
  Object.assign(process.env, {
    GITHUB_SERVER_URL: 'https://ghes.example.com',
    GITHUB_API_URL: 'https://ghes.example.com/api/v3',
    INPUT_TOKEN: 'ghp_classic-pat-value'
  })
  const log = (await runCapturingStdout()).join('')
  expect(process.exitCode).toBeUndefined()
  const [login, build] = calls
  expect(login.args.at(-1)).toBe('containers.ghes.example.com')
  expect(build.args).toContain('containers.ghes.example.com/acme/app:main')
  expect(build.args).toContain('org.opencontainers.image.source=https://ghes.example.com/acme/app')
  expect(asked[0]).toBe('ghes.example.com') // GET /user for the PAT's scopes, on this server
  expect(asked).not.toContain('api.github.com')
  expect(log).toContain('::notice::registry: this job runs on ghes.example.com')
})

test("a fork's pull request with an empty password secret: built, no login, no job token", async () => {
  setCommandRunner(fakeDocker({ code: 0, stdout: '', stderr: '' }))
  const event = {
    pull_request: {
      number: 7,
      head: { ref: 'x', sha: 'd'.repeat(40), repo: { full_name: 'someone/app' } },
      base: { ref: 'main', repo: { full_name: 'acme/app' } }
    },
    repository: { default_branch: 'main' }
  }
  writeFileSync(process.env.GITHUB_EVENT_PATH ?? '', JSON.stringify(event))
  Object.assign(process.env, {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REF: 'refs/pull/7/merge',
    INPUT_TOKEN: 'ghs_job-token-value',
    'INPUT_JOB-TOKEN': 'ghs_job-token-value',
    INPUT_PASSWORD: ''
  })
  const log = (await runCapturingStdout()).join('')
  expect(process.exitCode).toBeUndefined()
  expect(log).toContain(
    '::warning::password is empty and nothing is pushed to ghcr.io: building without a login to it'
  )
  expect(calls.map(c => c.args[0])).toEqual(['buildx'])
  expect(calls[0].args).not.toContain('--push')
})
