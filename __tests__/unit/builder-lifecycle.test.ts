// The builder's life cycle with docker stubbed at the exec seam: which builder is created, used
// and removed (after a failed build and on SIGTERM too), when QEMU is registered, and what the
// user reads when the builder image cannot be pulled. (e2e: builder.test.ts.)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { jest } from '@jest/globals'
import { FakeRegistry } from './fake-registry.js'
import { binfmtDir, prepareStep, versionProbe } from './step-env.js'
import { setBinfmtDir } from '../../src/builder.js'
import { setCommandRunner, type CommandOptions, type CommandResult } from '../../src/exec.js'
import { setHttp } from '../../src/http.js'
import { runStep } from '../../src/main.js'

const DIGEST = 'sha256:' + 'a'.repeat(64)
const OK: CommandResult = { code: 0, stdout: '', stderr: '' }

interface Docker {
  /** The classic store's docker driver, unless set. */
  driver?: string
  classic?: boolean
  build?: CommandResult
  bootstrap?: CommandResult
  /** What `docker run IMAGE --install` registers in the fake binfmt_misc (default: what it is asked). */
  registers?: (archs: string[]) => string[]
  /** Called when the build starts; may never resolve (a build the job is cancelled in). */
  onBuild?: () => Promise<void>
}

let calls: Array<{ args: string[]; opts?: CommandOptions }>
let binfmt: string
let previousBinfmt: string
let savedEnv: NodeJS.ProcessEnv

const ENTRY: Record<string, string> = {
  arm64: 'qemu-aarch64',
  riscv64: 'qemu-riscv64',
  amd64: 'qemu-x86_64'
}

function fakeDocker(d: Docker = {}) {
  setCommandRunner(async (_command, args, opts) => {
    const probe = versionProbe(args)
    if (probe) return probe
    calls.push({ args, opts })
    const [a, b] = args
    if (a === 'buildx' && b === 'inspect' && args.includes('--bootstrap')) return d.bootstrap ?? OK
    if (a === 'buildx' && b === 'inspect') {
      return { code: 0, stdout: `Name: default\nDriver: ${d.driver ?? 'docker'}\n`, stderr: '' }
    }
    if (a === 'info') {
      const store = d.classic === false ? 'io.containerd.snapshotter.v1' : 'overlay2'
      return { code: 0, stdout: `[["driver-type","${store}"]]`, stderr: '' }
    }
    if (a === 'run') {
      const archs = args[args.indexOf('--install') + 1].split(',')
      for (const arch of (d.registers ?? (x => x))(archs)) {
        writeFileSync(join(binfmt, ENTRY[arch]), 'enabled\n')
      }
      return OK
    }
    if (a === 'buildx' && b === 'build') {
      await d.onBuild?.()
      const at = (flag: string) => args[args.indexOf(flag) + 1]
      writeFileSync(at('--metadata-file'), JSON.stringify({ 'containerimage.digest': DIGEST }))
      return d.build ?? OK
    }
    return OK
  })
}

/** The docker commands as `buildx build --builder <new>`: a builder this step made is `<new>`. */
const commands = (): string[] =>
  calls.map(({ args }) => {
    const named = (x: string): string => (x.startsWith('ghcr-build-push-') ? '<new>' : x)
    const at = args.indexOf('--builder')
    if (at >= 0) return `${args[0]} ${args[1]} --builder ${named(args[at + 1])}`
    return `${args[0]} ${args[1]}${args.some(x => named(x) === '<new>') ? ' <new>' : ''}`
  })

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

beforeEach(() => {
  savedEnv = { ...process.env }
  calls = []
  binfmt = binfmtDir([])
  previousBinfmt = setBinfmtDir(binfmt)
  // anonymous, accepts the preflight, every tag at DIGEST
  setHttp(new FakeRegistry({ auth: 'none', anyTagAt: DIGEST }).http)
  prepareStep({ username: 'octo', token: 'secret-token-value' })
})

afterEach(() => {
  setBinfmtDir(previousBinfmt)
  process.env = savedEnv
  process.exitCode = undefined
})

const TWO = 'linux/amd64,linux/arm64'
const FOREIGN = process.arch === 'arm64' ? 'amd64' : 'arm64'

