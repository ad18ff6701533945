// Buildx detection and installation with docker stubbed at the exec seam and a local HTTP
// server standing in for the GitHub release downloads. The stub behaves like the docker CLI's
// plugin lookup: `docker buildx version` runs `<DOCKER_CONFIG>/cli-plugins/docker-buildx` when
// it exists (so an installed file must really be executable), else the "system" Buildx if any.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  detectBuildx,
  dockerAvailable,
  ensureBuildx,
  type EnsureBuildxOptions
} from '../../src/buildx-install.js'
import {
  buildxPlatform,
  buildxUrl,
  checkBuildxUrl,
  compareVersions,
  DEFAULT_BUILDX_URL,
  MIN_BUILDX,
  normalizeBuildxSha256,
  normalizeBuildxVersion,
  parseBuildxVersionOutput,
  PINNED_BUILDX,
  sameRelease
} from '../../src/buildx-release.js'
import { preparePrivateConfig } from '../../src/docker.js'
import { InputError, StepError } from '../../src/errors.js'
import {
  setCommandRunner,
  type CommandOptions,
  type CommandResult,
  type CommandRunner
} from '../../src/exec.js'

/** ensureBuildx as the step calls it: with buildx-version and buildx-sha256 as inputs.ts normalizes them. */
const ensure = (opts: EnsureBuildxOptions) =>
  ensureBuildx({
    ...opts,
    version: normalizeBuildxVersion(opts.version),
    sha256: normalizeBuildxSha256(opts.sha256)
  })

// ------------------------------------------------------------------------------ pure functions

test.each([
  ['github.com/docker/buildx v0.13.1 788433953af10f2a698f5c07611dcf51fa11c527', 'v0.13.1'],
  ['github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3', '0.13.1+ds1'],
  [
    'github.com/docker/buildx v0.20.1-desktop.2 7c2359c6bf8b3331413c0fe95918fe1cfe9aa127',
    'v0.20.1-desktop.2'
  ],
  ['github.com/docker/buildx v0.37.2 abc\n', 'v0.37.2'],
  ['WARNING: something\ngithub.com/docker/buildx v0.14.0-rc1 abc', 'v0.14.0-rc1'],
  ['github.com/docker/buildx v0.0.0+unknown', 'v0.0.0+unknown'],
  ["docker: 'buildx' is not a docker command.", undefined],
  ['docker: unknown command: docker buildx', undefined],
  ['github.com/docker/buildx dev abc', undefined],
  ['', undefined]
])('parseBuildxVersionOutput(%j) = %j', (output, expected) => {
  expect(parseBuildxVersionOutput(output)).toBe(expected)
})

test.each([
  ['v0.13.1', '0.13.0', 1],
  ['0.13.1+ds1', 'v0.13.1', 0],
  ['v0.20.1-desktop.2', '0.20.1', 0],
  ['v0.12.1', MIN_BUILDX, -1],
  ['v0.9.10', 'v0.10.0', -1],
  ['v1.0.0', 'v0.99.99', 1],
  ['v0.13.0', 'v0.13.0', 0],
  ['garbage', 'v0.1.0', -1],
  ['v0.1.0', 'garbage', 1]
])('compareVersions(%s, %s) = %d', (a, b, expected) => {
  expect(compareVersions(a, b)).toBe(expected)
})

test.each([
  ['v0.13.1', '0.13.1+ds1', true],
  ['v0.20.1', 'v0.20.1-desktop.2', true],
  ['0.14.1', 'v0.14.1', true],
  ['v0.14.0-rc1', 'v0.14.0-rc1', true],
  ['v0.14.0-rc1', 'v0.14.0', false],
  ['v0.14.1', 'v0.14.2', false],
  ['v0.14.1', 'garbage', false]
])('sameRelease(%s, %s) = %s', (requested, detected, expected) => {
  expect(sameRelease(requested, detected)).toBe(expected)
})

test.each([
  ['linux', 'x64', '7', { os: 'linux', arch: 'amd64', ext: '' }],
  ['linux', 'arm64', '7', { os: 'linux', arch: 'arm64', ext: '' }],
  ['linux', 'arm', '7', { os: 'linux', arch: 'arm-v7', ext: '' }],
  ['linux', 'arm', '6', { os: 'linux', arch: 'arm-v6', ext: '' }],
  ['linux', 'ppc64', '7', { os: 'linux', arch: 'ppc64le', ext: '' }],
  ['linux', 's390x', '7', { os: 'linux', arch: 's390x', ext: '' }],
  ['linux', 'riscv64', '7', { os: 'linux', arch: 'riscv64', ext: '' }],
  ['darwin', 'arm64', '7', { os: 'darwin', arch: 'arm64', ext: '' }],
  ['win32', 'x64', '7', { os: 'windows', arch: 'amd64', ext: '.exe' }]
])('buildxPlatform(%s, %s, arm v%s)', (platform, arch, armVersion, expected) => {
  expect(buildxPlatform(platform, arch, armVersion)).toEqual(expected)
})

