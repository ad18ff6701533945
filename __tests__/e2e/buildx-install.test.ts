// Installing Buildx for real: the REAL docker-buildx binary (the one scripts/e2e-env.sh installed)
// is served by a local HTTP server at a GitHub-release-like path, downloaded through
// @actions/tool-cache, verified, and installed into a private DOCKER_CONFIG; the real docker CLI
// must then run it from there.
//
// Hiding the system Buildx: the docker CLI always searches the system plugin directories
// (/usr/libexec/docker/cli-plugins and friends) after $DOCKER_CONFIG/cli-plugins, whatever the
// config says, so a DOCKER_CONFIG without Buildx is not enough. Every docker call of this test
// therefore runs in its own mount namespace (`unshare --mount`) where an empty tmpfs is mounted
// over each system plugin directory: inside it, the only Buildx the CLI can find is the one
// ensureBuildx installed. The host's mounts are never touched. The first test proves the hiding
// works (no Buildx inside the namespace, the system one outside), so nothing below can pass
// without the install.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  detectBuildx,
  ensureBuildx,
  sha256File,
  type EnsureBuildxResult
} from '../../src/buildx-install.js'
import { buildxPlatform } from '../../src/buildx-release.js'
import { StepError } from '../../src/errors.js'
import { preparePrivateConfig } from '../../src/docker.js'
import {
  runCommand,
  setCommandRunner,
  type CommandOptions,
  type CommandRunner
} from '../../src/exec.js'
import { e2eEnv } from './harness.js'

const SYSTEM_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins'
]
const HIDE_SYSTEM_PLUGINS = [
  'set -e',
  `for d in ${SYSTEM_PLUGIN_DIRS.join(' ')}; do`,
  '  if [ -d "$d" ]; then mount -t tmpfs -o size=64k,mode=755 tmpfs "$d"; fi',
  'done',
  'exec "$@"'
].join('\n')
// As root a private mount namespace is enough; otherwise a user namespace makes mounting allowed.
const UNSHARE =
  process.getuid?.() === 0
    ? ['--mount', '--propagation', 'private']
    : ['--map-root-user', '--mount', '--propagation', 'private']

let realRunner: CommandRunner
/** The exec seam, with every command run where the system Buildx does not exist. */
const hiddenRunner: CommandRunner = (command: string, args: string[], opts?: CommandOptions) =>
  realRunner('unshare', [...UNSHARE, 'sh', '-c', HIDE_SYSTEM_PLUGINS, 'sh', command, ...args], opts)

const platform = buildxPlatform()
let systemPlugin: string
let tag: string // the release tag the real binary is served as, e.g. v0.13.1
let realSha: string
let server: Server
const requests: string[] = []
let template: string
let root: string
let userDir: string
const saved = { ...process.env }

const docker = (configDir: string, ...args: string[]) =>
  runCommand('docker', args, { env: { DOCKER_CONFIG: configDir }, silent: true })

/** A private config the way main prepares it, from a user config that has one CLI plugin. */
function newConfig(name: string): string {
  const dir = join(root, name)
  preparePrivateConfig(dir, ['127.0.0.1:5000'], { DOCKER_CONFIG: userDir })
  return dir
}

beforeAll(async () => {
  const env = e2eEnv()
  process.env.DOCKER_HOST = env.DOCKER_HOST
  root = mkdtempSync(join(tmpdir(), 'buildx-e2e-'))
  process.env.RUNNER_TOOL_CACHE = join(root, 'tool-cache')
  process.env.RUNNER_TEMP = join(root, 'runner-temp')
  mkdirSync(process.env.RUNNER_TOOL_CACHE)
  mkdirSync(process.env.RUNNER_TEMP)

  // The user's own docker config: a plugin of theirs that must keep working, no Buildx.
  userDir = join(root, 'user-docker-config')
  mkdirSync(join(userDir, 'cli-plugins'), { recursive: true })
  writeFileSync(
    join(userDir, 'cli-plugins', 'docker-hello'),
    [
      '#!/bin/sh',
      'if [ "$1" = docker-cli-plugin-metadata ]; then',
      `  echo '{"SchemaVersion":"0.1.0","Vendor":"e2e","Version":"1.0.0","ShortDescription":"e2e"}'`,
      '  exit 0',
      'fi',
      'echo "hello from the user plugin"',
      ''
    ].join('\n'),
    { mode: 0o755 }
  )

  const found = SYSTEM_PLUGIN_DIRS.map(d => join(d, 'docker-buildx')).find(p => existsSync(p))
  if (!found)
    throw new Error('no system docker-buildx: run through scripts/e2e.sh (it installs one)')
  systemPlugin = found
  realSha = await sha256File(systemPlugin)
  const printed = execFileSync('docker', ['buildx', 'version'], {
    env: { ...process.env, DOCKER_CONFIG: join(root, 'empty-config') },
    encoding: 'utf8'
  })
  tag = `v${/\d+\.\d+\.\d+/.exec(printed)?.[0]}`

  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    if (
      req.url !==
      `/docker/buildx/releases/download/${tag}/buildx-${tag}.${platform.os}-${platform.arch}`
    ) {
      res.writeHead(404).end('Not Found')
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    createReadStream(systemPlugin).pipe(res)
  })
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  template = `http://127.0.0.1:${port}/docker/buildx/releases/download/{version}/buildx-{version}.{os}-{arch}`

  realRunner = setCommandRunner(hiddenRunner)
})

