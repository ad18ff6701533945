// The format of each input on its own: a platform, NAME=value lines, a digest, the values one
// input may take. Pure; parseInputs (inputs.ts) calls them; each error names the input and the fix.
import { hasControl } from './context.js'
import { fail, lines } from './input-values.js'

export type PushMode = 'auto' | 'true' | 'false'

const PLATFORM = /^[a-z0-9_]+\/[a-z0-9_]+(\/[a-z0-9_.]+)?$/
const DIGEST = /^sha256:[0-9a-f]{64}$/
/** The level prefix an `annotations` line may start with (`index:`, `manifest[linux/amd64]:`…). */
export const ANNOTATION_LEVEL =
  /^(index|manifest|manifest-descriptor|index-descriptor)(\[[^\]]+\])?:/

/** The inputs that take one value: a line break in one would reach the log as a new line. */
const SINGLE_VALUE = [
  ...['registry', 'username', 'token', 'github-token', 'context', 'file', 'target', 'network'],
  ...['builder', 'provenance', 'sbom', 'push', 'retries', 'buildx-version', 'buildx-url'],
  ...['buildx-sha256', 'password', 'job-token', 'shm-size', 'cgroup-parent']
]

export function checkSingleValues(get: (name: string) => string): void {
  for (const name of SINGLE_VALUE) {
    // The value is never shown: it may be a token.
    if (hasControl(get(name))) {
      fail(
        `${name}: holds a line break or another control character, but takes a single value: write it on one line`
      )
    }
  }
}

/** `ID=rest` lines (secrets, secret-files, secret-envs, build-contexts). */
export function idPairs(name: string, values: string[], what: string): Array<[string, string]> {
  return values.map((line, i) => {
    // A `secrets` line may hold nothing but secret text: errors name its number, never its text.
    const shown = name === 'secrets' ? `line ${i + 1}` : `"${line}"`
    const eq = line.indexOf('=')
    const id = line.slice(0, eq)
    if (eq <= 0 || line.slice(eq + 1) === '') {
      fail(`${name}: ${shown} is not ID=${what}: write one ID=${what} per line`)
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) {
      const which = name === 'secrets' ? `the id on ${shown}` : `id "${id}"`
      fail(`${name}: ${which} may only use letters, digits, "_", "." and "-": rename it`)
    }
    // A secret id names a file in the private directory: `.` or `..` would name a directory.
    if (name.startsWith('secret') && !/^[A-Za-z0-9_]/.test(id)) {
      const which = name === 'secrets' ? `the id on ${shown}` : `id "${id}"`
      fail(`${name}: ${which} must start with a letter, a digit or "_": rename it`)
    }
    return [id, line.slice(eq + 1)]
  })
}

export function parsePush(given: string): PushMode {
  const push = (given || 'auto').toLowerCase()
  if (push !== 'auto' && push !== 'true' && push !== 'false') {
    fail(`push: "${given}" is not valid: use auto, true or false`)
  }
  return push as PushMode
}

/** `platforms`, comma- or line-separated, each os/arch[/variant], each once. */
export function parsePlatforms(given: string): string[] {
  const platforms = lines(given.replace(/,/g, '\n'))
  for (const p of platforms) {
    if (!PLATFORM.test(p)) {
      fail(
        `platforms: "${p}" is not a platform: use os/arch[/variant], e.g. linux/amd64,linux/arm64`
      )
    }
  }
  if (new Set(platforms).size !== platforms.length) {
    fail(`platforms: "${given}" lists a platform twice: list each once`)
  }
  return platforms
}

export function checkBuildArgs(buildArgs: string[]): void {
  for (const a of buildArgs) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
      fail(`build-args: "${a}" is not NAME=value: write one NAME=value per line`)
    }
  }
}

/** `labels` and `annotations` lines (an annotation may start with its level). */
export function checkKeyValueLines(name: 'labels' | 'annotations', values: string[]): void {
  for (const l of values) {
    const body = name === 'annotations' ? l.replace(ANNOTATION_LEVEL, '') : l
    if (!/^[^=\s:]+=/.test(body)) {
      fail(`${name}: "${l}" is not key=value: write one key=value per line`)
    }
  }
}

/** `retries` as text (the default 3 when empty), a whole number from 0 to 10. */
export function parseRetries(given: string): string {
  const retries = given || '3'
  if (!/^\d+$/.test(retries) || Number(retries) > 10) {
    fail(`retries: "${retries}" is not a whole number from 0 to 10: use e.g. 3`)
  }
  return retries
}

export function checkNetwork(network: string): string {
  if (network && !/^(default|none|host)$/.test(network)) {
    fail(`network: "${network}" is not valid: use default, none or host`)
  }
  return network
}

export function checkTarget(target: string): string {
  if (target && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(target)) {
    fail(`target: "${target}" is not a stage name: use the name after AS in the Dockerfile`)
  }
  return target
}

export function checkProvenance(provenance: string): string {
  if (
    !/^(true|false|(mode=(min|max)|builder-id=[^,]+|disabled=(true|false))(,[a-z-]+=[^,]+)*)$/.test(
      provenance
    )
  ) {
    fail(`provenance: "${provenance}" is not valid: use false, true, mode=min or mode=max`)
  }
  return provenance
}

export function checkSbom(sbom: string): string {
  if (sbom && !/^(true|false|generator=\S+)$/.test(sbom)) {
    fail(`sbom: "${sbom}" is not valid: use true or false`)
  }
  return sbom
}

/** `merge-digests`: sha256 digests, separated by spaces, commas or lines. */
export function parseMergeDigests(given: string): string[] {
  const digests = lines(given.replace(/[\s,]+/g, '\n'))
  for (const d of digests) {
    if (!DIGEST.test(d))
      fail(`merge-digests: "${d}" is not a digest: use sha256:<64 hex digits>, one per line`)
  }
  return digests
}