test('two platforms on the classic store: QEMU, a docker-container builder, the build on it, then removed', async () => {
  process.env.INPUT_PLATFORMS = TWO
  fakeDocker()
  const log = await run()
  expect(log.match(/::error::.*/)?.[0]).toBeUndefined()
  expect(commands()).toEqual([
    'login --username',
    'buildx inspect', // the probe: docker driver…
    'info --format', // …on the classic store
    'run --rm', // QEMU for the foreign platform
    'buildx create <new>',
    'buildx inspect --builder <new>', // started (its image pulled) before the build
    'buildx build --builder <new>',
    'buildx rm <new>'
  ])
  const name = calls.find(c => c.args[1] === 'create')!.args[3]
  expect(name).toMatch(/^ghcr-build-push-[0-9a-f]{8}$/)
  expect(calls.find(c => c.args[1] === 'rm')!.args).toEqual(['buildx', 'rm', '--', name])
  expect(calls.find(c => c.args[0] === 'run')!.args.slice(-2)).toEqual(['--install', FOREIGN])
  // every docker call reads the step's private config, where the login is
  const configs = new Set(calls.map(c => c.opts?.env?.DOCKER_CONFIG))
  expect(configs.size).toBe(1)
  expect(log).toContain(
    `builder: creating ${name} (docker-container, moby/buildkit:buildx-stable-1)`
  )
  expect(log).toContain(`builder: removed ${name}`)
})

test('a failed build: the builder is removed all the same, and the error is the build’s', async () => {
  process.env.INPUT_PLATFORMS = TWO
  process.env.INPUT_PUSH = 'false'
  fakeDocker({
    build: {
      code: 1,
      stdout: '',
      stderr: 'ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2'
    }
  })
  const log = await run()
  expect(process.exitCode).toBe(1)
  expect(log).toMatch(/::error::the build failed: process "\/bin\/sh -c make" did not complete/)
  expect(commands().slice(-2)).toEqual(['buildx build --builder <new>', 'buildx rm <new>'])
})

test('the builder image cannot be pulled: one error before the build, naming the image and the fix; removed', async () => {
  process.env.INPUT_PLATFORMS = TWO
  process.env.INPUT_RETRIES = '0'
  fakeDocker({
    bootstrap: {
      code: 1,
      stdout: '#1 [internal] booting buildkit\n#1 pulling image moby/buildkit:buildx-stable-1\n',
      stderr:
        'ERROR: Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host'
    }
  })
  const log = await run()
  expect(process.exitCode).toBe(1)
  const errors = log.match(/::error::.*/g) ?? []
  expect(errors).toHaveLength(1)
  expect(errors[0]).toMatch(
    /^::error::builder: the docker-container builder cannot start: its image moby\/buildkit:buildx-stable-1 cannot be pulled: ERROR: Error response from daemon: .*no such host/
  )
  expect(errors[0]).toContain(
    'fix: mirror moby/buildkit:buildx-stable-1 to a registry the runner reaches and pass driver-opts: image=<the copy>, or create a builder before this step and pass its name as builder'
  )
  expect(commands().some(c => c.startsWith('buildx build'))).toBe(false)
  expect(commands().at(-1)).toBe('buildx rm <new>')
})

test('driver-opts image=: the mirror is the image named when it cannot be pulled', async () => {
  process.env['INPUT_DRIVER-OPTS'] = 'image=mirror.example/moby/buildkit:v0.20'
  process.env.INPUT_RETRIES = '0'
  fakeDocker({
    bootstrap: {
      code: 1,
      stdout: '',
      stderr: 'ERROR: pull access denied for mirror.example/moby/buildkit'
    }
  })
  const log = await run()
  expect(log).toMatch(
    /::error::builder: the docker-container builder cannot start: its image mirror.example\/moby\/buildkit:v0.20 cannot be pulled/
  )
  const create = calls.find(c => c.args[1] === 'create')!.args
  expect(create).toContain('--driver-opt=image=mirror.example/moby/buildkit:v0.20')
})

test('a user-given builder is used as it is: never probed for creation, never removed', async () => {
  process.env.INPUT_PLATFORMS = TWO
  process.env.INPUT_BUILDER = 'ci-builder'
  fakeDocker({ driver: 'docker-container', classic: false })
  const log = await run()
  expect(log.match(/::error::.*/)?.[0]).toBeUndefined()
  expect(commands()).toEqual([
    'login --username',
    'buildx inspect',
    'buildx build --builder ci-builder'
  ])
  expect(calls[1].args).toEqual(['buildx', 'inspect', '--', 'ci-builder'])
})

test('a user-given builder on the classic store: refused before the build, naming the input and the fix', async () => {
  process.env['INPUT_CACHE-TO'] = 'type=gha,mode=max'
  process.env.INPUT_BUILDER = 'default'
  fakeDocker()
  const log = await run()
  expect(process.exitCode).toBe(1)
  expect(log).toMatch(
    /::error::cache-to: type=gha,mode=max: the builder "default" uses the docker driver on Docker's classic image store, which cannot do this: leave builder empty and the step creates a docker-container builder/
  )
  expect(commands().filter(c => /^buildx (build|create|rm)/.test(c))).toEqual([])
})

