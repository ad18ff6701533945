// What one rule gives on this event: a value (before sanitizing) and whether `latest=auto` adds
// latest for it, or the reason it gives nothing (shown when no rule gives a tag).
import { isRawStatement, render } from './expressions.js'
import {
  branchName,
  isBranchRef,
  isPullRef,
  isTagRef,
  prName,
  shortSha,
  tagName,
  type Resolved
} from './event.js'
import { matchRegex, type Flavor, type Rule } from './parse.js'
import { parsePep440 } from './pep440.js'
import { expand, pep440Scope, semverScope } from './scope.js'
import { parseSemver } from './semver.js'

export interface Produced {
  value: string
  autoLatest: boolean
  why: string // completes "the first tag comes from <rule>, <why>"
}

/** Why a rule gave no tag, e.g. `not a pull request`. */
export interface Skipped {
  skipped: string
}

export type Outcome = Produced | Skipped

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)
const never = (what: string): string => `and ${what} never sets latest`
const skip = (skipped: string): Skipped => ({ skipped })
const NOT_A_TAG = skip('not a tag push, and no value= is set')

/** Adds the rule's prefix/suffix, or else the flavor's (metadata-action's setValue). */
function affix(value: string, rule: Rule, flavor: Flavor, r: Resolved): string {
  const a = rule.attrs
  const prefix = has(a, 'prefix') ? a.prefix : flavor.prefix
  const suffix = has(a, 'suffix') ? a.suffix : flavor.suffix
  return expand(prefix, r) + value + expand(suffix, r)
}

/** The version a semver/pep440/match rule works on: `value=` or the pushed tag. */
function versionInput(rule: Rule, r: Resolved): string | undefined {
  if (rule.attrs.value) return expand(rule.attrs.value, r)
  return isTagRef(r.ref) ? tagName(r.ref) : undefined
}

/** The semver/pep440 version text: group 1 of `match=` if it matches, `/` made `-`. */
export function versionText(input: string, match: string): string {
  const m = match ? input.match(new RegExp(match)) : null
  return (m && m[1] !== undefined ? m[1] : input).replace(/\//g, '-')
}

function semverTag(rule: Rule, r: Resolved, flavor: Flavor): Outcome {
  const input = versionInput(rule, r)
  if (input === undefined) return NOT_A_TAG
  const vraw = versionText(input, rule.attrs.match)
  const sv = parseSemver(vraw)
  if (!sv) return skip(`"${vraw}" is not a semver version`)
  const { pattern } = rule.attrs
  const scope = semverScope(sv, r)
  if (sv.prerelease.length) {
    // Pre-releases never get partial tags such as {{major}}: only {{raw}} or the full version.
    const value = isRawStatement(pattern) ? render(pattern, scope) : sv.version
    const why = `and ${vraw} is a pre-release`
    return { value: affix(value, rule, flavor, r), autoLatest: false, why }
  }
  const value = render(pattern, scope)
  return { value: affix(value, rule, flavor, r), autoLatest: true, why: `and ${vraw} is a release` }
}

function pep440Tag(rule: Rule, r: Resolved, flavor: Flavor): Outcome {
  const input = versionInput(rule, r)
  if (input === undefined) return NOT_A_TAG
  const vraw = versionText(input, rule.attrs.match)
  const pv = parsePep440(vraw)
  if (!pv) return skip(`"${vraw}" is not a PEP 440 version`)
  const { pattern } = rule.attrs
  if (pv.isPrerelease || pv.isPostrelease || pv.isDevrelease) {
    const value = isRawStatement(pattern) ? vraw : pv.normalized
    const why = `and ${vraw} is a pre-, post- or dev release`
    return { value: affix(value, rule, flavor, r), autoLatest: false, why }
  }
  const value = render(pattern, pep440Scope(pv, vraw, r))
  return { value: affix(value, rule, flavor, r), autoLatest: true, why: `and ${vraw} is a release` }
}

function matchTag(rule: Rule, r: Resolved, flavor: Flavor): Outcome {
  const input = versionInput(rule, r)
  if (input === undefined) return NOT_A_TAG
  const group = input.match(matchRegex(rule.attrs.pattern))?.[Number(rule.attrs.group)]
  if (group === undefined)
    return skip(`the pattern gives no group ${rule.attrs.group} in "${input}"`)
  const value = affix(group, rule, flavor, r)
  return { value, autoLatest: true, why: 'and type=match sets latest' }
}

function edgeTag(rule: Rule, r: Resolved): Outcome | string {
  if (!isBranchRef(r.ref)) return skip('not a branch push')
  const branch = rule.attrs.branch || r.edgeBranch
  if (branch === undefined) return skip('the default branch is unknown')
  if (branch !== branchName(r.ref)) return skip(`${branchName(r.ref)} is not ${branch}`)
  return 'edge'
}

/** What `rule` (enabled) gives on the event `r`. */
export function produce(rule: Rule, r: Resolved, flavor: Flavor): Outcome {
  const a = rule.attrs
  const make = (value: string, autoLatest: boolean, why: string): Produced => ({
    value: affix(value, rule, flavor, r),
    autoLatest,
    why
  })
  switch (rule.type) {
    case 'schedule':
      if (!/schedule/.test(r.eventName)) return skip('not a schedule event')
      return make(expand(a.pattern, r), false, never('type=schedule'))
    case 'semver':
      return semverTag(rule, r, flavor)
    case 'pep440':
      return pep440Tag(rule, r, flavor)
    case 'match':
      return matchTag(rule, r, flavor)
    case 'edge': {
      const edge = edgeTag(rule, r)
      return typeof edge === 'string' ? make(edge, false, never('type=edge')) : edge
    }
    case 'ref':
      if (a.event === 'branch') {
        if (!isBranchRef(r.ref)) return skip('not a branch push')
        return make(branchName(r.ref), false, never('event=branch'))
      }
      if (a.event === 'tag') {
        if (!isTagRef(r.ref)) return skip('not a tag push')
        return make(tagName(r.ref), true, 'and event=tag sets latest')
      }
      if (!isPullRef(r.ref)) return skip('not a pull request')
      return make(prName(r.ref), false, never('event=pr'))
    case 'raw':
      return make(expand(a.value, r), false, never('type=raw'))
    case 'sha':
      if (!r.sha) return skip('no commit sha (GITHUB_SHA is empty)')
      return make(a.format === 'long' ? r.sha : shortSha(r.sha), false, never('type=sha'))
  }
}
