// The tag engine: evaluates parsed rules against the resolved event, in metadata-action's order
// (priority, then input order), and decides `latest`.
import type { Resolved } from './event.js'
import type { Flavor, Rule } from './parse.js'
import { atLine } from './rule-error.js'
import { produce } from './rules.js'
import { expand } from './scope.js'
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

/** The name of the latest tag: flavor prefix/suffix only with onlatest=true. */
function latestName(flavor: Flavor, r: Resolved): string {
  const prefix = flavor.prefixLatest ? expand(flavor.prefix, r) : ''
  const suffix = flavor.suffixLatest ? expand(flavor.suffix, r) : ''
  return sanitizeTag(`${prefix}latest${suffix}`)
}

export interface EvaluateOptions {
  /** How the metadata-action latest flag works: the flavor's value, or 'off' (default set). */
  flag: 'auto' | 'true' | 'false' | 'off'
  /** A rule that stands for `latest` itself (our default set), placed by its priority. */
  latestRule?: Rule
}

/** Evaluates `rules` (already parsed) in priority order. */
export function evaluateRules(
  rules: Rule[],
  r: Resolved,
  flavor: Flavor,
  opts: EvaluateOptions
): TagResult {
  // Array.prototype.sort is stable, so equal priorities keep their input order.
  const sorted = [...rules].sort((a, b) => b.priority - a.priority)
  const out: TagOut[] = []
  let flagLatest: boolean | undefined
  let latestReason = ''
  // The latest rule's tag and its position among the others (it is not a version part).
  let latestAt: { tag: TagOut; at: number } | undefined

  const skipped: TagResult['skipped'] = []

  for (const rule of sorted) {
    atLine('tags', rule.line, () => {
      // parseRule allows only true, false and the default-branch expressions here.
      if (expand(rule.attrs.enable, r) !== 'true') {
        skipped.push({ rule: rule.line, why: `enable=${rule.attrs.enable} is false` })
        return
      }
      if (rule === opts.latestRule) {
        latestAt = { tag: { name: latestName(flavor, r), rule: rule.line }, at: out.length }
        return
      }
      const produced = produce(rule, r, flavor)
      if ('skipped' in produced) {
        skipped.push({ rule: rule.line, why: produced.skipped })
        return
      }
      const name = sanitizeTag(produced.value)
      if (!name) {
        skipped.push({
          rule: rule.line,
          why: `"${produced.value}" has no character a tag can hold`
        })
        return
      }
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
      latestReason: 'no tag was computed, so there is no latest',
      skipped,
      imageRefs: []
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
    latestReason,
    skipped,
    imageRefs: []
  }
}