test('buildxPlatform refuses what Buildx does not publish', () => {
  expect(() => buildxPlatform('aix', 'ppc64')).toThrow(StepError)
  expect(() => buildxPlatform('linux', 'ia32')).toThrow(/linux\/ia32/)
})

test('buildxUrl fills the placeholders; the default is the GitHub release asset', () => {
  const linux = { os: 'linux', arch: 'amd64', ext: '' }
  expect(buildxUrl(DEFAULT_BUILDX_URL, '0.37.2', linux)).toBe(
    'https://github.com/docker/buildx/releases/download/v0.37.2/buildx-v0.37.2.linux-amd64'
  )
  expect(
    buildxUrl(DEFAULT_BUILDX_URL, 'v0.37.2', { os: 'windows', arch: 'arm64', ext: '.exe' })
  ).toBe(
    'https://github.com/docker/buildx/releases/download/v0.37.2/buildx-v0.37.2.windows-arm64.exe'
  )
  expect(
    buildxUrl('https://mirror.example/buildx/{version}/{os}/{arch}/docker-buildx', 'v0.37.2', linux)
  ).toBe('https://mirror.example/buildx/v0.37.2/linux/amd64/docker-buildx')
  expect(() => buildxUrl('https://mirror.example/{tag}', 'v0.37.2', linux)).toThrow(
    /buildx-url: unknown placeholder \{tag\}/
  )
  expect(() => buildxUrl('ftp://mirror.example/{version}', 'v0.37.2', linux)).toThrow(InputError)
  expect(() => buildxUrl('mirror/{version}', 'v0.37.2', linux)).toThrow(/buildx-url: .* not a URL/)
})

test('the pinned release is well-formed and recent enough', () => {
  expect(PINNED_BUILDX.version).toMatch(/^v\d+\.\d+\.\d+$/)
  expect(compareVersions(PINNED_BUILDX.version, MIN_BUILDX)).toBeGreaterThanOrEqual(0)
  expect(Object.keys(PINNED_BUILDX.sha256).sort()).toEqual(['linux-amd64', 'linux-arm64'])
  for (const sum of Object.values(PINNED_BUILDX.sha256)) expect(sum).toMatch(/^[0-9a-f]{64}$/)
})

// ------------------------------------------------------------------------------ fake docker

interface Call {
  command: string
  args: string[]
  opts?: CommandOptions
}
let calls: Call[]

interface FakeDocker {
  /** Version string printed by a Buildx outside DOCKER_CONFIG (a system plugin); none if unset. */
  system?: string
  /** No docker CLI on PATH: the exec seam rejects. */
  missing?: boolean
}

function fakeDocker(f: FakeDocker = {}): CommandRunner {
  return async (command: string, args: string[], opts?: CommandOptions): Promise<CommandResult> => {
    calls.push({ command, args, opts })
    if (f.missing) throw new Error(`${command}: command not found`)
    const key = args.slice(0, 2).join(' ')
    if (key === 'version --format') {
      return { code: 1, stdout: '28.2.2\n', stderr: 'Cannot connect to the Docker daemon\n' }
    }
    if (key === 'buildx version') {
      const plugin = join(
        opts?.env?.DOCKER_CONFIG ?? '/nonexistent',
        'cli-plugins',
        'docker-buildx'
      )
      if (existsSync(plugin)) {
        const stdout = execFileSync(plugin, ['buildx', 'version'], { encoding: 'utf8' })
        return { code: 0, stdout, stderr: '' }
      }
      if (f.system) {
        return { code: 0, stdout: `github.com/docker/buildx ${f.system} 0123abc\n`, stderr: '' }
      }
      return { code: 1, stdout: '', stderr: 'docker: unknown command: docker buildx\n' }
    }
    throw new Error(`unexpected docker ${args.join(' ')}`)
  }
}

