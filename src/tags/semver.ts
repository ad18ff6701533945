// Strict SemVer 2.0.0 parsing with an optional leading `v`, as node-semver's `valid()` accepts it
// (docker/metadata-action checks `type=semver` values with it).

export interface SemVer {
  raw: string // the string as given, `v` included
  major: number
  minor: number
  patch: number
  prerelease: Array<string | number>
  build: string[]
  version: string // major.minor.patch[-prerelease], without build metadata
}

const NUM = '0|[1-9]\\d*'
const PRE_ID = `(?:${NUM}|\\d*[a-zA-Z-][a-zA-Z0-9-]*)`
const SEMVER = new RegExp(
  `^v?(${NUM})\\.(${NUM})\\.(${NUM})` +
    `(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?` +
    `(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$`
)

/** Parses `s`; undefined when it is not a valid semantic version. */
export function parseSemver(s: string): SemVer | undefined {
  if (s.length > 256) return undefined
  const m = SEMVER.exec(s.trim())
  if (!m) return undefined
  const [major, minor, patch] = [m[1], m[2], m[3]].map(Number)
  if (![major, minor, patch].every(Number.isSafeInteger)) return undefined
  const prerelease = m[4] ? m[4].split('.').map(id => (/^\d+$/.test(id) ? Number(id) : id)) : []
  const build = m[5] ? m[5].split('.') : []
  const version =
    `${major}.${minor}.${patch}` + (prerelease.length ? `-${prerelease.join('.')}` : '')
  return { raw: s, major, minor, patch, prerelease, build, version }
}
