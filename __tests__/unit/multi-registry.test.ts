// Several registries in one build, at the exec and HTTP seams: ghcr.io with the job token and
// Docker Hub with a registry-auth entry. Docker Hub is `docker.io` in images and logins, its
// API answers on registry-1.docker.io, its tokens come from auth.docker.io, and the docker CLI
// keeps its login under https://index.docker.io/v1/. (e2e with two local registries: registries.test.ts.)
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { prepareStep, versionProbe } from './step-env.js'
import { setCommandRunner, type CommandOptions, type CommandResult } from '../../src/exec.js'
import { byHost, FakeRegistry } from './fake-registry.js'
import { setHttp, type HttpRequest, type HttpResponse } from '../../src/http.js'
import { runStep } from '../../src/main.js'

const DIGEST = 'sha256:' + 'd'.repeat(64)
const HUB_PAT = 'dckr_pat_hub-secret-value'
const REGISTRY_AUTH = `- registry: docker.io\n  username: acmebot\n  password: ${HUB_PAT}`

let http: string[]
let docker: Array<{ args: string[]; opts?: CommandOptions; config: string }>
let savedEnv: NodeJS.ProcessEnv

/** ghcr.io (anonymous, for brevity) and Docker Hub (Bearer, its tokens from auth.docker.io),
 * each request recorded as `METHOD host path [scheme]`. */
function registries(hubPassword: string): void {
  const ghcr = new FakeRegistry({ auth: 'none', anyTagAt: DIGEST })
  const hub = new FakeRegistry({
    auth: 'bearer',
    user: 'acmebot',
    password: hubPassword,
    pushable: ['acme/app'],
    anyTagAt: DIGEST,
    realm: 'https://auth.docker.io/token',
    service: 'registry.docker.io',
    refusal: { status: 401, body: '{"details":"incorrect username or password"}' }
  })
  const route = byHost({
    'ghcr.io': ghcr.http,
    'registry-1.docker.io': hub.http,
    'auth.docker.io': hub.http
  })
  setHttp(async (url: string, req: HttpRequest = {}): Promise<HttpResponse> => {
    const u = new URL(url)
    const auth = req.headers?.Authorization
    http.push(
      `${req.method ?? 'GET'} ${u.host}${u.pathname}${u.search}${auth ? ` [${auth.split(' ')[0]}]` : ''}`
    )
    return route(url, req)
  })
}

let loginsAtOnce: number
function fakeDocker(
  login: (args: string[]) => CommandResult = () => ({ code: 0, stdout: '', stderr: '' })
) {
  let active = 0
  loginsAtOnce = 0
  setCommandRunner(async (_c, args, opts) => {
    const probe = versionProbe(args)
    if (probe) return probe
    const configFile = join(opts?.env?.DOCKER_CONFIG ?? '', 'config.json')
    docker.push({ args, opts, config: readFileSync(configFile, 'utf8') })
    if (args[0] === 'login') {
      loginsAtOnce = Math.max(loginsAtOnce, ++active)
      await new Promise(resolve => setTimeout(resolve, 20)) // as long as a real login takes
      active--
      return login(args)
    }
    if (args[1] === 'build') {
      writeFileSync(
        args[args.indexOf('--metadata-file') + 1],
        JSON.stringify({ 'containerimage.digest': DIGEST })
      )
    }
    return { code: 0, stdout: '', stderr: '' }
  })
}

async function run(): Promise<string> {
  const log: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string) => (
    log.push(String(chunk)),
    true
  )) as typeof process.stdout.write
  try {
    await runStep()
  } finally {
    process.stdout.write = write
  }
  return log.join('')
}

let outputFile: string
beforeEach(() => {
  savedEnv = { ...process.env }
  http = []
  docker = []
  registries(HUB_PAT)
  outputFile = prepareStep({
    username: 'octo',
    token: 'job-token-value',
    images: 'ghcr.io/acme/app\ndocker.io/acme/app',
    'registry-auth': REGISTRY_AUTH,
    tags: 'type=raw,value=1.0\ntype=raw,value=stable'
  }).outputFile
})

afterEach(() => {
  process.env = savedEnv
  process.exitCode = undefined
})