/** A stand-in for a Buildx release binary: prints the version it was "built" as. */
const fakeBinary = (version: string): string =>
  `#!/bin/sh\necho "github.com/docker/buildx ${version} fakecommit"\n`
const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex')

// ------------------------------------------------------------------------------ release server

const platform = buildxPlatform()
const asset = (version: string): string => `buildx-${version}.${platform.os}-${platform.arch}`
let server: Server
let base: string
let requests: string[]

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? ''
    requests.push(path)
    const m = /^\/docker\/buildx\/releases\/download\/(v[^/]+)\/buildx-\1\.[a-z0-9-]+$/.exec(path)
    if (!m || m[1] === 'v0.99.0') {
      res.writeHead(404).end('Not Found')
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fakeBinary(m[1]))
  })
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(r => server.close(r))
})

const template = (): string =>
  `${base}/docker/buildx/releases/download/{version}/buildx-{version}.{os}-{arch}`

/** Temporary directories of this file, removed after all tests. */
const temps: string[] = []
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
})

let saved: NodeJS.ProcessEnv
let prevCommandRunner: CommandRunner
let toolCache: string
let runnerTemp: string
let configDir: string
let log: string
let realWrite: typeof process.stdout.write

beforeEach(() => {
  // the module logs through runner.ts (and tool-cache through @actions/core) to stdout
  log = ''
  realWrite = process.stdout.write
  process.stdout.write = ((chunk: string | Uint8Array) => {
    log += String(chunk)
    return true
  }) as typeof process.stdout.write
  saved = { ...process.env }
  calls = []
  requests = []
  const root = tempDir('buildx-test-')
  toolCache = join(root, 'tool-cache')
  runnerTemp = join(root, 'runner-temp')
  configDir = join(root, 'docker-config')
  mkdirSync(toolCache)
  mkdirSync(runnerTemp)
  mkdirSync(configDir)
  process.env.RUNNER_TOOL_CACHE = toolCache
  process.env.RUNNER_TEMP = runnerTemp
  prevCommandRunner = setCommandRunner(fakeDocker())
})

afterEach(() => {
  process.stdout.write = realWrite
  setCommandRunner(prevCommandRunner)
  process.env = saved
})

const pluginPath = (dir = configDir): string => join(dir, 'cli-plugins', 'docker-buildx')
const buildxCalls = (): Call[] => calls.filter(c => c.args[0] === 'buildx')

// ------------------------------------------------------------------------------ detection

test('detectBuildx runs `docker buildx version` silently with the private DOCKER_CONFIG', async () => {
  setCommandRunner(fakeDocker({ system: '0.13.1+ds1' }))
  expect(await detectBuildx(configDir)).toEqual({ version: '0.13.1+ds1' })
  expect(calls).toEqual([
    {
      command: 'docker',
      args: ['buildx', 'version'],
      opts: { env: { DOCKER_CONFIG: configDir }, silent: true }
    }
  ])
  setCommandRunner(fakeDocker())
  expect(await detectBuildx(configDir)).toBeUndefined()
})

test('dockerAvailable: the client version even with the daemon down; a clear error without docker', async () => {
  expect(await dockerAvailable(configDir)).toBe('28.2.2')
  setCommandRunner(fakeDocker({ missing: true }))
  const err = await dockerAvailable().catch((e: Error) => e)
  expect(err).toBeInstanceOf(StepError)
  expect((err as Error).message).toMatch(
    /docker CLI is not available \(docker: command not found\): install Docker or use a runner image that has it, e\.g\. ubuntu-latest/
  )
  setCommandRunner(async () => ({ code: 127, stdout: '', stderr: 'sh: docker: not found\n' }))
  await expect(dockerAvailable()).rejects.toThrow(/\(sh: docker: not found\): install Docker/)
})

test('no docker at all: ensureBuildx fails before anything else', async () => {
  setCommandRunner(fakeDocker({ missing: true }))
  await expect(ensureBuildx({ configDir })).rejects.toThrow(/install Docker or use a runner image/)
  // buildx is asked first (the common case costs one command); its absence leads to the client check
  expect(calls.map(c => c.args.join(' '))).toEqual([
    'buildx version',
    'version --format {{.Client.Version}}'
  ])
  expect(requests).toEqual([])
})

// ------------------------------------------------------------------------------ keeping the Buildx that is there

