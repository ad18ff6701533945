// One version's own verdict under the clean-up policy (cleanup-plan.ts adds what other versions
// protect): its tags matched by the patterns or by a closed pull request, its age, its rank among
// the newest. Pure.
import { globRegExp, type CleanupPolicy } from './cleanup-options.js'
import { since } from './cleanup-report.js'
import type { PackageVersion, PullState } from './cleanup-plan.js'

const PR_TAG = /^pr-(\d+)$/
/** A version's age counts from its last update (created, or tagged since). */
const ageOf = (v: PackageVersion, now: Date): number =>
  now.getTime() - Math.max(Date.parse(v.createdAt) || 0, Date.parse(v.updatedAt) || 0)

export interface Verdict {
  del: boolean
  reason: string
  /** Kept only because untagged versions are young or not cleaned: goes with a deleted index. */
  soft?: boolean
}

/** Tagged versions the tag policy would delete, newest first: their rank for tagsKeepNewest. */
export function rankTagged(
  versions: PackageVersion[],
  policy: CleanupPolicy,
  pulls: Record<number, PullState>,
  now: Date
): Map<string, number> {
  const candidates = versions
    .filter(v => {
      const c = coverage(v, policy, pulls)
      return v.tags.length && !c.uncovered.length && c.byPattern.length
    })
    .sort((a, b) => ageOf(a, now) - ageOf(b, now) || b.id - a.id)
  return new Map(candidates.map((v, i) => [v.digest, i]))
}

/** Which of a version's tags the policy covers: by a pattern, by a closed pull request, or not. */
function coverage(
  v: PackageVersion,
  policy: CleanupPolicy,
  pulls: Record<number, PullState>
): { byPattern: string[]; byPull: string[]; uncovered: string[] } {
  const globs = policy.tagPatterns.map(globRegExp)
  const out = { byPattern: [] as string[], byPull: [] as string[], uncovered: [] as string[] }
  for (const tag of v.tags) {
    const pr = PR_TAG.exec(tag)
    if (policy.closedPullRequests && pr && pulls[Number(pr[1])] === 'closed') out.byPull.push(tag)
    else if (globs.some(g => g.test(tag))) out.byPattern.push(tag)
    else out.uncovered.push(tag)
  }
  return out
}

export function ownVerdict(
  v: PackageVersion,
  policy: CleanupPolicy,
  pulls: Record<number, PullState>,
  now: Date,
  rank: number | undefined
): Verdict {
  const age = ageOf(v, now)
  const updated = `updated ${since(age)} ago`
  if (!v.tags.length) {
    const limit = policy.untaggedOlderThan
    if (!limit)
      return { del: false, soft: true, reason: 'untagged; cleanup-untagged-older-than is not set' }
    const why = `untagged, ${updated} (cleanup-untagged-older-than: ${limit.text})`
    return age > limit.ms ? { del: true, reason: why } : { del: false, soft: true, reason: why }
  }
  const { byPattern, byPull, uncovered } = coverage(v, policy, pulls)
  if (uncovered.length) {
    const open = uncovered.filter(t => PR_TAG.test(t) && policy.closedPullRequests)
    const plain = uncovered.filter(t => !open.includes(t))
    const reasons = [
      plain.length &&
        `tag${plain.length > 1 ? 's' : ''} ${plain.join(', ')} ${plain.length > 1 ? 'are' : 'is'} matched by no policy`,
      ...open.map(t => {
        const n = Number(PR_TAG.exec(t)?.[1])
        return `${t}: pull request #${n} is ${pulls[n] === 'open' ? 'open' : 'of unknown state'}`
      })
    ].filter(Boolean)
    return { del: false, reason: reasons.join('; ') }
  }
  const numbers = byPull.map(t => `#${PR_TAG.exec(t)?.[1]}`)
  const pullWhy = byPull.length
    ? `${byPull.join(', ')}: pull request${byPull.length > 1 ? 's' : ''} ${numbers.join(', ')} ${byPull.length > 1 ? 'are' : 'is'} closed`
    : ''
  if (!byPattern.length) return { del: true, reason: pullWhy }
  const matched = `${byPattern.join(', ')} match${byPattern.length > 1 ? '' : 'es'} ${policy.tagPatterns.join(', ')}`
  const older = policy.tagsOlderThan
  if (older && age <= older.ms) {
    return {
      del: false,
      reason: `${matched}, but was ${updated} (cleanup-tags-older-than: ${older.text})`
    }
  }
  const keepN = policy.tagsKeepNewest
  if (keepN !== undefined && rank !== undefined && rank < keepN) {
    return {
      del: false,
      reason: `${matched}, but is one of the newest ${keepN} of them (#${rank + 1}; cleanup-tags-keep-newest)`
    }
  }
  const limits = [
    older && `${updated} (cleanup-tags-older-than: ${older.text})`,
    keepN !== undefined && `beyond the newest ${keepN}`
  ].filter(Boolean)
  return {
    del: true,
    reason: [pullWhy, `${matched}, ${limits.join(', ')}`].filter(Boolean).join('; ')
  }
}
