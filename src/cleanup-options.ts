// The clean-up inputs (issue 14): when the step deletes old versions of its packages, and which.
// Pure; parsed once from inputs.ts. Off unless `cleanup-mode` says otherwise, and every policy is
// named by its own input, so nothing is ever deleted by a default.
import { bool, csvLines, fail, type InputReader } from './input-values.js'

/** off: never; after-push: once the push is verified; only: alone, building nothing. */
export type CleanupMode = 'off' | 'after-push' | 'only'

/** An age as the user wrote it (`7d`) and in milliseconds. */
export interface Age {
  text: string
  ms: number
}

export interface CleanupPolicy {
  /** Untagged versions last updated longer ago than this are deleted. */
  untaggedOlderThan?: Age
  /** Tagged versions whose tags all match these globs (`pr-*`) are deleted, subject to: */
  tagPatterns: string[]
  tagsOlderThan?: Age
  /** ... and never the newest N of them. */
  tagsKeepNewest?: number
  /** Versions whose tags are all `pr-N` of closed pull requests are deleted. */
  closedPullRequests: boolean
}

export interface CleanupSettings {
  mode: CleanupMode
  /** List what would be deleted and why the rest is kept; delete nothing. */
  dryRun: boolean
  policy: CleanupPolicy
}

export interface CleanupOptions {
  cleanup: CleanupSettings
}

/** The clean-up inputs, for input-names.ts and the docs. */
export const CLEANUP_INPUTS = [
  'cleanup-mode',
  'cleanup-dry-run',
  'cleanup-untagged-older-than',
  'cleanup-tags',
  'cleanup-tags-older-than',
  'cleanup-tags-keep-newest',
  'cleanup-closed-prs'
] as const

const HOUR = 3_600_000
const UNIT_MS: Record<string, number> = { h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR }

/**
 * A push in progress uploads its platform manifests before the index that names them: for that
 * moment they are untagged and unreferenced. An hour is far longer than any push.
 */
export const MIN_UNTAGGED_AGE_MS = HOUR

function age(read: InputReader, name: string): Age | undefined {
  const text = read(name).trim()
  if (text === '') return undefined
  const m = /^(\d+)\s*([hdw])$/i.exec(text)
  if (!m)
    return fail(`${name}: "${text}" is not an age: use a whole number with h, d or w, e.g. 7d`)
  return { text, ms: Number(m[1]) * UNIT_MS[m[2].toLowerCase()] }
}

/** A tag glob: `*` any run of characters, `?` one; otherwise the characters a tag may hold. */
export const TAG_GLOB = /^[A-Za-z0-9_.*?-]{1,128}$/

