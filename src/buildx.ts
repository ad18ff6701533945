// Docker Buildx: find the CLI plugin that the docker CLI runs with our private DOCKER_CONFIG and,
// when it is missing or too old, install a checksum-verified release into that config's
// cli-plugins directory, through the runner's tool cache. Every docker call goes through the exec
// seam; @actions/tool-cache is loaded only when something has to be installed.
import { createHash, randomUUID } from 'node:crypto'
import {
  chmodSync,
  constants as fsConstants,
  copyFileSync,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  type Stats
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { InputError } from './errors.js'
import { run, type RunResult } from './exec.js'
import * as core from './runner.js'

/**
 * The oldest Buildx this action runs. The build needs `--annotation` with level prefixes
 * (`index:`, `manifest:`; Buildx 0.12.0) besides `--metadata-file`, `--provenance` and `--sbom`
 * (older). 0.13 is the oldest release the e2e suite runs (Debian's docker-buildx 0.13.1), so we
 * claim only what we test. See docs/buildx.md.
 */
export const MIN_BUILDX = '0.13.0'

/**
 * The release installed when nothing usable is found and `buildx-version` is empty or `latest`,
 * with the sha256 of its assets as published in the release's checksums.txt.
 */
export const PINNED_BUILDX: {
  readonly version: string
  readonly sha256: Readonly<Record<string, string>>
} = {
  version: 'v0.37.2',
  sha256: {
    'linux-amd64': '982ca20490b45ed1ec8d99795974d3d874a358f75938c9c237305010e6b7e548',
    'linux-arm64': 'efa38cb7aa7db2dbb9ad049b00b0a9737f66f033626177b5a4e845184ad7ab29'
  }
}

/** Where releases are downloaded from; `{version}` is the tag (`v0.37.2`). */
export const DEFAULT_BUILDX_URL =
  'https://github.com/docker/buildx/releases/download/{version}/buildx-{version}.{os}-{arch}'

/** The tool-cache name of the plugin binary. */
export const BUILDX_TOOL = 'docker-buildx'

/** A failure to find Docker or install Buildx; `message` is one line that says what to do. */
export class BuildxError extends Error {
  override name = 'BuildxError'
}

// ---------------------------------------------------------------------------------- versions

interface Version {
  core: [number, number, number]
  suffix: string // '-rc1', '+ds1', '-desktop.2', ''
}

const VERSION_RE = /^v?(\d+)\.(\d+)\.(\d+)((?:[-+][0-9A-Za-z.+~-]*)?)$/

function parseVersion(text: string): Version | undefined {
  const m = VERSION_RE.exec(text.trim())
  if (!m) return undefined
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], suffix: m[4] }
}

/**
 * The version token of `docker buildx version` output, as printed: `v0.13.1` (release builds),
 * `0.13.1+ds1` (Debian), `v0.20.1-desktop.2` (Docker Desktop). undefined when there is none.
 */
export function parseBuildxVersionOutput(output: string): string | undefined {
  for (const line of output.split(/\r?\n/)) {
    const words = line.trim().split(/\s+/)
    const at = words.findIndex(w => /(^|\/)buildx$/.test(w))
    if (at >= 0 && at + 1 < words.length && parseVersion(words[at + 1])) return words[at + 1]
  }
  return undefined
}

/**
 * Compares the numeric cores (major.minor.patch) of two versions; suffixes are ignored, so
 * `0.13.1+ds1` == `v0.13.1` and `v0.20.1-desktop.2` == `0.20.1`. Unparsable sorts lowest.
 */
export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a)
  const vb = parseVersion(b)
  if (!va || !vb) return (va ? 1 : 0) - (vb ? 1 : 0)
  for (let i = 0; i < 3; i++) {
    if (va.core[i] !== vb.core[i]) return va.core[i] < vb.core[i] ? -1 : 1
  }
  return 0
}

/**
 * Whether a detected Buildx is the requested release: same numbers; a requested suffix
 * (`v0.14.0-rc1`) must match exactly, a packaging suffix on the detected one (`+ds1`) is fine.
 */
export function sameRelease(requested: string, detected: string): boolean {
  const r = parseVersion(requested)
  const d = parseVersion(detected)
  if (!r || !d || compareVersions(requested, detected) !== 0) return false
  return r.suffix === '' || r.suffix === d.suffix
}

/** `0.13.1` / `v0.13.1` -> `v0.13.1` (release tags carry the `v`). */
function tagOf(version: string): string {
  return version.startsWith('v') ? version : `v${version}`
}

// ---------------------------------------------------------------------------------- platform

export interface BuildxPlatform {
  os: string // as in the asset names: linux, darwin, windows, freebsd
  arch: string // amd64, arm64, arm-v7, ...
  ext: string // '.exe' on Windows
}