test.each([
  ['v0.20.0', ''],
  ['v0.20.0', 'latest'],
  ['0.13.1+ds1', 'v0.13.1'],
  ['v0.20.1-desktop.2', '0.20.1'],
  [MIN_BUILDX, undefined]
])('Buildx %s with buildx-version %j is used as it is', async (system, version) => {
  setCommandRunner(fakeDocker({ system }))
  const res = await ensure({
    configDir,
    version: normalizeBuildxVersion(version),
    downloadUrl: template()
  })
  expect(res).toEqual({ version: system, installed: false })
  expect(log).toContain(`using docker buildx ${system}\n`)
  expect(requests).toEqual([])
  expect(existsSync(join(configDir, 'cli-plugins'))).toBe(false)
})

// ------------------------------------------------------------------------------ installing

test('no Buildx: downloads the requested release, verifies it, caches it, installs it as a plugin', async () => {
  const version = 'v0.14.1'
  const res = await ensure({
    configDir,
    version: '0.14.1',
    downloadUrl: template(),
    sha256: sha256Of(fakeBinary(version))
  })
  expect(res).toEqual({ version, installed: true, path: pluginPath(), fromCache: false })
  expect(requests).toEqual([`/docker/buildx/releases/download/${version}/${asset(version)}`])
  // a real file (not a link into the tool cache), executable, byte for byte the download
  const st = lstatSync(pluginPath())
  expect(st.isFile()).toBe(true)
  expect(st.mode & 0o777).toBe(0o755)
  expect(readFileSync(pluginPath(), 'utf8')).toBe(fakeBinary(version))
  expect(readdirSync(join(configDir, 'cli-plugins'))).toEqual(['docker-buildx'])
  // in the tool cache, complete, and the download itself is gone from RUNNER_TEMP
  const cacheDir = join(toolCache, 'docker-buildx', '0.14.1', process.arch)
  expect(readFileSync(join(cacheDir, 'docker-buildx'), 'utf8')).toBe(fakeBinary(version))
  expect(existsSync(`${cacheDir}.complete`)).toBe(true)
  expect(readdirSync(runnerTemp)).toEqual([])
  // detected before and confirmed after
  expect(buildxCalls()).toHaveLength(2)
  expect(log).toContain('docker buildx is not installed (docker 28.2.2): installing v0.14.1\n')
  expect(log).toContain(`installed docker buildx ${version} from ${base}/`)
})

test('a second run takes the binary from the tool cache: no download', async () => {
  const version = 'v0.14.1'
  const opts = { version, downloadUrl: template(), sha256: sha256Of(fakeBinary(version)) }
  await ensure({ configDir, ...opts })
  expect(requests).toHaveLength(1)
  const second = tempDir('buildx-test-config-')
  const res = await ensure({ configDir: second, ...opts })
  expect(res).toEqual({ version, installed: true, path: pluginPath(second), fromCache: true })
  expect(requests).toHaveLength(1)
  expect(log).toContain(`installed docker buildx ${version} from the tool cache`)
  expect(readFileSync(pluginPath(second), 'utf8')).toBe(fakeBinary(version))
})

test('a tool cache entry with the wrong checksum is not trusted: downloaded again', async () => {
  const version = 'v0.14.1'
  const opts = { version, downloadUrl: template(), sha256: sha256Of(fakeBinary(version)) }
  await ensure({ configDir, ...opts })
  const cached = join(toolCache, 'docker-buildx', '0.14.1', process.arch, 'docker-buildx')
  writeFileSync(cached, '#!/bin/sh\necho tampered\n')
  const second = tempDir('buildx-test-config-')
  const res = await ensure({ configDir: second, ...opts })
  expect(res.fromCache).toBe(false)
  expect(requests).toHaveLength(2)
  expect(readFileSync(cached, 'utf8')).toBe(fakeBinary(version))
  expect(readFileSync(pluginPath(second), 'utf8')).toBe(fakeBinary(version))
})

test('a Buildx older than the minimum is replaced by the pinned release, checked against the pinned checksum', async () => {
  setCommandRunner(fakeDocker({ system: 'v0.12.1' }))
  // the local server's binary is not the real release, so the pinned checksum refuses it
  const err = await ensure({ configDir, downloadUrl: template() }).catch((e: Error) => e)
  expect(err).toBeInstanceOf(StepError)
  const pinned = PINNED_BUILDX.sha256[`${platform.os}-${platform.arch}`]
  expect((err as Error).message).toContain(`expected sha256 ${pinned}`)
  expect((err as Error).message).toContain(`got ${sha256Of(fakeBinary(PINNED_BUILDX.version))}`)
  expect(requests).toEqual([
    `/docker/buildx/releases/download/${PINNED_BUILDX.version}/${asset(PINNED_BUILDX.version)}`
  ])
})

