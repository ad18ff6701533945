// The clean-up decision, pure: (the package's versions from the API, the manifest graph read
// from the registry, the policy, the clock, the digest this run pushed) → what to delete, in
// which order, and why each other version is kept. Never deleted: the pushed digest, a version
// with a tag the policy does not match, and anything a kept version refers to (the platform and
// attestation manifests of a kept index, referrers and `sha256-<hex>.sig`-style tags of a kept
// digest), transitively. See docs/cleanup.md.
import type { CleanupPolicy } from './cleanup-options.js'
import { short } from './cleanup-report.js'
import { ownVerdict, rankTagged, type Verdict } from './cleanup-verdict.js'

/** One version of a container package, as the Packages API lists it. */
export interface PackageVersion {
  id: number
  digest: string
  tags: string[]
  createdAt: string
  updatedAt: string
}

/** An entry of an index: a platform manifest, an attestation manifest, or another manifest. */
export interface ChildRef {
  digest: string
  kind: 'platform' | 'attestation' | 'manifest'
  /** `linux/arm64` for a platform manifest. */
  platform?: string
}

/** What a manifest refers to: the entries of an index, and the `subject` of a referrer. */
export interface ManifestRefs {
  children: ChildRef[]
  subject?: string
}

/** By digest: what the registry said (`missing`: 404, gone since the listing; `unreadable`: any other failure). */
export type ManifestGraph = Map<string, ManifestRefs | 'missing' | 'unreadable'>

export type PullState = 'open' | 'closed' | 'unknown'

export interface CleanupInput {
  versions: PackageVersion[]
  /** Every listed version's manifest, and the pushed digest's. */
  graph: ManifestGraph
  policy: CleanupPolicy
  now: Date
  /** The digest this run pushed (after a push), a root of what is kept even when not listed yet. */
  pushed?: string
  /** State of each pull request number a `pr-N` tag names (with closedPullRequests). */
  pulls: Record<number, PullState>
}

export interface Decision {
  version: PackageVersion
  reason: string
}

export interface Deletion extends Decision {
  /** Digests deleted before this one: an index before its entries, a subject before its referrers. */
  after: string[]
}

export interface CleanupPlan {
  /** In order: each entry after every digest in its `after`. */
  delete: Deletion[]
  keep: Decision[]
}

/** `sha256-<hex>` (the OCI referrers tag) and cosign's `sha256-<hex>.sig` / `.att` / `.sbom`. */
const REFERRER_TAG = /^sha256-([0-9a-f]{64})(?:\.[A-Za-z0-9_-]+)?$/

const tagsText = (v: PackageVersion | undefined): string =>
  v?.tags.length ? v.tags.join(', ') : 'untagged'

