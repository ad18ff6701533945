// Public interface of the tag language (docker/metadata-action's `tags`/`flavor`/`images`).
// Pure: no I/O, the clock and the repository data are passed in. See docs/tags.md.
import type { GitHubContext, RepoInfo } from '../context.js'
import { checkFlavor, checkRule } from './check.js'
import { evaluateRules } from './compute.js'
import { loadDateFormatter, usesDates } from './date.js'
import { defaultSet } from './defaults.js'
import { resolve } from './event.js'
import {
  parseFlavorLine,
  parseImageLine,
  parseRule,
  splitFields,
  keyAndValue,
  type Flavor,
  type Rule
} from './parse.js'
import { parseRefLine, type ImageRef } from './refs.js'
import { atLine } from './rule-error.js'
import { expand } from './scope.js'

export { MAX_TAG_LENGTH, sanitizeTag } from './compute.js'
export { effectiveRef, effectiveSha } from './event.js'
export { checkImageRefs, type ImageRef } from './refs.js'
export { formatDate } from './date.js'
export { DEFAULT_LATEST_RULES } from './defaults.js'
export { compareReleases, parseSemver, type SemVer } from './semver.js'

/**
 * Loads what the given input texts need beyond the start-up bundle: moment, for `{{date}}` and
 * `{{commit_date}}`. Call it before computing tags or labels from those texts.
 */
export async function loadTagLibraries(texts: string[]): Promise<void> {
  if (texts.some(usesDates)) await loadDateFormatter()
}

/** One computed tag and the rule that made it, e.g. `1.2` ← `type=semver,pattern={{major}}.{{minor}}`. */
export interface TagOut {
  name: string // tag only, no image: `1.2`
  rule: string // the rule line as the user would recognise it
}

export interface TagResult {
  version: { main: string | undefined; partial: string[]; latest: boolean }
  /** Tag names in metadata-action order (by priority, then input order), `latest` included. */
  tags: TagOut[]
  /** Why `latest` is or is not there, e.g. `flavor latest=auto: tag v1.2.3 is the newest semver`. */
  latestReason: string
  /** Each rule that gave no tag on this event and why, in the order they were tried. */
  skipped: Array<{ rule: string; why: string }>
  /** Set when no rule gave a tag: the event and every rule with its reason, for the log. */
  noTag?: string
  /** `tags` lines that were image references: the plan checks their images (checkImageRefs). */
  imageRefs: ImageRef[]
}

export interface TagEnv {
  ctx: GitHubContext
  now: Date
  repo?: RepoInfo // default branch for type=edge; optional
  /**
   * Use the PR head commit for `{{sha}}`/type=sha/the revision label on pull_request* events.
   * Default (undefined) is true: ours. false is metadata-action's default (the merge commit);
   * DOCKER_METADATA_PR_HEAD_SHA=true/false should map to true/false.
   */
  prHeadSha?: boolean
  /** The commit date for `{{commit_date}}`; default: from the push payload, else `now`. */
  commitDate?: Date
}

/** metadata-action's default `tags` (ours differs: see defaultSet / docs/tags.md). */
export const METADATA_ACTION_DEFAULT_TAGS: readonly string[] = [
  'type=schedule',
  'type=ref,event=branch',
  'type=ref,event=tag',
  'type=ref,event=pr'
]

function parseFlavor(lines: string[]): Flavor {
  const flavor: Flavor = {
    latest: 'auto',
    latestSet: false,
    prefix: '',
    prefixLatest: false,
    suffix: '',
    suffixLatest: false
  }
  for (const line of lines) {
    atLine('flavor', line, () => {
      parseFlavorLine(line, flavor)
      checkFlavor(flavor)
    })
  }
  return flavor
}