test('buildx-sha256 overrides the pinned checksum; `latest` installs the pinned release', async () => {
  const version = PINNED_BUILDX.version
  const res = await ensure({
    configDir,
    version: 'latest',
    downloadUrl: template(),
    sha256: `sha256:${sha256Of(fakeBinary(version)).toUpperCase()}`
  })
  expect(res).toMatchObject({ version, installed: true })
})

test('a requested version that differs from the installed one is installed', async () => {
  setCommandRunner(fakeDocker({ system: 'v0.20.0' }))
  const version = 'v0.15.0'
  const res = await ensure({
    configDir,
    version,
    downloadUrl: template(),
    sha256: sha256Of(fakeBinary(version))
  })
  expect(res).toMatchObject({ version, installed: true })
})

test('a wrong checksum is refused: expected and actual in the message, nothing installed or cached', async () => {
  const version = 'v0.14.1'
  const wrong = 'f'.repeat(64)
  const err = await ensure({
    configDir,
    version,
    downloadUrl: template(),
    sha256: wrong
  }).catch((e: Error) => e)
  expect(err).toBeInstanceOf(StepError)
  const message = (err as Error).message
  expect(message).toContain(`expected sha256 ${wrong}, got ${sha256Of(fakeBinary(version))}`)
  expect(message).toMatch(/buildx-url .* buildx-sha256/)
  expect(message).not.toContain('\n')
  expect(existsSync(pluginPath())).toBe(false)
  expect(existsSync(join(toolCache, 'docker-buildx'))).toBe(false)
  expect(readdirSync(runnerTemp)).toEqual([])
})

test('a version without a known checksum is refused before downloading, naming buildx-sha256', async () => {
  const err = await ensure({ configDir, version: 'v0.14.1', downloadUrl: template() }).catch(
    (e: Error) => e
  )
  expect(err).toBeInstanceOf(InputError)
  expect((err as Error).message).toMatch(
    new RegExp(
      `^buildx-sha256 is required to install docker buildx v0\\.14\\.1 .*${asset('v0.14.1')}`
    )
  )
  expect(requests).toEqual([])
})

test('a download that fails names the URL and the inputs', async () => {
  const err = await ensure({
    configDir,
    version: 'v0.99.0',
    downloadUrl: template(),
    sha256: 'a'.repeat(64)
  }).catch((e: Error) => e)
  expect(err).toBeInstanceOf(StepError)
  expect((err as Error).message).toMatch(
    /downloading docker buildx v0\.99\.0 from http:\/\/127\.0\.0\.1:\d+\/.* failed \(Unexpected HTTP response: 404\): check buildx-version and buildx-url/
  )
})

test('an installed binary that reports another version is an error', async () => {
  // the URL serves v0.15.0 whatever version is asked for; the checksum matches that file
  const url = `${base}/docker/buildx/releases/download/v0.15.0/buildx-v0.15.0.{os}-{arch}`
  const err = await ensure({
    configDir,
    version: 'v0.14.1',
    downloadUrl: url,
    sha256: sha256Of(fakeBinary('v0.15.0'))
  }).catch((e: Error) => e)
  expect(err).toBeInstanceOf(StepError)
  expect((err as Error).message).toMatch(
    /installed docker buildx v0\.14\.1 at .* but `docker buildx version` reports v0\.15\.0/
  )
})

test('without RUNNER_TOOL_CACHE the verified download is installed directly and removed', async () => {
  delete process.env.RUNNER_TOOL_CACHE
  const version = 'v0.14.1'
  const res = await ensure({
    configDir,
    version,
    downloadUrl: template(),
    sha256: sha256Of(fakeBinary(version))
  })
  expect(res).toMatchObject({ version, installed: true, fromCache: false })
  expect(readdirSync(runnerTemp)).toEqual([])
  expect(readdirSync(toolCache)).toEqual([])
})

