// Public interface of the tag language (docker/metadata-action's `tags`/`flavor`/`images`).
// Pure: no I/O, the clock and the repository data are passed in. See docs/tags.md.
import type { GitHubContext, RepoInfo } from '../context.js'
import { run } from './compute.js'
import { loadDateFormatter, usesDates } from './date.js'
import { defaultSet } from './defaults.js'
import { resolve } from './event.js'
import {
  parseFlavorLine,
  parseImageLine,
  parseRule,
  splitFields,
  splitPair,
  type Flavor
} from './parse.js'
import { atLine, RuleError } from './rule-error.js'
import { expand } from './scope.js'

export { MAX_TAG_LENGTH, sanitizeTag } from './compute.js'
export { effectiveRef, effectiveSha } from './event.js'
export { formatDate } from './date.js'
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
  for (const line of lines) atLine('flavor', line, () => parseFlavorLine(line, flavor))
  return flavor
}

/**
 * Computes the tags. `tags` and `flavor` are the input lines (blank lines and `#` comments dropped
 * by the caller). Empty `tags` → the project's default set. Throws InputError on malformed lines.
 */
export function computeTags(env: TagEnv, tags: string[], flavorLines: string[]): TagResult {
  const r = resolve(env)
  const flavor = parseFlavor(flavorLines)
  if (tags.length) {
    const rules = tags.map(line => atLine('tags', line, () => parseRule(line)))
    return run(rules, r, flavor, { flag: flavor.latest })
  }

  const set = defaultSet(r)
  // An explicit latest=true/false in flavor still wins over the default set's own latest rule.
  const userLatest = flavor.latestSet && flavor.latest !== 'auto' ? flavor.latest : undefined
  const lines = userLatest ? set.lines.filter(l => l !== set.latestLine) : set.lines
  const rules = lines.map(line => parseRule(line))
  const latestRule = userLatest ? undefined : rules.find(rule => rule.line === set.latestLine)
  const result = run(rules, r, flavor, { flag: userLatest ?? 'off', latestRule })
  if (!userLatest && result.tags.length) result.latestReason = set.latestWhy
  return result
}

/** Parses `images` lines (`ghcr.io/o/app` or `name=ghcr.io/o/app,enable=false`) → enabled names. */
export function parseImages(env: TagEnv, lines: string[]): string[] {
  // metadata-action's old form: one line of comma-separated names.
  if (lines.length === 1) {
    const fields = atLine('images', lines[0], () => splitFields(lines[0]))
    if (fields.every(f => splitPair(f)[0] === undefined)) return fields.map(f => f.trim())
  }
  const r = resolve(env)
  const names: string[] = []
  for (const line of lines) {
    atLine('images', line, () => {
      const image = parseImageLine(line)
      const enable = expand(image.enable, r)
      if (enable !== 'true' && enable !== 'false') {
        throw new RuleError(
          `enable must be true or false, got "${enable}"`,
          'write enable=true or enable=false'
        )
      }
      // Case is kept here: the plan lowercases the repository part and says so.
      if (enable === 'true') names.push(image.name)
    })
  }
  return names
}
