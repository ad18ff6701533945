// PEP 440 versions through @renovatebot/pep440, the maintained successor of the @renovate/pep440
// that docker/metadata-action's `type=pep440` uses: validity, the normalized form ({{version}})
// and the release numbers.
import { clean, explain, major, minor, patch } from '@renovatebot/pep440'

export interface Pep440 {
  major: number
  minor: number // 0 when the version has no minor number (`1` → 1.0.0), as metadata-action
  patch: number
  isPrerelease: boolean // a pre-release or a dev release
  isPostrelease: boolean
  isDevrelease: boolean
  normalized: string // e.g. 1.1beta2 → 1.1b2, 1.0dev4 → 1.0.dev4
}

/** Parses `text`; undefined when it does not conform to PEP 440. */
export function parsePep440(text: string): Pep440 | undefined {
  const v = explain(text)
  if (!v) return undefined
  return {
    major: major(text),
    minor: minor(text),
    patch: patch(text),
    isPrerelease: v.is_prerelease,
    isPostrelease: v.is_postrelease,
    isDevrelease: v.is_devrelease,
    normalized: clean(text) ?? text
  }
}
