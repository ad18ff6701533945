// The clean-up inputs through parseInputs, as the step reads them: what each becomes, and every
// refused combination as one line naming the input and the fix.
import { describePolicy, globRegExp } from '../../src/cleanup-options.js'
import { InputError } from '../../src/errors.js'
import { checkPaths, parseInputs } from '../../src/inputs.js'

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? ''
const base = { username: 'octo', token: 't0ken' }
const parse = (v: Record<string, string>) => parseInputs(reader({ ...base, ...v })).cleanup

describe('clean-up inputs', () => {
  test('off by default, with no policy', () => {
    expect(parse({})).toEqual({
      mode: 'off',
      dryRun: false,
      policy: {
        untaggedOlderThan: undefined,
        tagPatterns: [],
        tagsOlderThan: undefined,
        tagsKeepNewest: undefined,
        closedPullRequests: false
      }
    })
  })

  test('every policy input, ages in hours, days and weeks', () => {
    const c = parse({
      'cleanup-mode': 'After-Push',
      'cleanup-dry-run': 'true',
      'cleanup-untagged-older-than': '36h',
      'cleanup-tags': 'pr-*, sha-*\nnightly-??',
      'cleanup-tags-older-than': '2w',
      'cleanup-tags-keep-newest': '10',
      'cleanup-closed-prs': 'true'
    })
    expect(c).toEqual({
      mode: 'after-push',
      dryRun: true,
      policy: {
        untaggedOlderThan: { text: '36h', ms: 36 * 3_600_000 },
        tagPatterns: ['pr-*', 'sha-*', 'nightly-??'],
        tagsOlderThan: { text: '2w', ms: 14 * 86_400_000 },
        tagsKeepNewest: 10,
        closedPullRequests: true
      }
    })
    expect(describePolicy(c.policy)).toBe(
      'untagged versions older than 36h; versions tagged only pr-*, sha-*, nightly-?? older than 2w and beyond the newest 10; pr-N tags of closed pull requests'
    )
  })

  test('only: the step builds nothing, so no context or Dockerfile is needed', () => {
    const only = parseInputs(
      reader({ ...base, 'cleanup-mode': 'only', 'cleanup-closed-prs': 'true' })
    )
    expect(() => checkPaths(only, () => false)).not.toThrow()
    const after = parseInputs(
      reader({ ...base, 'cleanup-mode': 'after-push', 'cleanup-closed-prs': 'true' })
    )
    expect(() => checkPaths(after, () => false)).toThrow(/^context: "\." does not exist/)
  })

  test('glob: * any run, ? one character, the rest literal and anchored', () => {
    const g = globRegExp('v1.*-r?')
    expect(['v1.2-rc', 'v1.-r1'].filter(t => g.test(t))).toEqual(['v1.2-rc', 'v1.-r1'])
    expect(['v1x2-rc', 'xv1.2-rc', 'v1.2-rc1'].filter(t => g.test(t))).toEqual([])
  })

  test.each([
    [
      { 'cleanup-mode': 'true' },
      'cleanup-mode: "true" is not valid: use off, after-push (after a verified push) or only (clean up without building)'
    ],
    [
      { 'cleanup-untagged-older-than': '7d' },
      'cleanup-untagged-older-than: set, but cleanup-mode is off: set cleanup-mode: after-push or only, or drop cleanup-untagged-older-than'
    ],
    [
      { 'cleanup-dry-run': 'true', 'cleanup-closed-prs': 'true' },
      'cleanup-closed-prs: set, but cleanup-mode is off: set cleanup-mode: after-push or only, or drop cleanup-closed-prs, cleanup-dry-run'
    ],
    [
      { 'cleanup-mode': 'only' },
      'cleanup-mode: no policy is set, so nothing would be deleted: set cleanup-untagged-older-than, cleanup-tags or cleanup-closed-prs'
    ],
    [
      { 'cleanup-mode': 'only', 'cleanup-untagged-older-than': '7 days' },
      'cleanup-untagged-older-than: "7 days" is not an age: use a whole number with h, d or w, e.g. 7d'
    ],
    [
      { 'cleanup-mode': 'only', 'cleanup-untagged-older-than': '30m' },
      'cleanup-untagged-older-than: "30m" is not an age: use a whole number with h, d or w, e.g. 7d'
    ],
    [
      { 'cleanup-mode': 'only', 'cleanup-untagged-older-than': '0h' },
      'cleanup-untagged-older-than: "0h" is under 1h: a push in progress leaves its platform manifests untagged until its index lands: use 1h or more'
    ],
    [
      { 'cleanup-mode': 'only', 'cleanup-tags': 'pr-*' },
      'cleanup-tags: say which matching versions go: set cleanup-tags-older-than (e.g. 30d) or cleanup-tags-keep-newest (e.g. 10), or both'
    ],
    [
      { 'cleanup-mode': 'only', 'cleanup-tags': 'pr/*', 'cleanup-tags-keep-newest': '1' },
      'cleanup-tags: "pr/*" is not a tag pattern: use tag characters with * and ?, e.g. pr-* or sha-*'
    ],
    [
      { 'cleanup-mode': 'only', 'cleanup-closed-prs': 'true', 'cleanup-tags-keep-newest': '3' },
      'cleanup-tags-keep-newest: applies to the versions cleanup-tags matches, but cleanup-tags is empty: set it, e.g. pr-*'
    ],
    [
      { 'cleanup-mode': 'only', 'cleanup-tags': 'pr-*', 'cleanup-tags-keep-newest': 'ten' },
      'cleanup-tags-keep-newest: "ten" is not a whole number: use e.g. 10'
    ],
    [
      { 'cleanup-mode': 'only', 'cleanup-closed-prs': 'true', 'dry-run': 'true' },
      'cleanup-mode: only with dry-run reads nothing, so it shows nothing: use cleanup-dry-run: true to list what would be deleted'
    ],
    [
      {
        'cleanup-mode': 'only',
        'cleanup-closed-prs': 'true',
        'merge-digests': `sha256:${'a'.repeat(64)}`
      },
      'cleanup-mode: only builds nothing, but merge-digests is set: use a step of its own for the clean-up'
    ],
    [
      { 'cleanup-mode': 'after-push', 'cleanup-closed-prs': 'true', 'push-by-digest': 'true' },
      'cleanup-mode: a push-by-digest job leaves untagged digests for the merge job: clean up in the merge job instead'
    ],
    [
      { 'cleanup-mode': 'after-push', 'cleanup-closed-prs': 'true', verify: 'false' },
      'cleanup-mode: after-push runs only after a verified push, but verify is false: drop verify: false, or clean up in a step of its own (cleanup-mode: only)'
    ]
  ])('%j → %s', (values, message) => {
    expect(() => parse(values)).toThrow(new InputError(message))
  })
})