const OS_NAMES: Record<string, string> = {
  linux: 'linux',
  darwin: 'darwin',
  win32: 'windows',
  freebsd: 'freebsd',
  openbsd: 'openbsd'
}

/** Node's platform/arch -> the `{os}-{arch}` of Buildx release assets. */
export function buildxPlatform(
  platform: string = process.platform,
  arch: string = process.arch,
  armVersion: string = String(
    (process.config.variables as Record<string, unknown>).arm_version ?? '7'
  )
): BuildxPlatform {
  const os = OS_NAMES[platform]
  const archName: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: armVersion === '6' ? 'arm-v6' : 'arm-v7',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64'
  }
  const a = archName[arch]
  if (!os || !a) {
    throw new BuildxError(
      `docker buildx cannot be installed on ${platform}/${arch}: Buildx publishes no binary for it; install Buildx before this step`
    )
  }
  return { os, arch: a, ext: platform === 'win32' ? '.exe' : '' }
}

/** Fills `{version}`, `{os}` and `{arch}` of a `buildx-url` template and checks the result. */
export function buildxUrl(template: string, version: string, p: BuildxPlatform): string {
  const values: Record<string, string> = { version: tagOf(version), os: p.os, arch: p.arch }
  let url = template.replace(/\{([^{}]*)\}/g, (whole, name: string) => {
    if (name in values) return values[name]
    throw new InputError(
      `buildx-url: unknown placeholder ${whole}: use {version}, {os} and {arch} (e.g. ${DEFAULT_BUILDX_URL})`
    )
  })
  if (template === DEFAULT_BUILDX_URL) url += p.ext
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InputError(`buildx-url: "${template}" is not a URL: use an http(s) URL template`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InputError(`buildx-url: ${parsed.protocol} is not supported: use an http(s) URL`)
  }
  return url
}

// ---------------------------------------------------------------------------------- docker

const dockerEnv = (configDir: string): Record<string, string> => ({ DOCKER_CONFIG: configDir })
const firstLine = (s: string): string =>
  s
    .split(/\r?\n/)
    .map(l => l.trim())
    .find(l => l !== '') ?? ''

/**
 * The docker CLI's client version. Rejects with a BuildxError naming the fix when there is no
 * docker CLI at all (a daemon that does not answer is not this function's concern).
 */
export async function dockerAvailable(configDir?: string): Promise<string> {
  let res: RunResult | undefined
  let failure = ''
  try {
    res = await run('docker', ['version', '--format', '{{.Client.Version}}'], {
      env: configDir ? dockerEnv(configDir) : undefined,
      silent: true
    })
  } catch (e) {
    failure = firstLine((e as Error).message)
  }
  // With the daemon down the client still prints its own version (and exits 1).
  const version = firstLine(res?.stdout ?? '')
  if (res && /^[0-9A-Za-z][0-9A-Za-z.+~-]*$/.test(version)) return version
  const detail = failure || firstLine(res?.stderr ?? '') || `exit code ${res?.code ?? '?'}`
  throw new BuildxError(
    `the docker CLI is not available (${detail}): install Docker or use a runner image that has it, e.g. ubuntu-latest`
  )
}

/** The Buildx the docker CLI runs with this DOCKER_CONFIG, or undefined when there is none. */
export async function detectBuildx(configDir: string): Promise<{ version: string } | undefined> {
  let res: RunResult
  try {
    res = await run('docker', ['buildx', 'version'], { env: dockerEnv(configDir), silent: true })
  } catch (e) {
    core.debug(`docker buildx version: ${(e as Error).message}`)
    return undefined
  }
  const version = res.code === 0 ? parseBuildxVersionOutput(res.stdout) : undefined
  if (!version) {
    core.debug(`docker buildx version: exit ${res.code}: ${firstLine(res.stderr || res.stdout)}`)
    return undefined
  }
  return { version }
}

// ---------------------------------------------------------------------------------- install

export interface EnsureBuildxOptions {
  /** The private DOCKER_CONFIG (see docker.ts preparePrivateConfig). */
  configDir: string
  /** `buildx-version`: '' or 'latest' (any Buildx >= MIN_BUILDX, else the pinned one) or vX.Y.Z. */
  version?: string
  /** `buildx-url`: template with {version}, {os}, {arch}; default the GitHub release asset. */
  downloadUrl?: string
  /** `buildx-sha256`: expected sha256 of the asset; required unless the pinned version is installed. */
  sha256?: string
}

export interface EnsureBuildxResult {
  /** The version `docker buildx version` reports (after installing, when installed). */
  version: string
  /** true when this call installed Buildx into `<configDir>/cli-plugins`. */
  installed: boolean
  /** The installed plugin, `<configDir>/cli-plugins/docker-buildx`. */
  path?: string
  /** true when the installed binary came from the tool cache (no download). */
  fromCache?: boolean
}