export function planCleanup(input: CleanupInput): CleanupPlan {
  const { versions, graph, policy, now, pushed } = input
  const byDigest = new Map(versions.map(v => [v.digest, v]))
  const refs = (d: string): ManifestRefs | undefined => {
    const r = graph.get(d)
    return typeof r === 'object' ? r : undefined
  }
  const roots = pushed && !byDigest.has(pushed) ? [pushed] : []
  const all = [...versions.map(v => v.digest), ...roots]
  // The pushed digest was just verified: a 404 for it means the registry is not consistent yet.
  const unread = all.find(
    d =>
      graph.get(d) === undefined ||
      graph.get(d) === 'unreadable' ||
      (d === pushed && graph.get(d) === 'missing')
  )
  if (unread) {
    // What an unread manifest refers to is unknown, so any version could be part of it.
    const reason = `nothing is deleted from this package: the manifest ${short(unread)} could not be read, so what it refers to is unknown`
    return { delete: [], keep: versions.map(version => ({ version, reason })) }
  }

  // Edges: what each version protects when kept (its entries, its referrers), and, reversed,
  // which deletions must come first.
  const protects = new Map<string, { digest: string; why: string }[]>()
  const add = (from: string, digest: string, why: string): void => {
    if (digest === from || !byDigest.has(digest)) return
    protects.set(from, [...(protects.get(from) ?? []), { digest, why }])
  }
  for (const digest of all) {
    for (const c of refs(digest)?.children ?? []) {
      const what =
        c.kind === 'platform'
          ? `platform manifest${c.platform ? ` ${c.platform}` : ''}`
          : c.kind === 'attestation'
            ? 'attestation manifest'
            : 'manifest'
      add(digest, c.digest, `${what} of`)
    }
  }
  for (const v of versions) {
    const subject = refs(v.digest)?.subject
    if (subject) add(subject, v.digest, 'referrer (subject) of')
    for (const tag of v.tags) {
      const m = REFERRER_TAG.exec(tag)
      if (m) add(`sha256:${m[1]}`, v.digest, `tag ${tag} refers to`)
    }
  }

  const verdicts = new Map<string, Verdict>()
  const ranked = rankTagged(versions, policy, input.pulls, now)
  for (const v of versions) {
    verdicts.set(
      v.digest,
      v.digest === pushed
        ? { del: false, reason: 'pushed by this run' }
        : ownVerdict(v, policy, input.pulls, now, ranked.get(v.digest))
    )
  }
  const describe = (d: string): string =>
    `${short(d)} (${d === pushed ? 'pushed by this run' : tagsText(byDigest.get(d))})`

  // Untagged entries and referrers of a deleted version go with it, unless kept below.
  const going = versions.filter(v => verdicts.get(v.digest)?.del).map(v => v.digest)
  for (let i = 0; i < going.length; i++) {
    for (const e of protects.get(going[i]) ?? []) {
      const verdict = verdicts.get(e.digest)
      if (verdict && !verdict.del && verdict.soft) {
        verdicts.set(e.digest, { del: true, reason: `${e.why} deleted ${describe(going[i])}` })
        going.push(e.digest)
      }
    }
  }

  // Whatever a kept version refers to is kept, transitively: this is what keeps images whole.
  const kept = versions.filter(v => !verdicts.get(v.digest)?.del).map(v => v.digest)
  kept.unshift(...roots)
  for (let i = 0; i < kept.length; i++) {
    for (const e of protects.get(kept[i]) ?? []) {
      if (verdicts.get(e.digest)?.del) {
        verdicts.set(e.digest, { del: false, reason: `${e.why} kept ${describe(kept[i])}` })
        kept.push(e.digest)
      }
    }
  }

  const keep = versions
    .filter(v => !verdicts.get(v.digest)?.del)
    .map(version => ({ version, reason: verdicts.get(version.digest)?.reason ?? '' }))
  return { delete: ordered(versions, verdicts, protects), keep }
}

/** Deletions in an order where a version goes only after every deleted version that protected it. */
function ordered(
  versions: PackageVersion[],
  verdicts: Map<string, Verdict>,
  protects: Map<string, { digest: string; why: string }[]>
): Deletion[] {
  const doomed = versions.filter(v => verdicts.get(v.digest)?.del)
  const dead = new Set(doomed.map(v => v.digest))
  const after = new Map<string, string[]>(doomed.map(v => [v.digest, []]))
  for (const from of dead) {
    for (const e of protects.get(from) ?? []) {
      if (dead.has(e.digest)) after.get(e.digest)?.push(from)
    }
  }
  const out: Deletion[] = []
  const placed = new Set<string>()
  while (out.length < doomed.length) {
    const ready = doomed.filter(
      v => !placed.has(v.digest) && (after.get(v.digest) ?? []).every(d => placed.has(d))
    )
    // A cycle cannot happen with content-addressed digests; should it, place the rest as listed.
    const next = ready.length ? ready : doomed.filter(v => !placed.has(v.digest))
    for (const v of next) {
      placed.add(v.digest)
      out.push({
        version: v,
        reason: verdicts.get(v.digest)?.reason ?? '',
        after: [...new Set(after.get(v.digest))]
      })
    }
  }
  return out
}