test('driver: docker-container with buildkitd-config-inline: the config reaches the builder as a file in the private directory, removed at the end', async () => {
  process.env.INPUT_DRIVER = 'docker-container'
  process.env['INPUT_BUILDKITD-CONFIG-INLINE'] =
    '[registry."docker.io"]\n  mirrors = ["mirror.example"]'
  let file = ''
  let seen = ''
  fakeDocker({
    onBuild: async () => {
      const create = calls.find(c => c.args[1] === 'create')!.args
      file = create[create.indexOf('--buildkitd-config') + 1]
      seen = readFileSync(file, 'utf8')
    }
  })
  const log = await run()
  expect(log.match(/::error::.*/)?.[0]).toBeUndefined()
  expect(file.startsWith(process.env.RUNNER_TEMP!)).toBe(true)
  expect(seen).toContain('mirrors = ["mirror.example"]')
  expect(existsSync(file)).toBe(false)
  expect(commands()).toEqual([
    'login --username', // no probe: this builder is created whatever the current one is
    'buildx create <new>',
    'buildx inspect --builder <new>',
    'buildx build --builder <new>',
    'buildx rm <new>'
  ])
})

describe('QEMU only when needed, never twice', () => {
  test.each([
    [
      'one native platform',
      { platforms: process.arch === 'arm64' ? 'linux/arm64' : 'linux/amd64' },
      [],
      false
    ],
    ['a foreign platform, no emulator yet', { platforms: `linux/${FOREIGN}` }, [], true],
    [
      'a foreign platform, its emulator registered',
      { platforms: `linux/${FOREIGN}` },
      [ENTRY[FOREIGN]],
      false
    ],
    ['qemu: false', { platforms: `linux/${FOREIGN}`, qemu: 'false' }, [], false]
  ])('%s', async (_n, inputs, registered, installed) => {
    for (const [k, v] of Object.entries(inputs)) process.env[`INPUT_${k.toUpperCase()}`] = v
    for (const e of registered) writeFileSync(join(binfmt, e), 'enabled\n')
    fakeDocker()
    const log = await run()
    expect(log.match(/::error::.*/)?.[0]).toBeUndefined()
    expect(commands().includes('run --rm')).toBe(installed)
    if (registered.length) expect(log).toContain(`emulators: ${FOREIGN} already registered, reused`)
  })

  test('run twice in one job: the second run reuses what the first registered', async () => {
    process.env.INPUT_PLATFORMS = `linux/${FOREIGN}`
    fakeDocker()
    await run()
    await run()
    expect(commands().filter(c => c === 'run --rm')).toHaveLength(1)
  })

  test('an image that registers nothing: a setup error naming the missing handler', async () => {
    process.env.INPUT_PLATFORMS = `linux/${FOREIGN}`
    process.env['INPUT_QEMU-IMAGE'] = 'mirror.example/binfmt:broken'
    fakeDocker({ registers: () => [] })
    const log = await run()
    expect(process.exitCode).toBe(1)
    expect(log).toMatch(
      new RegExp(
        `::error::qemu: mirror.example/binfmt:broken --install ${FOREIGN} ran, but ${ENTRY[FOREIGN]} is not registered in `
      )
    )
    expect(commands().some(c => c.startsWith('buildx build'))).toBe(false)
  })
})

test('SIGTERM during the build (a cancelled job): the builder and the private directory are gone before the process exits', async () => {
  process.env.INPUT_PLATFORMS = TWO
  let building: () => void = () => undefined
  const started = new Promise<void>(resolve => (building = resolve))
  fakeDocker({
    onBuild: () => {
      building()
      return new Promise(() => undefined) // never ends: the job is cancelled meanwhile
    }
  })
  let exited: (code: number) => void = () => undefined
  const exit = new Promise<number>(resolve => (exited = resolve))
  const spy = jest.spyOn(process, 'exit').mockImplementation(((code: number) => {
    exited(code)
    return undefined as never
  }) as typeof process.exit)
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (() => true) as typeof process.stdout.write
  try {
    void runStep() // never returns: its build never ends
    await started
    process.emit('SIGTERM', 'SIGTERM')
    expect(await exit).toBe(143)
  } finally {
    process.stdout.write = write
    spy.mockRestore()
  }
  expect(commands().at(-1)).toBe('buildx rm <new>')
  const left = readdirSync(process.env.RUNNER_TEMP!).filter(n => n.startsWith('ghcr-build-push-'))
  expect(left).toEqual([])
})