/** The buildx inputs' own checks, run with the other inputs before any side effect. */
export function checkBuildxInputs(version: string, url: string, sha256: string): void {
  requestedVersion(version)
  requestedSha256(sha256)
  if (url) buildxUrl(url, PINNED_BUILDX.version, buildxPlatform())
}

/** '' for "any", else `vX.Y.Z`; InputError for anything else or a version below MIN_BUILDX. */
function requestedVersion(input: string | undefined): string {
  const v = (input ?? '').trim()
  if (v === '' || v.toLowerCase() === 'latest') return ''
  if (!parseVersion(v)) {
    throw new InputError(
      `buildx-version: "${v}" is not a version: use an exact release like ${PINNED_BUILDX.version}, latest, or leave it empty`
    )
  }
  if (compareVersions(v, MIN_BUILDX) < 0) {
    throw new InputError(
      `buildx-version: ${v} is older than ${MIN_BUILDX}, the oldest Buildx this action supports: use ${MIN_BUILDX} or newer, or leave it empty`
    )
  }
  return tagOf(v)
}

function requestedSha256(input: string | undefined): string {
  const v = (input ?? '')
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, '')
  if (v !== '' && !/^[0-9a-f]{64}$/.test(v)) {
    throw new InputError(
      'buildx-sha256: not a sha256 checksum: use the 64 hex digits of the asset from the release checksums.txt'
    )
  }
  return v
}

/** The checksum the download must have, or an InputError naming the inputs to set. */
function expectedSha256(version: string, p: BuildxPlatform, given: string): string {
  if (given) return given
  const pinned = version === PINNED_BUILDX.version ? PINNED_BUILDX.sha256[`${p.os}-${p.arch}`] : ''
  if (pinned) return pinned
  const asset = `buildx-${version}.${p.os}-${p.arch}${p.ext}`
  const why =
    version === PINNED_BUILDX.version
      ? `this action pins checksums of ${PINNED_BUILDX.version} only for ${Object.keys(PINNED_BUILDX.sha256).join(', ')}`
      : `this action pins checksums only for ${PINNED_BUILDX.version}`
  throw new InputError(
    `buildx-sha256 is required to install docker buildx ${version} for ${p.os}-${p.arch} (${why}): set buildx-sha256 to the sha256 of ${asset} from the release's checksums.txt, or leave buildx-version empty`
  )
}

/** sha256 of a file, lowercase hex. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256')
    createReadStream(path)
      .on('error', reject)
      .on('data', chunk => hash.update(chunk))
      .on('end', () => resolvePromise(hash.digest('hex')))
  })
}

interface Obtained {
  file: string
  fromCache: boolean
  cleanup: () => void
}

/** The verified binary: from the tool cache when it is there and intact, else downloaded. */
async function obtain(
  version: string,
  url: string,
  sha256: string,
  p: BuildxPlatform
): Promise<Obtained> {
  const tc = await import('@actions/tool-cache')
  const fileName = BUILDX_TOOL + p.ext
  const useCache = Boolean(process.env.RUNNER_TOOL_CACHE)
  if (useCache) {
    const dir = tc.find(BUILDX_TOOL, version)
    const cached = dir ? join(dir, fileName) : ''
    if (cached && existsSync(cached)) {
      if ((await sha256File(cached)) === sha256) {
        return { file: cached, fromCache: true, cleanup: () => undefined }
      }
      core.info(`the tool cache's ${BUILDX_TOOL} ${version} does not have the expected checksum`)
    }
  }
  core.info(`downloading ${url}`)
  let downloaded: string
  try {
    // Outside a runner (no RUNNER_TEMP) give tool-cache a destination of our own.
    const dest = process.env.RUNNER_TEMP ? undefined : join(tmpdir(), `buildx-${randomUUID()}`)
    downloaded = await tc.downloadTool(url, dest)
  } catch (e) {
    throw new BuildxError(
      `downloading docker buildx ${version} from ${url} failed (${firstLine((e as Error).message)}): check buildx-version and buildx-url; the runner must reach that URL (without access to github.com, mirror the asset: see docs/buildx.md)`
    )
  }
  const removeDownload = (): void => rmSync(downloaded, { force: true })
  try {
    const actual = await sha256File(downloaded)
    if (actual !== sha256) {
      throw new BuildxError(
        `checksum mismatch for ${url}: expected sha256 ${sha256}, got ${actual}; refusing to install it (check that buildx-url serves buildx-${version}.${p.os}-${p.arch}${p.ext} unchanged and that buildx-sha256 comes from that release's checksums.txt)`
      )
    }
    chmodSync(downloaded, 0o755)
    if (!useCache) return { file: downloaded, fromCache: false, cleanup: removeDownload }
    const dir = await tc.cacheFile(downloaded, fileName, BUILDX_TOOL, version)
    removeDownload()
    const cached = join(dir, fileName)
    chmodSync(cached, 0o755)
    return { file: cached, fromCache: false, cleanup: () => undefined }
  } catch (e) {
    removeDownload()
    throw e
  }
}