test('ghcr.io and Docker Hub: each logged in with its own credentials, one build, every tag on both', async () => {
  fakeDocker()
  const log = await run()
  expect(log.match(/::error::.*/)?.[0]).toBeUndefined()

  const logins = docker.filter(d => d.args[0] === 'login')
  expect(logins.map(l => [l.args.at(-1), l.args[2], l.opts?.input])).toEqual([
    ['ghcr.io', 'octo', 'job-token-value'],
    ['https://index.docker.io/v1/', 'acmebot', HUB_PAT] // the key the CLI stores Docker Hub under
  ])
  expect(loginsAtOnce).toBe(1) // one at a time: each rewrites config.json
  // The private config names both before the first login, so no credential helper is picked.
  expect(Object.keys(JSON.parse(docker[0].config).auths)).toEqual([
    'ghcr.io',
    'https://index.docker.io/v1/'
  ])
  expect(log).toContain(`::add-mask::${HUB_PAT}`)
  expect(log).not.toMatch(new RegExp(`^(?!::add-mask::).*${HUB_PAT}`, 'm'))

  // Docker Hub's API and token service, preflighted before the build, verified after it.
  const hub = http.filter(h => /docker\.io/.test(h))
  expect(hub.slice(0, 5)).toEqual([
    'GET registry-1.docker.io/v2/',
    'GET auth.docker.io/token?service=registry.docker.io&scope=repository%3Aacme%2Fapp%3Apull%2Cpush [Basic]',
    'POST registry-1.docker.io/v2/acme/app/blobs/uploads/ [Bearer]',
    'DELETE registry-1.docker.io/v2/acme/app/blobs/uploads/upload-1 [Bearer]',
    'GET registry-1.docker.io/v2/'
  ])
  expect(hub).toContain('HEAD registry-1.docker.io/v2/acme/app/manifests/stable [Bearer]')
  expect(http).toContain('POST ghcr.io/v2/acme/app/blobs/uploads/')
  expect(http).toContain('HEAD ghcr.io/v2/acme/app/manifests/1.0')

  const builds = docker.filter(d => d.args[1] === 'build')
  expect(builds).toHaveLength(1)
  const tags = builds[0].args.flatMap((a, i) => (a === '--tag' ? [builds[0].args[i + 1]] : []))
  expect(tags).toEqual([
    'ghcr.io/acme/app:1.0',
    'ghcr.io/acme/app:stable',
    'docker.io/acme/app:1.0',
    'docker.io/acme/app:stable'
  ])
  const outputs = readFileSync(outputFile, 'utf8')
  expect(outputs).toContain(`ghcr.io/acme/app@${DIGEST}\ndocker.io/acme/app@${DIGEST}`)
  expect(log).toContain(`verified docker.io/acme/app:stable → ${DIGEST}`)
  expect(log).toContain('logins:  ghcr.io as octo, docker.io as acmebot')
})

test('a wrong Docker Hub password: the step fails before the build, naming docker.io; nothing built', async () => {
  registries('the-right-one')
  fakeDocker(args =>
    args.at(-1) === 'https://index.docker.io/v1/'
      ? {
          code: 1,
          stdout: '',
          stderr:
            'Error response from daemon: Get "https://registry-1.docker.io/v2/": unauthorized: incorrect username or password'
        }
      : { code: 0, stdout: '', stderr: '' }
  )
  const log = await run()
  expect(process.exitCode).toBe(1)
  expect(log).toMatch(
    /::error::login to docker\.io as acmebot failed: .*incorrect username or password/
  )
  expect(docker.some(d => d.args[1] === 'build')).toBe(false)
  expect(http.some(h => h.startsWith('PUT'))).toBe(false)
})

test('an image on a registry without credentials fails before any command, naming the image', async () => {
  process.env.INPUT_IMAGES = 'ghcr.io/acme/app\nquay.io/acme/app'
  fakeDocker()
  const log = await run()
  expect(process.exitCode).toBe(1)
  expect(log).toMatch(
    /::error::images: quay.io\/acme\/app is on quay.io, which the step has no credentials for: add quay.io to registry-auth/
  )
  expect(docker).toEqual([])
  expect(http).toEqual([])
})
