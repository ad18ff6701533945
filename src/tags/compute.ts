// The tag engine: evaluates parsed rules against the resolved event, in metadata-action's order
// (priority, then input order), and decides `latest`.
import { hasExpression, isRawStatement, plain, render, type Scope } from './expressions.js'
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
import { atLine, RuleError } from './rule-error.js'
import { expand, globalScope } from './scope.js'
import { parseSemver } from './semver.js'
import type { TagOut, TagResult } from './index.js'

/** The registry's tag grammar is `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export const MAX_TAG_LENGTH = 128

/**
 * metadata-action replaces every run of characters a tag cannot hold with `-`. We also drop a
 * leading `.`/`-` and cap the length, which the registry would otherwise reject.
 */
export function sanitizeTag(value: string): string {
  return value
    .replace(/[^a-zA-Z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, MAX_TAG_LENGTH)
}

/** What one rule produced: the raw value and whether `latest=auto` would add latest for it. */
interface Produced {
  value: string
  autoLatest: boolean
  why: string // completes "the first tag comes from <rule>, <why>"
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

/** Adds the rule's prefix/suffix, or else the flavor's (metadata-action's setValue). */
function affix(value: string, rule: Rule, flavor: Flavor, r: Resolved): string {
  const a = rule.attrs
  const prefix = has(a, 'prefix') ? a.prefix : flavor.prefix
  const suffix = has(a, 'suffix') ? a.suffix : flavor.suffix
  return expand(prefix, r) + value + expand(suffix, r)
}

const never = (what: string): string => `and ${what} never sets latest`

/** The version a semver/pep440/match rule works on: `value=` or the pushed tag. */
function versionInput(rule: Rule, r: Resolved): string | undefined {
  if (rule.attrs.value) return expand(rule.attrs.value, r)
  return isTagRef(r.ref) ? tagName(r.ref) : undefined
}

/** Applies semver/pep440 `match=` (group 1 of the regex); a miss keeps the value. */
function applyMatch(vraw: string, match: string): string {
  if (!match) return vraw
  const m = vraw.match(new RegExp(match))
  return m && m[1] !== undefined ? m[1] : vraw
}

function rejectLiteral(rule: Rule, vraw: string, what: string, example: string): void {
  // A literal value= that can never parse is a typo; one built from expressions may
  // legitimately not be a version on some events, and is skipped like metadata-action does.
  if (rule.attrs.value && !hasExpression(rule.attrs.value)) {
    throw new RuleError(`"${vraw}" is not a valid ${what} version`, `use e.g. value=${example}`)
  }
}

function semverTag(rule: Rule, r: Resolved, flavor: Flavor): Produced | undefined {
  const input = versionInput(rule, r)
  if (input === undefined) return undefined
  const vraw = applyMatch(input, rule.attrs.match).replace(/\//g, '-')
  const sv = parseSemver(vraw)
  if (!sv) {
    rejectLiteral(rule, vraw, 'semver', 'v1.2.3')
    return undefined
  }
  const scope: Scope = {
    ...globalScope(r),
    raw: plain(() => sv.raw),
    version: plain(() => sv.version),
    major: plain(() => String(sv.major)),
    minor: plain(() => String(sv.minor)),
    patch: plain(() => String(sv.patch)),
    prerelease: plain(() => String(sv.prerelease)),
    build: plain(() => String(sv.build))
  }
  const { pattern } = rule.attrs
  if (sv.prerelease.length) {
    // Pre-releases never get partial tags such as {{major}}: only {{raw}} or the full version.
    const value = isRawStatement(pattern) ? render(pattern, scope) : sv.version
    return {
      value: affix(value, rule, flavor, r),
      autoLatest: false,
      why: `and ${vraw} is a pre-release`
    }
  }
  const value = render(pattern, scope)
  return { value: affix(value, rule, flavor, r), autoLatest: true, why: `and ${vraw} is a release` }
}

function pep440Tag(rule: Rule, r: Resolved, flavor: Flavor): Produced | undefined {
  const input = versionInput(rule, r)
  if (input === undefined) return undefined
  const vraw = applyMatch(input, rule.attrs.match).replace(/\//g, '-')
  const pv = parsePep440(vraw)
  if (!pv) {
    rejectLiteral(rule, vraw, 'PEP 440', '1.2.3')
    return undefined
  }
  const { pattern } = rule.attrs
  if (pv.isPrerelease || pv.isPostrelease || pv.isDevrelease) {
    const value = isRawStatement(pattern) ? vraw : pv.normalized
    const why = `and ${vraw} is a pre-, post- or dev release`
    return { value: affix(value, rule, flavor, r), autoLatest: false, why }
  }
  const scope: Scope = {
    ...globalScope(r),
    raw: plain(() => vraw),
    version: plain(() => pv.normalized),
    major: plain(() => String(pv.major)),
    minor: plain(() => String(pv.minor)),
    patch: plain(() => String(pv.patch))
  }
  const value = render(pattern, scope)
  return { value: affix(value, rule, flavor, r), autoLatest: true, why: `and ${vraw} is a release` }
}

function matchTag(rule: Rule, r: Resolved, flavor: Flavor): Produced | undefined {
  const input = versionInput(rule, r)
  if (input === undefined) return undefined
  const m = input.match(matchRegex(rule.attrs.pattern))
  const group = m?.[Number(rule.attrs.group)]
  if (group === undefined) return undefined
  return {
    value: affix(group, rule, flavor, r),
    autoLatest: true,
    why: 'and type=match sets latest'
  }
}

function produce(rule: Rule, r: Resolved, flavor: Flavor): Produced | undefined {
  const a = rule.attrs
  const make = (value: string, autoLatest: boolean, why: string): Produced => ({
    value: affix(value, rule, flavor, r),
    autoLatest,
    why
  })
  switch (rule.type) {
    case 'schedule':
      if (!/schedule/.test(r.eventName)) return undefined
      return make(expand(a.pattern, r), false, never('type=schedule'))
    case 'semver':
      return semverTag(rule, r, flavor)
    case 'pep440':
      return pep440Tag(rule, r, flavor)
    case 'match':
      return matchTag(rule, r, flavor)
    case 'edge': {
      if (!isBranchRef(r.ref)) return undefined
      const branch = a.branch || r.edgeBranch
      if (branch !== branchName(r.ref)) return undefined
      return make('edge', false, never('type=edge'))
    }
    case 'ref':
      if (a.event === 'branch' && isBranchRef(r.ref)) {
        return make(branchName(r.ref), false, never('event=branch'))
      }
      if (a.event === 'tag' && isTagRef(r.ref)) {
        return make(tagName(r.ref), true, 'and event=tag sets latest')
      }
      if (a.event === 'pr' && isPullRef(r.ref)) return make(prName(r.ref), false, never('event=pr'))
      return undefined
    case 'raw':
      return make(expand(a.value, r), false, never('type=raw'))
    case 'sha':
      if (!r.sha) return undefined
      return make(a.format === 'long' ? r.sha : shortSha(r.sha), false, never('type=sha'))
  }
}

/** The name of the latest tag: flavor prefix/suffix only with onlatest=true. */
function latestName(flavor: Flavor, r: Resolved): string {
  const prefix = flavor.prefixLatest ? expand(flavor.prefix, r) : ''
  const suffix = flavor.suffixLatest ? expand(flavor.suffix, r) : ''
  return sanitizeTag(`${prefix}latest${suffix}`)
}

export interface RunOptions {
  /** How the metadata-action latest flag works: the flavor's value, or 'off' (default set). */
  flag: 'auto' | 'true' | 'false' | 'off'
  /** A rule that stands for `latest` itself (our default set), placed by its priority. */
  latestRule?: Rule
}

/** Evaluates `rules` (already parsed) in priority order. */
export function run(rules: Rule[], r: Resolved, flavor: Flavor, opts: RunOptions): TagResult {
  // Array.prototype.sort is stable, so equal priorities keep their input order.
  const sorted = [...rules].sort((a, b) => b.priority - a.priority)
  const out: TagOut[] = []
  let flagLatest: boolean | undefined
  let latestReason = ''
  // The latest rule's tag and its position among the others (it is not a version part).
  let latestAt: { tag: TagOut; at: number } | undefined

  for (const rule of sorted) {
    atLine('tags', rule.line, () => {
      const enabled = expand(rule.attrs.enable, r)
      if (enabled !== 'true' && enabled !== 'false') {
        throw new RuleError(
          `enable must be true or false, got "${enabled}"`,
          'write enable=true, enable=false or an expression such as enable={{is_default_branch}}'
        )
      }
      if (enabled === 'false') return
      if (rule === opts.latestRule) {
        latestAt = { tag: { name: latestName(flavor, r), rule: rule.line }, at: out.length }
        return
      }
      const produced = produce(rule, r, flavor)
      if (!produced || !produced.value) return
      const name = sanitizeTag(produced.value)
      if (!name) return
      if (!out.some(t => t.name === name)) out.push({ name, rule: rule.line })
      if (flagLatest !== undefined || opts.flag === 'off') return
      // metadata-action: the first rule that yields a tag decides latest.
      if (opts.flag === 'auto') {
        flagLatest = produced.autoLatest
        latestReason =
          `flavor latest=auto: the first tag "${name}" comes from ${rule.line}, ${produced.why}` +
          (flagLatest ? ', so latest is added' : '')
      } else {
        flagLatest = opts.flag === 'true'
        latestReason = flagLatest
          ? 'flavor latest=true: latest is always added'
          : 'flavor latest=false: latest is never added'
      }
    })
  }

  // metadata-action: no version tag at all means no tags, latest included.
  if (!out.length) {
    return {
      version: { main: undefined, partial: [], latest: false },
      tags: [],
      latestReason: 'no tag was computed, so there is no latest'
    }
  }
  const tags = [...out]
  const unique = (name: string): boolean => name !== '' && !tags.some(t => t.name === name)
  if (latestAt && unique(latestAt.tag.name)) tags.splice(latestAt.at, 0, latestAt.tag)
  if (flagLatest) {
    const name = latestName(flavor, r)
    if (unique(name)) tags.push({ name, rule: `flavor latest=${opts.flag}` })
  }
  const [main, ...partial] = out
  return {
    version: {
      main: main.name,
      partial: partial.map(t => t.name),
      latest: Boolean(flagLatest || latestAt)
    },
    tags,
    latestReason
  }
}
