// Semantic versions through node-semver, the parser npm uses and docker/metadata-action checks
// `type=semver` values with. The one semver parser of the code base: the tag rules use it, and so
// can the Buildx version checks (`v0.13.1`, `0.13.1+ds1`, `v0.20.1-desktop.2`).
// Only parse is imported: the whole package (ranges, comparators) would cost start-up time.
import parse from 'semver/functions/parse.js'
import type { SemVer } from 'semver'

export type { SemVer }

/**
 * Parses a strict SemVer 2.0.0 version with an optional leading `v` (what `semver.valid()`
 * accepts); undefined when `text` is not one. `version` is major.minor.patch[-prerelease],
 * without build metadata; `raw` is the text as given.
 */
export function parseSemver(text: string): SemVer | undefined {
  return parse(text) ?? undefined
}

/**
 * Compares the release numbers (major.minor.patch) of two versions, ignoring pre-release and
 * build suffixes: `0.13.1+ds1` equals `v0.13.1`, `v0.20.1-desktop.2` equals `0.20.1` (packagers
 * add such suffixes to the same release). A text that is not a version sorts lowest.
 */
export function compareReleases(a: string, b: string): number {
  const [va, vb] = [parseSemver(a), parseSemver(b)]
  if (!va || !vb) return (va ? 1 : 0) - (vb ? 1 : 0)
  for (const part of ['major', 'minor', 'patch'] as const) {
    if (va[part] !== vb[part]) return va[part] < vb[part] ? -1 : 1
  }
  return 0
}
