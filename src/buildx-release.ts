// Buildx releases: which versions this action runs and pins, how a version is written and
// compared, and the URL and checksum of a release asset for this machine. Pure; the input checks
// of buildx-version, buildx-sha256 and buildx-url live here and are called from inputs.ts.
import { InputError, StepError } from './errors.js'
import { compareReleases, parseSemver, type SemVer } from './tags/semver.js'

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

// ---------------------------------------------------------------------------------- versions

// Versions go through the code base's one semver parser (src/tags/semver.ts).
const parseVersion = (text: string): SemVer | undefined => parseSemver(text.trim())

/** The suffix a version carries after its release numbers: '-rc1', '+ds1', '-desktop.2', ''. */
const suffixOf = (v: SemVer): string =>
  (v.prerelease.length ? `-${v.prerelease.join('.')}` : '') +
  (v.build.length ? `+${v.build.join('.')}` : '')

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
 * Compares the release numbers (major.minor.patch) of two versions; suffixes are ignored, so
 * `0.13.1+ds1` == `v0.13.1` and `v0.20.1-desktop.2` == `0.20.1`. Unparsable sorts lowest.
 */
export const compareVersions = compareReleases

/**
 * Whether a detected Buildx is the requested release: same numbers; a requested suffix
 * (`v0.14.0-rc1`) must match exactly, a packaging suffix on the detected one (`+ds1`) is fine.
 */
export function sameRelease(requested: string, detected: string): boolean {
  const r = parseVersion(requested)
  const d = parseVersion(detected)
  if (!r || !d || compareVersions(requested, detected) !== 0) return false
  return suffixOf(r) === '' || suffixOf(r) === suffixOf(d)
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
    throw new StepError(
      'setup',
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

// ---------------------------------------------------------------------------------- inputs

/** '' for "any", else `vX.Y.Z`; InputError for anything else or a version below MIN_BUILDX. */
export function normalizeBuildxVersion(input: string | undefined): string {
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

/** '' or the 64 lowercase hex digits; a `sha256:` prefix is accepted. */
export function normalizeBuildxSha256(input: string | undefined): string {
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
export function expectedSha256(version: string, p: BuildxPlatform, given: string): string {
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

/** `buildx-url` as the inputs give it: a template whose placeholders and URL are valid. */
export function checkBuildxUrl(template: string): void {
  if (template) buildxUrl(template, PINNED_BUILDX.version, buildxPlatform())
}