/**
 * Makes `<configDir>/cli-plugins` a real directory we may write into. When it is a symlink to
 * the user's plugin directory (preparePrivateConfig), it becomes a directory of links to each of
 * the user's plugins, so nothing is ever written into the user's directory.
 */
export function ownPluginDir(configDir: string): string {
  const dir = join(configDir, 'cli-plugins')
  let st: Stats | undefined
  try {
    st = lstatSync(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  if (!st) {
    mkdirSync(dir, { recursive: true, mode: 0o755 })
    return dir
  }
  if (st.isDirectory()) return dir
  if (!st.isSymbolicLink()) {
    throw new BuildxError(
      `${dir} is not a directory: remove it (it is in the step's private docker config)`
    )
  }
  const target = resolve(dirname(dir), readlinkSync(dir))
  let names: string[] = []
  try {
    names = readdirSync(target)
  } catch {
    // a dangling link: nothing of the user's to keep
  }
  unlinkSync(dir)
  mkdirSync(dir, { mode: 0o755 })
  for (const name of names) {
    if (name === BUILDX_TOOL || name === `${BUILDX_TOOL}.exe`) continue // ours replaces it
    try {
      symlinkSync(join(target, name), join(dir, name))
    } catch (e) {
      core.warning(`could not link the CLI plugin ${name}: ${(e as Error).message}`)
    }
  }
  return dir
}

/** Puts the binary at `<configDir>/cli-plugins/docker-buildx` (a copy, mode 0755, atomically). */
export function installPlugin(configDir: string, source: string, ext = ''): string {
  const dir = ownPluginDir(configDir)
  const dest = join(dir, BUILDX_TOOL + ext)
  // The docker CLI only considers `docker-*` names, so the temporary file is never picked up;
  // rename replaces a link at dest instead of writing through it.
  const tmp = join(dir, `.${BUILDX_TOOL}-${randomUUID()}${ext}`)
  try {
    copyFileSync(source, tmp, fsConstants.COPYFILE_FICLONE)
    chmodSync(tmp, 0o755)
    renameSync(tmp, dest)
  } finally {
    rmSync(tmp, { force: true })
  }
  return dest
}

/**
 * Makes `docker buildx` usable with the private DOCKER_CONFIG: keeps the Buildx that is there
 * when it is recent enough (and the requested one, if a version was asked for); otherwise
 * installs the requested (or pinned) release, verified against its sha256, for this config only.
 */
export async function ensureBuildx(opts: EnsureBuildxOptions): Promise<EnsureBuildxResult> {
  const want = requestedVersion(opts.version)
  const givenSha = requestedSha256(opts.sha256)
  const template = (opts.downloadUrl ?? '').trim() || DEFAULT_BUILDX_URL
  const target = want || PINNED_BUILDX.version

  // The common case costs one command: asking for the client version only when buildx is absent
  // (to tell "no Docker at all" from "no Buildx").
  const found = await detectBuildx(opts.configDir)
  if (!found) {
    const client = await dockerAvailable(opts.configDir)
    core.info(`docker buildx is not installed (docker ${client}): installing ${target}`)
  } else if (compareVersions(found.version, MIN_BUILDX) < 0) {
    core.info(
      `docker buildx ${found.version} is older than ${MIN_BUILDX}, the oldest this action supports: installing ${target} for this step`
    )
  } else if (!want || sameRelease(want, found.version)) {
    core.info(`using docker buildx ${found.version}`)
    return { version: found.version, installed: false }
  } else {
    core.info(
      `docker buildx ${found.version} found; buildx-version asks for ${want}: installing it`
    )
  }

  const platform = buildxPlatform()
  const sha256 = expectedSha256(target, platform, givenSha)
  const url = buildxUrl(template, target, platform)
  const got = await obtain(target, url, sha256, platform)
  let path: string
  try {
    path = installPlugin(opts.configDir, got.file, platform.ext)
  } finally {
    got.cleanup()
  }
  const after = await detectBuildx(opts.configDir)
  if (!after || !sameRelease(target, after.version)) {
    throw new BuildxError(
      `installed docker buildx ${target} at ${path}, but \`docker buildx version\` reports ${after ? after.version : 'no buildx'}: check that buildx-url serves the ${platform.os}-${platform.arch} binary of ${target} and that the runner can execute files under RUNNER_TEMP`
    )
  }
  core.info(
    `installed docker buildx ${after.version} from ${got.fromCache ? 'the tool cache' : url} (sha256 ${sha256})`
  )
  return { version: after.version, installed: true, path, fromCache: got.fromCache }
}