/** Parses and checks every `tags` line, whatever the event (a line of references: a rule each). */
function parseTags(lines: string[]): Array<Rule & { ref?: ImageRef }> {
  return lines.flatMap(line =>
    atLine('tags', line, () => {
      const refs = parseRefLine(line)
      if (refs) return refs
      const rule = parseRule(line)
      checkRule(rule)
      return [rule]
    })
  )
}

/**
 * Checks the `tags`, `flavor` and `images` lines on their own, whatever the event: every rule,
 * expression, pattern, date format and `enable=`, so that a rule that only fires on a release
 * tag cannot hide a typo until then. Throws the one-line InputError. computeTags and
 * parseImages run the same checks on their lines.
 */
export function checkTagInputs(tags: string[], flavor: string[], images: string[]): void {
  parseFlavor(flavor)
  parseTags(tags)
  parseImageLines(images)
}

/** The one-line account of an event on which no rule gave a tag. */
function noTagMessage(env: TagEnv, skipped: TagResult['skipped']): string {
  const event = `${env.ctx.eventName || 'unknown'} event (ref ${env.ctx.ref || 'none'})`
  const rules = skipped.map(s => `${s.rule}: ${s.why}`).join('; ')
  return `no tag applies to this ${event}${rules ? `: ${rules}` : ''}`
}

/**
 * Computes the tags. `tags` and `flavor` are the input lines (blank lines and `#` comments dropped
 * by the caller). Empty `tags` → the project's default set. Throws InputError on malformed lines.
 * No tag on this event is no error: the result then says why in `noTag`.
 */
export function computeTags(env: TagEnv, tags: string[], flavorLines: string[]): TagResult {
  const r = resolve(env)
  const flavor = parseFlavor(flavorLines)
  let result: TagResult
  if (tags.length) {
    const rules = parseTags(tags)
    result = evaluateRules(rules, r, flavor, { flag: flavor.latest })
    result.imageRefs = rules.flatMap(rule => (rule.ref ? [rule.ref] : []))
  } else {
    const set = defaultSet(r)
    // An explicit latest=true/false in flavor still wins over the default set's own latest rule.
    const userLatest = flavor.latestSet && flavor.latest !== 'auto' ? flavor.latest : undefined
    const lines = userLatest ? set.lines.filter(l => l !== set.latestLine) : set.lines
    const rules = lines.map(line => parseRule(line))
    const latestRule = userLatest ? undefined : rules.find(rule => rule.line === set.latestLine)
    result = evaluateRules(rules, r, flavor, { flag: userLatest ?? 'off', latestRule })
    if (!userLatest && result.tags.length) result.latestReason = set.latestWhy
  }
  if (!result.tags.length) result.noTag = noTagMessage(env, result.skipped)
  return result
}

/** Parses and checks `images` lines; the one-line form (`a/b,c/d`) gives names only. */
function parseImageLines(lines: string[]): Array<{ name: string; enable: string }> {
  // metadata-action's old form: one line of comma-separated names.
  if (lines.length === 1) {
    const fields = atLine('images', lines[0], () => splitFields(lines[0]))
    if (fields.every(f => keyAndValue(f)[0] === undefined)) {
      return fields.map(f => ({ name: f.trim(), enable: 'true' }))
    }
  }
  return lines.map(line => atLine('images', line, () => parseImageLine(line)))
}

/** Whether the payload or the event gives the default branch (else only the repository API). */
export const defaultBranchKnown = (env: TagEnv): boolean => resolve(env).defaultBranch !== undefined

/** Every image of `images`, enabled or not. */
export const imageNames = (lines: string[]): string[] => parseImageLines(lines).map(i => i.name)

/** Parses `images` lines (`ghcr.io/o/app` or `name=ghcr.io/o/app,enable=false`) → enabled names. */
export function parseImages(env: TagEnv, lines: string[]): string[] {
  const r = resolve(env)
  // Case is kept here: the plan lowercases the repository part and says so.
  return parseImageLines(lines).flatMap(image =>
    expand(image.enable, r) === 'true' ? [image.name] : []
  )
}