test.each<[{ version?: string; sha256?: string; downloadUrl?: string }, RegExp]>([
  [{ version: 'banana' }, /^buildx-version: "banana" is not a version/],
  [{ version: '0.14' }, /^buildx-version: "0.14" is not a version/],
  [{ version: 'v0.12.1' }, /^buildx-version: v0\.12\.1 is older than 0\.13\.0/],
  [{ sha256: 'abc' }, /^buildx-sha256: not a sha256 checksum/],
  [
    { version: 'v0.14.1', sha256: 'a'.repeat(64), downloadUrl: 'ftp://x/{version}' },
    /^buildx-url: ftp: is not supported/
  ]
])('input %j is refused', (opts, message) => {
  const check = (): void => {
    normalizeBuildxVersion(opts.version)
    normalizeBuildxSha256(opts.sha256)
    checkBuildxUrl(opts.downloadUrl ?? '')
  }
  expect(check).toThrow(InputError)
  expect(check).toThrow(message)
})

test.each([
  ['', ''],
  ['latest', ''],
  ['LATEST', ''],
  ['0.14.1', 'v0.14.1'],
  ['v0.14.0-rc1', 'v0.14.0-rc1']
])('buildx-version %j is normalized to %j', (input, expected) => {
  expect(normalizeBuildxVersion(input)).toBe(expected)
})

test('buildx-sha256 takes the sha256: prefix that checksums files and docs/buildx.md show', () => {
  expect(normalizeBuildxSha256(`sha256:${'AB'.repeat(32)}`)).toBe('ab'.repeat(32))
})

// ------------------------------------------------------------------------------ the user's cli-plugins

test("a cli-plugins symlink to the user's directory becomes our own directory; the user's stays untouched", async () => {
  const userDir = tempDir('buildx-test-user-')
  const userPlugins = join(userDir, 'cli-plugins')
  mkdirSync(userPlugins)
  writeFileSync(join(userPlugins, 'docker-compose'), '#!/bin/sh\necho compose\n', { mode: 0o755 })
  writeFileSync(join(userPlugins, 'docker-buildx'), fakeBinary('v0.10.4'), { mode: 0o755 })
  const fresh = join(tempDir('buildx-test-'), 'docker-config')
  preparePrivateConfig(fresh, ['ghcr.io'], { DOCKER_CONFIG: userDir })
  expect(lstatSync(join(fresh, 'cli-plugins')).isSymbolicLink()).toBe(true)
  // through the link, the user's old Buildx is what docker finds
  expect(await detectBuildx(fresh)).toEqual({ version: 'v0.10.4' })

  const version = 'v0.14.1'
  const res = await ensure({
    configDir: fresh,
    version,
    downloadUrl: template(),
    sha256: sha256Of(fakeBinary(version))
  })
  expect(res).toMatchObject({ version, installed: true, path: pluginPath(fresh) })
  const own = join(fresh, 'cli-plugins')
  expect(lstatSync(own).isDirectory()).toBe(true)
  expect(readdirSync(own).sort()).toEqual(['docker-buildx', 'docker-compose'])
  expect(readlinkSync(join(own, 'docker-compose'))).toBe(join(userPlugins, 'docker-compose'))
  expect(lstatSync(join(own, 'docker-buildx')).isFile()).toBe(true)
  // the user's directory: same files, same contents
  expect(readdirSync(userPlugins).sort()).toEqual(['docker-buildx', 'docker-compose'])
  expect(readFileSync(join(userPlugins, 'docker-buildx'), 'utf8')).toBe(fakeBinary('v0.10.4'))
  expect(statSync(join(userPlugins, 'docker-buildx')).mode & 0o777).toBe(0o755)
})

test('a docker-buildx link inside our own cli-plugins is replaced, not written through', async () => {
  const elsewhere = join(tempDir('buildx-test-other-'), 'docker-buildx')
  writeFileSync(elsewhere, fakeBinary('v0.11.0'), { mode: 0o755 })
  mkdirSync(join(configDir, 'cli-plugins'))
  symlinkSync(elsewhere, pluginPath())
  const version = 'v0.14.1'
  await ensure({
    configDir,
    version,
    downloadUrl: template(),
    sha256: sha256Of(fakeBinary(version))
  })
  expect(lstatSync(pluginPath()).isFile()).toBe(true)
  expect(readFileSync(elsewhere, 'utf8')).toBe(fakeBinary('v0.11.0'))
})

test('a dangling cli-plugins link is replaced by an empty directory of ours', async () => {
  symlinkSync(join(tmpdir(), 'does-not-exist-buildx-test'), join(configDir, 'cli-plugins'))
  const version = 'v0.14.1'
  await ensure({
    configDir,
    version,
    downloadUrl: template(),
    sha256: sha256Of(fakeBinary(version))
  })
  expect(readdirSync(join(configDir, 'cli-plugins'))).toEqual(['docker-buildx'])
})
