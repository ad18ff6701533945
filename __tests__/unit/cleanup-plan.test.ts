// The clean-up decision as tables. Each "never deleted" row describes a package where a naive
// clean-up (delete by the API's list alone) breaks an image that is still tagged: the row fails
// if the rule is missing from planCleanup.
import { createHash } from 'node:crypto'
import type { CleanupPolicy } from '../../src/cleanup-options.js'
import {
  planCleanup,
  type ChildRef,
  type ManifestGraph,
  type PackageVersion,
  type PullState
} from '../../src/cleanup-plan.js'

const NOW = new Date('2026-03-01T00:00:00Z')
const DAY = 86_400_000
/** A digest per name, so rows read as names. */
const D = (name: string): string => `sha256:${createHash('sha256').update(name).digest('hex')}`
const NAME = new Map<string, string>()
const name = (digest: string): string => NAME.get(digest) ?? digest

interface V {
  tags?: string[]
  /** Days since created (and updated, unless `updated`). */
  days: number
  updated?: number
  children?: Array<[string, ChildRef['kind'], string?]>
  subject?: string
  /** The manifest as the registry answered. */
  read?: 'missing' | 'unreadable'
}

function input(
  spec: Record<string, V>,
  policy: Partial<CleanupPolicy>,
  extra: { pushed?: string; pulls?: Record<number, PullState>; unlisted?: Record<string, V> } = {}
) {
  const all = { ...spec, ...extra.unlisted }
  for (const n of Object.keys(all)) NAME.set(D(n), n)
  const at = (days: number): string => new Date(NOW.getTime() - days * DAY).toISOString()
  const versions: PackageVersion[] = Object.entries(spec).map(([n, v], i) => ({
    id: 1000 - i,
    digest: D(n),
    tags: v.tags ?? [],
    createdAt: at(v.days),
    updatedAt: at(v.updated ?? v.days)
  }))
  const graph: ManifestGraph = new Map(
    Object.entries(all).map(([n, v]) => [
      D(n),
      v.read ??
        (v.subject
          ? {
              children: (v.children ?? []).map(([c, kind, platform]) => ({
                digest: D(c),
                kind,
                platform
              })),
              subject: D(v.subject)
            }
          : {
              children: (v.children ?? []).map(([c, kind, platform]) => ({
                digest: D(c),
                kind,
                platform
              }))
            })
    ])
  )
  return {
    versions,
    graph,
    policy: { tagPatterns: [], closedPullRequests: false, ...policy },
    now: NOW,
    pushed: extra.pushed ? D(extra.pushed) : undefined,
    pulls: extra.pulls ?? {}
  }
}

function decide(...args: Parameters<typeof input>) {
  const plan = planCleanup(input(...args))
  return {
    deleted: plan.delete.map(d => name(d.version.digest)).sort(),
    why: Object.fromEntries([
      ...plan.keep.map(k => [name(k.version.digest), k.reason]),
      ...plan.delete.map(d => [name(d.version.digest), d.reason])
    ]) as Record<string, string>,
    order: plan.delete.map(d => name(d.version.digest)),
    after: Object.fromEntries(plan.delete.map(d => [name(d.version.digest), d.after.map(name)]))
  }
}

const week = { text: '7d', ms: 7 * DAY }
const month = { text: '30d', ms: 30 * DAY }
const UNTAGGED_7D = { untaggedOlderThan: week }

/** A two-platform index with attestations, as buildx pushes it with provenance. */
const multiArch = (prefix: string, tags: string[], days: number): Record<string, V> => ({
  [`${prefix}`]: {
    tags,
    days,
    children: [
      [`${prefix}-amd64`, 'platform', 'linux/amd64'],
      [`${prefix}-arm64`, 'platform', 'linux/arm64'],
      [`${prefix}-att-amd64`, 'attestation'],
      [`${prefix}-att-arm64`, 'attestation']
    ]
  },
  [`${prefix}-amd64`]: { days },
  [`${prefix}-arm64`]: { days },
  [`${prefix}-att-amd64`]: { days },
  [`${prefix}-att-arm64`]: { days }
})

type Extra = Parameters<typeof input>[2]
interface OwnRow {
  row: string
  spec: Record<string, V>
  policy: Partial<CleanupPolicy>
  pulls?: Record<number, PullState>
  deleted: string[]
}
interface KeptRow {
  row: string
  spec: Record<string, V>
  policy: Partial<CleanupPolicy>
  extra?: Extra
  kept: Record<string, string | RegExp>
}