/** A tag glob as an anchored expression. */
export function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${body}$`)
}

export function parseCleanupOptions(read: InputReader): CleanupOptions {
  const get = (name: string): string => read(name).trim()
  const mode = (get('cleanup-mode') || 'off').toLowerCase() as CleanupMode
  if (!['off', 'after-push', 'only'].includes(mode)) {
    fail(
      `cleanup-mode: "${get('cleanup-mode')}" is not valid: use off, after-push (after a verified push) or only (clean up without building)`
    )
  }
  const tagPatterns = csvLines(read('cleanup-tags'))
  for (const p of tagPatterns) {
    if (!TAG_GLOB.test(p)) {
      fail(
        `cleanup-tags: "${p}" is not a tag pattern: use tag characters with * and ?, e.g. pr-* or sha-*`
      )
    }
  }
  const keepText = get('cleanup-tags-keep-newest')
  if (keepText && !/^\d{1,6}$/.test(keepText)) {
    fail(`cleanup-tags-keep-newest: "${keepText}" is not a whole number: use e.g. 10`)
  }
  const policy: CleanupPolicy = {
    untaggedOlderThan: age(read, 'cleanup-untagged-older-than'),
    tagPatterns,
    tagsOlderThan: age(read, 'cleanup-tags-older-than'),
    tagsKeepNewest: keepText ? Number(keepText) : undefined,
    closedPullRequests: bool(read, 'cleanup-closed-prs', false)
  }
  const settings = { mode, dryRun: bool(read, 'cleanup-dry-run', false), policy }
  checkPolicy(settings)
  return { cleanup: settings }
}

function checkPolicy({ mode, dryRun, policy: p }: CleanupSettings): void {
  const given = [
    p.untaggedOlderThan && 'cleanup-untagged-older-than',
    p.tagPatterns.length && 'cleanup-tags',
    p.tagsOlderThan && 'cleanup-tags-older-than',
    p.tagsKeepNewest !== undefined && 'cleanup-tags-keep-newest',
    p.closedPullRequests && 'cleanup-closed-prs',
    dryRun && 'cleanup-dry-run'
  ].filter((x): x is string => typeof x === 'string')
  if (mode === 'off') {
    if (given.length) {
      fail(
        `${given[0]}: set, but cleanup-mode is off: set cleanup-mode: after-push or only, or drop ${given.join(', ')}`
      )
    }
    return
  }
  if (!p.untaggedOlderThan && !p.tagPatterns.length && !p.closedPullRequests) {
    fail(
      'cleanup-mode: no policy is set, so nothing would be deleted: set cleanup-untagged-older-than, cleanup-tags or cleanup-closed-prs'
    )
  }
  if (p.untaggedOlderThan && p.untaggedOlderThan.ms < MIN_UNTAGGED_AGE_MS) {
    fail(
      `cleanup-untagged-older-than: "${p.untaggedOlderThan.text}" is under 1h: a push in progress leaves its platform manifests untagged until its index lands: use 1h or more`
    )
  }
  if (p.tagPatterns.length && !p.tagsOlderThan && p.tagsKeepNewest === undefined) {
    fail(
      'cleanup-tags: say which matching versions go: set cleanup-tags-older-than (e.g. 30d) or cleanup-tags-keep-newest (e.g. 10), or both'
    )
  }
  if (!p.tagPatterns.length && (p.tagsOlderThan || p.tagsKeepNewest !== undefined)) {
    const name = p.tagsOlderThan ? 'cleanup-tags-older-than' : 'cleanup-tags-keep-newest'
    fail(
      `${name}: applies to the versions cleanup-tags matches, but cleanup-tags is empty: set it, e.g. pr-*`
    )
  }
}

/** How the clean-up fits the rest of the inputs; called from inputs.ts once all are parsed. */
export function checkCleanupAgainst(s: {
  cleanup: CleanupSettings
  dryRun: boolean
  verify: boolean
  pushByDigest: boolean
  mergeDigests: string[]
}): void {
  const { mode } = s.cleanup
  if (mode === 'only') {
    if (s.dryRun) {
      fail(
        'cleanup-mode: only with dry-run reads nothing, so it shows nothing: use cleanup-dry-run: true to list what would be deleted'
      )
    }
    if (s.pushByDigest || s.mergeDigests.length) {
      fail(
        `cleanup-mode: only builds nothing, but ${s.pushByDigest ? 'push-by-digest' : 'merge-digests'} is set: use a step of its own for the clean-up`
      )
    }
  }
  if (mode === 'after-push') {
    if (s.pushByDigest) {
      fail(
        'cleanup-mode: a push-by-digest job leaves untagged digests for the merge job: clean up in the merge job instead'
      )
    }
    if (!s.verify) {
      fail(
        'cleanup-mode: after-push runs only after a verified push, but verify is false: drop verify: false, or clean up in a step of its own (cleanup-mode: only)'
      )
    }
  }
}

/** The policy in words, for the log and the summary. */
export function describePolicy(p: CleanupPolicy): string {
  const parts: string[] = []
  if (p.untaggedOlderThan) parts.push(`untagged versions older than ${p.untaggedOlderThan.text}`)
  if (p.tagPatterns.length) {
    const limits = [
      p.tagsOlderThan && `older than ${p.tagsOlderThan.text}`,
      p.tagsKeepNewest !== undefined && `beyond the newest ${p.tagsKeepNewest}`
    ].filter(Boolean)
    parts.push(`versions tagged only ${p.tagPatterns.join(', ')} ${limits.join(' and ')}`)
  }
  if (p.closedPullRequests) parts.push('pr-N tags of closed pull requests')
  return parts.join('; ')
}
