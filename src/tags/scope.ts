// The expressions every template can use: `{{branch}}`, `{{tag}}`, `{{sha}}`, `{{base_ref}}`,
// `{{head_ref}}`, `{{is_default_branch}}`, `{{is_not_default_branch}}`, `{{date ...}}`,
// `{{commit_date ...}}`; and those of semver and pep440 patterns.
import { formatDate } from './date.js'
import { plain, render, type Helper, type Scope } from './expressions.js'
import {
  branchName,
  isDefaultBranch,
  isPullRef,
  isTagRef,
  shortSha,
  tagName,
  type Resolved
} from './event.js'
import type { Pep440 } from './pep440.js'
import { RuleError } from './rule-error.js'
import type { SemVer } from './semver.js'

/** `{{date 'FORMAT' tz='Zone'}}` over a fixed instant. */
function dateHelper(at: Date): Helper {
  return call => {
    const [format, ...extra] = call.params
    if (extra.length) {
      throw new RuleError(`${call.source} takes one format`, `write {{${call.name} 'YYYYMMDD'}}`)
    }
    if (format && !format.quoted) {
      throw new RuleError(
        `unquoted date format in ${call.source}`,
        `quote it: {{${call.name} '${format.text}'}}`
      )
    }
    let tz = 'UTC'
    for (const [key, arg] of Object.entries(call.hash)) {
      if (key !== 'tz') {
        throw new RuleError(
          `unknown option ${key}= in ${call.source}`,
          `the only option is tz='Zone'`
        )
      }
      if (!arg.quoted) {
        throw new RuleError(`unquoted time zone in ${call.source}`, `quote it: tz='${arg.text}'`)
      }
      tz = arg.text
    }
    return formatDate(at, format?.text, tz)
  }
}

/** The dates alone (enough for `type=schedule` patterns in metadata-action). */
function dateScope(r: Resolved): Scope {
  return { date: dateHelper(r.now), commit_date: dateHelper(r.commitDate) }
}

export function globalScope(r: Resolved): Scope {
  const payload = r.ctx.payload ?? {}
  const isDefault = (): boolean => isDefaultBranch(r)
  return {
    branch: plain(() => branchName(r.ref)),
    tag: plain(() => tagName(r.ref)),
    sha: plain(() => shortSha(r.sha)),
    base_ref: plain(() => {
      if (isTagRef(r.ref) && typeof payload.base_ref === 'string') {
        return payload.base_ref.replace(/^refs\/heads\//, '')
      }
      const base = payload.pull_request?.base?.ref
      if (isPullRef(r.ref) && typeof base === 'string') return base
      return ''
    }),
    // Ours: the PR's head branch (GITHUB_HEAD_REF), empty outside pull requests.
    head_ref: plain(() => {
      const head = payload.pull_request?.head?.ref
      return typeof head === 'string' ? head : r.ctx.headRef || ''
    }),
    is_default_branch: plain(() => String(isDefault())),
    is_not_default_branch: plain(() => String(!isDefault())),
    ...dateScope(r)
  }
}

/** Renders a template with the global expressions. */
export const expand = (template: string, r: Resolved): string => render(template, globalScope(r))

/** A `type=semver` pattern's scope: the global expressions and the version's parts. */
export function semverScope(sv: SemVer, r: Resolved): Scope {
  return {
    ...globalScope(r),
    raw: plain(() => sv.raw),
    version: plain(() => sv.version),
    major: plain(() => String(sv.major)),
    minor: plain(() => String(sv.minor)),
    patch: plain(() => String(sv.patch)),
    prerelease: plain(() => String(sv.prerelease)),
    build: plain(() => String(sv.build))
  }
}

/** A `type=pep440` pattern's scope; `raw` is the version as written. */
export function pep440Scope(pv: Pep440, raw: string, r: Resolved): Scope {
  return {
    ...globalScope(r),
    raw: plain(() => raw),
    version: plain(() => pv.normalized),
    major: plain(() => String(pv.major)),
    minor: plain(() => String(pv.minor)),
    patch: plain(() => String(pv.patch))
  }
}