describe('own policies', () => {
  test.each<OwnRow>([
    {
      row: 'untagged older than the age go; younger and tagged ones stay',
      spec: { old: { days: 40 }, young: { days: 2 }, main: { tags: ['main'], days: 90 } },
      policy: UNTAGGED_7D,
      deleted: ['old']
    },
    {
      row: 'without cleanup-untagged-older-than, untagged versions stay',
      spec: { old: { days: 400 } },
      policy: { closedPullRequests: true },
      deleted: []
    },
    {
      row: 'the age counts from the last update, not from creation',
      spec: { retagged: { days: 400, updated: 1 } },
      policy: UNTAGGED_7D,
      deleted: []
    },
    {
      row: 'tags matching a pattern and old enough go; a version with one unmatched tag stays',
      spec: {
        pr1: { tags: ['pr-1'], days: 60 },
        pr2: { tags: ['pr-2'], days: 3 },
        both: { tags: ['pr-3', 'main'], days: 60 }
      },
      policy: { tagPatterns: ['pr-*'], tagsOlderThan: month },
      deleted: ['pr1']
    },
    {
      row: 'keep the newest N of the matching versions',
      spec: {
        s4: { tags: ['sha-4'], days: 1 },
        s3: { tags: ['sha-3'], days: 2 },
        s2: { tags: ['sha-2'], days: 3 },
        s1: { tags: ['sha-1'], days: 4 },
        main: { tags: ['main'], days: 9 }
      },
      policy: { tagPatterns: ['sha-*'], tagsKeepNewest: 2 },
      deleted: ['s1', 's2']
    },
    {
      row: 'with both limits a version must be beyond the newest N and older than the age',
      spec: {
        s3: { tags: ['sha-3'], days: 40 },
        s2: { tags: ['sha-2'], days: 50 },
        s1: { tags: ['sha-1'], days: 20 }
      },
      policy: { tagPatterns: ['sha-*'], tagsKeepNewest: 1, tagsOlderThan: month },
      deleted: ['s2', 's3']
    },
    {
      row: 'closed pull requests go; open and unknown ones stay; a mix needs every tag covered',
      spec: {
        closed: { tags: ['pr-1'], days: 1 },
        open: { tags: ['pr-2'], days: 90 },
        unknown: { tags: ['pr-3'], days: 90 },
        withSha: { tags: ['pr-1', 'sha-abc'], days: 60 },
        withLatest: { tags: ['pr-1', 'latest'], days: 60 }
      },
      policy: { closedPullRequests: true, tagPatterns: ['sha-*'], tagsOlderThan: month },
      pulls: { 1: 'closed', 2: 'open' } as Record<number, PullState>,
      deleted: ['closed', 'withSha']
    },
    {
      row: 'glob ? is one character, patterns are anchored',
      spec: {
        a: { tags: ['v1'], days: 90 },
        b: { tags: ['v10'], days: 90 },
        c: { tags: ['xv1'], days: 90 }
      },
      policy: { tagPatterns: ['v?'], tagsOlderThan: month },
      deleted: ['a']
    }
  ])('$row', ({ spec, policy, pulls, deleted }) => {
    expect(decide(spec, policy, { pulls }).deleted).toEqual(deleted)
  })

  test('both limits: the newest matching version stays though old, the young one stays too', () => {
    const r = decide(
      {
        s3: { tags: ['sha-3'], days: 40 },
        s2: { tags: ['sha-2'], days: 50 },
        s1: { tags: ['sha-1'], days: 20 }
      },
      { tagPatterns: ['sha-*'], tagsKeepNewest: 2, tagsOlderThan: month }
    )
    expect(r.deleted).toEqual(['s2'])
    expect(r.why.s1).toMatch(/updated 20 days ago \(cleanup-tags-older-than: 30d\)/)
    expect(r.why.s3).toMatch(/one of the newest 2 of them \(#2/)
  })

  test('every reason says which rule and which numbers', () => {
    const r = decide(
      {
        old: { days: 40 },
        young: { days: 2 },
        main: { tags: ['main', 'v1'], days: 90 },
        open: { tags: ['pr-2'], days: 90 },
        closed: { tags: ['pr-1'], days: 9 }
      },
      { ...UNTAGGED_7D, closedPullRequests: true },
      { pulls: { 1: 'closed', 2: 'open' } }
    )
    expect(r.why).toEqual({
      old: 'untagged, updated 40 days ago (cleanup-untagged-older-than: 7d)',
      young: 'untagged, updated 2 days ago (cleanup-untagged-older-than: 7d)',
      main: 'tags main, v1 are matched by no policy',
      open: 'pr-2: pull request #2 is open',
      closed: 'pr-1: pull request #1 is closed'
    })
  })
})

describe('never deleted (each row breaks an image without its rule)', () => {
  test.each<KeptRow>([
    {
      row: 'the digest this run pushed, though its tag is of a closed pull request',
      spec: { pushed: { tags: ['pr-5'], days: 0 } },
      policy: { closedPullRequests: true },
      extra: { pushed: 'pushed', pulls: { 5: 'closed' as PullState } },
      kept: { pushed: 'pushed by this run' }
    },
    {
      row: 'the entries of the pushed index, when the API does not list the index yet',
      spec: { 'p-amd64': { days: 30 }, 'p-arm64': { days: 30 } },
      policy: UNTAGGED_7D,
      extra: {
        pushed: 'p',
        unlisted: {
          p: {
            days: 0,
            children: [
              ['p-amd64', 'platform', 'linux/amd64'],
              ['p-arm64', 'platform', 'linux/arm64']
            ]
          } as V
        }
      },
      kept: {
        'p-amd64': /^platform manifest linux\/amd64 of kept sha256:\w{12} \(pushed by this run\)$/
      }
    },
    {
      row: 'platform and attestation manifests of a kept index (untagged, old)',
      spec: multiArch('v1', ['v1'], 90),
      policy: UNTAGGED_7D,
      kept: {
        'v1-arm64': /^platform manifest linux\/arm64 of kept sha256:\w{12} \(v1\)$/,
        'v1-att-amd64': /^attestation manifest of kept/
      }
    },
    {
      row: 'an index inside a kept index, and its entries',
      spec: {
        top: { tags: ['main'], days: 90, children: [['inner', 'manifest']] },
        inner: { days: 90, children: [['leaf', 'platform', 'linux/amd64']] },
        leaf: { days: 90 }
      },
      policy: UNTAGGED_7D,
      kept: {
        inner: /^manifest of kept/,
        leaf: /^platform manifest linux\/amd64 of kept sha256:\w{12} \(untagged\)$/
      }
    },
    {
      row: 'the old entries of a young untagged index (a push that only just moved on)',
      spec: {
        young: { days: 1, children: [['young-amd64', 'platform', 'linux/amd64']] },
        'young-amd64': { days: 10 }
      },
      policy: UNTAGGED_7D,
      kept: { 'young-amd64': /^platform manifest linux\/amd64 of kept/ }
    },
    {
      row: 'an untagged referrer (subject) of a kept digest',
      spec: { main: { tags: ['main'], days: 90 }, sbom: { days: 90, subject: 'main' } },
      policy: UNTAGGED_7D,
      kept: { sbom: /^referrer \(subject\) of kept sha256:\w{12} \(main\)$/ }
    },
    {
      row: 'a sha256-<hex>.sig tag of a kept digest, though a pattern matches it and it is old',
      spec: { main: { tags: ['main'], days: 90 }, sig: { tags: ['SIG:main'], days: 90 } },
      policy: { tagPatterns: ['sha256-*'], tagsOlderThan: month },
      kept: { sig: /^tag sha256-\w{64}\.sig refers to kept sha256:\w{12} \(main\)$/ }
    },
    {
      row: 'the .att tag and the bare OCI referrers tag of a kept digest',
      spec: {
        main: { tags: ['main'], days: 90 },
        att: { tags: ['ATT:main'], days: 90 },
        refs: { tags: ['REFS:main'], days: 90 }
      },
      policy: { tagPatterns: ['sha256-*'], tagsOlderThan: month },
      kept: { att: /\.att refers to kept/, refs: /^tag sha256-\w{64} refers to kept/ }
    },
    {
      row: 'a signature of a platform manifest of a kept index (transitively)',
      spec: { ...multiArch('v2', ['v2'], 90), sig: { tags: ['SIG:v2-arm64'], days: 90 } },
      policy: { ...UNTAGGED_7D, tagPatterns: ['sha256-*'], tagsKeepNewest: 0 },
      kept: { sig: /refers to kept sha256:\w{12} \(untagged\)$/, 'v2-arm64': /of kept/ }
    },
    {
      row: 'an entry shared by a deleted index and a kept one',
      spec: {
        gone: { tags: ['pr-1'], days: 90, children: [['shared', 'platform', 'linux/amd64']] },
        main: { tags: ['main'], days: 1, children: [['shared', 'platform', 'linux/amd64']] },
        shared: { days: 90 }
      },
      policy: { ...UNTAGGED_7D, closedPullRequests: true },
      extra: { pulls: { 1: 'closed' as PullState } },
      kept: { shared: /of kept sha256:\w{12} \(main\)$/ }
    },
    {
      row: 'everything, when one manifest could not be read (it may be an index of the others)',
      spec: { idx: { tags: ['main'], days: 9, read: 'unreadable' as const }, old: { days: 90 } },
      policy: UNTAGGED_7D,
      kept: { old: /could not be read, so what it refers to is unknown/ }
    },
    {
      row: 'everything, when the pushed digest reads as missing (the registry is behind)',
      spec: { old: { days: 90 } },
      policy: UNTAGGED_7D,
      extra: { pushed: 'p', unlisted: { p: { days: 0, read: 'missing' as const } } },
      kept: { old: /could not be read/ }
    }
  ])('$row', ({ spec, policy, extra, kept }) => {
    const resolved = Object.fromEntries(
      Object.entries(spec).map(([n, v]) => [n, { ...v, tags: v.tags?.map(refTag) }])
    )
    const r = decide(resolved, policy, extra)
    for (const [n, why] of Object.entries(kept)) {
      expect(r.deleted).not.toContain(n)
      if (typeof why === 'string') expect(r.why[n]).toBe(why)
      else expect(r.why[n]).toMatch(why)
    }
  })
})

/** `SIG:main` → cosign's signature tag of main's digest; `ATT:`, `REFS:` likewise. */
function refTag(tag: string): string {
  const m = /^(SIG|ATT|REFS):(.+)$/.exec(tag)
  if (!m) return tag
  const hex = D(m[2]).slice('sha256:'.length)
  return { SIG: `sha256-${hex}.sig`, ATT: `sha256-${hex}.att`, REFS: `sha256-${hex}` }[m[1]] ?? tag
}

describe('what goes with a deleted version, and the order', () => {
  test('a deleted index takes its untagged entries along, after it; a kept signature tag of it stays', () => {
    const r = decide(
      {
        ...multiArch('pr1', ['pr-1'], 5),
        sbom: { days: 5, subject: 'pr1' },
        sig: { tags: [refTag('SIG:pr1')], days: 5 }
      },
      { closedPullRequests: true },
      { pulls: { 1: 'closed' } }
    )
    expect(r.deleted).toEqual(
      ['pr1', 'pr1-amd64', 'pr1-arm64', 'pr1-att-amd64', 'pr1-att-arm64', 'sbom'].sort()
    )
    expect(r.order[0]).toBe('pr1')
    expect(r.after['pr1-arm64']).toEqual(['pr1'])
    expect(r.after.sbom).toEqual(['pr1'])
    expect(r.why['pr1-amd64']).toMatch(
      /^platform manifest linux\/amd64 of deleted sha256:\w{12} \(pr-1\)$/
    )
    expect(r.why.sig).toMatch(/is matched by no policy/)
  })

  test('a matched signature of a deleted digest goes after it', () => {
    const r = decide(
      { old: { days: 90 }, sig: { tags: [refTag('SIG:old')], days: 90 } },
      { ...UNTAGGED_7D, tagPatterns: ['sha256-*'], tagsOlderThan: month }
    )
    expect(r.order).toEqual(['old', 'sig'])
    expect(r.after.sig).toEqual(['old'])
  })

  test('an entry of an index that is itself deleted comes after every deleted index naming it', () => {
    const r = decide(
      {
        a: { days: 90, children: [['c', 'platform', 'linux/amd64']] },
        b: { days: 80, children: [['c', 'platform', 'linux/amd64']] },
        c: { days: 90 }
      },
      UNTAGGED_7D
    )
    expect(r.order.indexOf('c')).toBe(2)
    expect(r.after.c.sort()).toEqual(['a', 'b'])
  })
})
