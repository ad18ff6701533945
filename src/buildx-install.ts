// Docker Buildx: find the CLI plugin that the docker CLI runs with our private DOCKER_CONFIG and,
// when it is missing or too old, install a checksum-verified release into that config's
// cli-plugins directory, through the runner's tool cache. Every docker call goes through the exec
// seam; @actions/tool-cache is loaded only when something has to be installed.
import { createHash, randomUUID } from 'node:crypto'
import { chmodSync, createReadStream, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  BUILDX_TOOL,
  buildxPlatform,
  buildxUrl,
  compareVersions,
  DEFAULT_BUILDX_URL,
  expectedSha256,
  MIN_BUILDX,
  parseBuildxVersionOutput,
  PINNED_BUILDX,
  sameRelease,
  type BuildxPlatform
} from './buildx-release.js'
import { withConfig } from './docker.js'
import { StepError } from './errors.js'
import { runCommand, type CommandResult } from './exec.js'
import { installPlugin } from './buildx-plugin-dir.js'
import * as core from './workflow-commands.js'

// ---------------------------------------------------------------------------------- docker

const firstLine = (s: string): string =>
  s
    .split(/\r?\n/)
    .map(l => l.trim())
    .find(l => l !== '') ?? ''

/**
 * The docker CLI's client version. Rejects with a StepError naming the fix when there is no
 * docker CLI at all (a daemon that does not answer is not this function's concern).
 */
export async function dockerAvailable(configDir?: string): Promise<string> {
  let res: CommandResult | undefined
  let failure = ''
  try {
    res = await runCommand('docker', ['version', '--format', '{{.Client.Version}}'], {
      env: configDir ? withConfig(configDir) : undefined,
      silent: true
    })
  } catch (e) {
    failure = firstLine((e as Error).message)
  }
  // With the daemon down the client still prints its own version (and exits 1).
  const version = firstLine(res?.stdout ?? '')
  if (res && /^[0-9A-Za-z][0-9A-Za-z.+~-]*$/.test(version)) return version
  const detail = failure || firstLine(res?.stderr ?? '') || `exit code ${res?.code ?? '?'}`
  throw new StepError(
    'setup',
    `the docker CLI is not available (${detail}): install Docker or use a runner image that has it, e.g. ubuntu-latest`
  )
}

/** The Buildx the docker CLI runs with this DOCKER_CONFIG, or undefined when there is none. */
export async function detectBuildx(configDir: string): Promise<{ version: string } | undefined> {
  let res: CommandResult
  try {
    res = await runCommand('docker', ['buildx', 'version'], {
      env: withConfig(configDir),
      silent: true
    })
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
  /** `buildx-version` as inputs.ts normalized it: '' (any Buildx >= MIN_BUILDX, else the pinned one) or vX.Y.Z. */
  version?: string
  /** `buildx-url`: template with {version}, {os}, {arch}; default the GitHub release asset. */
  downloadUrl?: string
  /** `buildx-sha256` (64 hex digits): expected sha256 of the asset; required unless the pinned version is installed. */
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
    throw new StepError(
      'setup',
      `downloading docker buildx ${version} from ${url} failed (${firstLine((e as Error).message)}): check buildx-version and buildx-url; the runner must reach that URL (without access to github.com, mirror the asset: see docs/buildx.md)`
    )
  }
  const removeDownload = (): void => rmSync(downloaded, { force: true })
  try {
    const actual = await sha256File(downloaded)
    if (actual !== sha256) {
      throw new StepError(
        'setup',
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
 * Makes `docker buildx` usable with the private DOCKER_CONFIG: keeps the Buildx that is there
 * when it is recent enough (and the requested one, if a version was asked for); otherwise
 * installs the requested (or pinned) release, verified against its sha256, for this config only.
 */
export async function ensureBuildx(opts: EnsureBuildxOptions): Promise<EnsureBuildxResult> {
  const want = opts.version ?? ''
  const givenSha = opts.sha256 ?? ''
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
    throw new StepError(
      'setup',
      `installed docker buildx ${target} at ${path}, but \`docker buildx version\` reports ${after ? after.version : 'no buildx'}: check that buildx-url serves the ${platform.os}-${platform.arch} binary of ${target} and that the runner can execute files under RUNNER_TEMP`
    )
  }
  core.info(
    `installed docker buildx ${after.version} from ${got.fromCache ? 'the tool cache' : url} (sha256 ${sha256})`
  )
  return { version: after.version, installed: true, path, fromCache: got.fromCache }
}