afterAll(async () => {
  if (realRunner) setCommandRunner(realRunner)
  process.env = saved
  if (server) {
    server.closeAllConnections()
    await new Promise(r => server.close(r))
  }
  if (root) rmSync(root, { recursive: true, force: true })
})

test('inside the test namespace the docker CLI finds no Buildx; outside it finds the system one', async () => {
  const probe = await realRunner(
    'unshare',
    [...UNSHARE, 'sh', '-c', HIDE_SYSTEM_PLUGINS, 'sh', 'true'],
    { silent: true }
  )
  if (probe.code !== 0) {
    throw new Error(
      `cannot hide the system plugin directories (unshare --mount failed: ${probe.stderr.trim()}): run the e2e suite as root`
    )
  }
  const configDir = newConfig('control')
  expect(await detectBuildx(configDir)).toBeUndefined()
  const res = await docker(configDir, 'buildx', 'version')
  expect(res.code).not.toBe(0)
  expect(res.stderr).toMatch(/buildx/)
  // the control: the same config without the namespace sees the system plugin
  setCommandRunner(realRunner)
  try {
    expect(await detectBuildx(configDir)).toEqual({
      version: expect.stringContaining(tag.slice(1))
    })
  } finally {
    setCommandRunner(hiddenRunner)
  }
})

describe('installing the real binary', () => {
  let configDir: string
  let result: EnsureBuildxResult

  beforeAll(async () => {
    configDir = newConfig('first')
    result = await ensureBuildx({ configDir, version: tag, downloadUrl: template, sha256: realSha })
  })

  test('ensureBuildx downloads the release asset once and installs it into the private config', async () => {
    const path = join(configDir, 'cli-plugins', 'docker-buildx')
    expect(result).toEqual({
      version: expect.stringContaining(tag.slice(1)),
      installed: true,
      path,
      fromCache: false
    })
    expect(requests).toEqual([
      `/docker/buildx/releases/download/${tag}/buildx-${tag}.${platform.os}-${platform.arch}`
    ])
    expect(lstatSync(path).isFile()).toBe(true)
    expect(lstatSync(path).mode & 0o777).toBe(0o755)
    expect(await sha256File(path)).toBe(realSha)
  })

  test('the docker CLI runs the installed plugin, from the private config', async () => {
    const version = await docker(configDir, 'buildx', 'version')
    expect(version.code).toBe(0)
    expect(version.stdout).toContain(`github.com/docker/buildx ${result.version}`)
    const info = await docker(configDir, 'info', '--format', '{{json .ClientInfo.Plugins}}')
    const plugins = JSON.parse(info.stdout.trim()) as Array<{ Name: string; Path: string }>
    expect(plugins.find(p => p.Name === 'buildx')?.Path).toBe(result.path)
  })

  test("the user's plugins still work and the user's directory got nothing", async () => {
    expect(lstatSync(join(configDir, 'cli-plugins')).isSymbolicLink()).toBe(false)
    const hello = await docker(configDir, 'hello')
    expect(hello.code).toBe(0)
    expect(hello.stdout).toContain('hello from the user plugin')
    expect(readdirSync(join(userDir, 'cli-plugins'))).toEqual(['docker-hello'])
  })

  test('it builds: docker buildx build with the installed plugin against the engine', async () => {
    const context = join(root, 'context')
    mkdirSync(context)
    writeFileSync(join(context, 'hello.txt'), 'buildx-install e2e\n')
    writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n')
    const metadata = join(root, 'metadata.json')
    const tagRef = `buildx-install-e2e:${Date.now()}`
    const res = await docker(
      configDir,
      'buildx',
      'build',
      '--metadata-file',
      metadata,
      '--tag',
      tagRef,
      context
    )
    expect(res.stderr).not.toMatch(/ERROR/)
    expect(res.code).toBe(0)
    // buildx wrote its metadata, and the image is in the engine
    const meta = JSON.parse(readFileSync(metadata, 'utf8')) as Record<string, unknown>
    expect(Object.keys(meta).length).toBeGreaterThan(0)
    const inspect = await docker(configDir, 'image', 'inspect', '--format', '{{.Id}}', tagRef)
    expect(inspect.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/)
    await docker(configDir, 'image', 'rm', tagRef)
  })

  test('a second job on the same runner takes it from the tool cache: no download', async () => {
    const second = newConfig('second')
    const before = requests.length
    const res = await ensureBuildx({
      configDir: second,
      version: tag,
      downloadUrl: template,
      sha256: realSha
    })
    expect(res).toMatchObject({ installed: true, fromCache: true })
    expect(requests.length).toBe(before)
    const version = await docker(second, 'buildx', 'version')
    expect(version.stdout).toContain(`github.com/docker/buildx ${res.version}`)
  })

  test('a wrong checksum is refused with both sums, and nothing is installed', async () => {
    const third = newConfig('third')
    const wrong = createHash('sha256').update('not the release').digest('hex')
    const err = await ensureBuildx({
      configDir: third,
      version: tag,
      downloadUrl: template,
      sha256: wrong
    }).catch((e: Error) => e)
    expect(err).toBeInstanceOf(StepError)
    expect((err as Error).message).toContain(`expected sha256 ${wrong}, got ${realSha}`)
    expect(existsSync(join(third, 'cli-plugins', 'docker-buildx'))).toBe(false)
    expect(await detectBuildx(third)).toBeUndefined()
    expect(readdirSync(process.env.RUNNER_TEMP ?? '')).toEqual([])
  })
})
