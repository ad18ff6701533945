// The tag language as tables: (event, tags, flavor) → tags with the rule that made each.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { contextFromEnv, type GitHubContext, type RepoInfo } from '../../src/context.js'
import { InputError } from '../../src/errors.js'
import {
  compareReleases,
  computeTags,
  formatDate,
  loadTagLibraries,
  MAX_TAG_LENGTH,
  parseImages,
  parseSemver,
  type TagEnv
} from '../../src/tags/index.js'
import { DEFAULT_TAGS, event } from '../fixtures/default-tags.js'

// The cases use {{date}}: the formatter loads on demand, as in the step.
await loadTagLibraries(['{{date}}'])

const SHA = 'abc1234def5678abc1234def5678abc1234def56'
const HEAD = 'f00dbabe'.repeat(5)
const NOW = new Date('2020-01-10T00:30:00.000Z')

function ctx(eventName: string, ref: string, payload: Record<string, unknown> = {}): GitHubContext {
  return contextFromEnv(
    {
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_EVENT_NAME: eventName,
      GITHUB_REF: ref,
      GITHUB_SHA: SHA,
      GITHUB_HEAD_REF: eventName.startsWith('pull_request') ? 'feature/login' : ''
    },
    { repository: { default_branch: 'main' }, ...payload }
  )
}

const pr = {
  number: 15,
  pull_request: {
    number: 15,
    head: { ref: 'feature/login', sha: HEAD },
    base: { ref: 'main' }
  }
}

const EVENTS = {
  pushMain: ctx('push', 'refs/heads/main'),
  pushFeature: ctx('push', 'refs/heads/feature/X'),
  tag123: ctx('push', 'refs/tags/v1.2.3'),
  tag041: ctx('push', 'refs/tags/v0.4.1'),
  tagRc: ctx('push', 'refs/tags/v2.0.0-rc.1'),
  tagRelease7: ctx('push', 'refs/tags/release-7'),
  pullRequest: ctx('pull_request', 'refs/pull/15/merge', pr),
  schedule: ctx('schedule', 'refs/heads/main')
}

const env = (c: GitHubContext, extra: Partial<TagEnv> = {}): TagEnv => ({
  ctx: c,
  now: NOW,
  ...extra
})
const names = (
  c: GitHubContext,
  tags: string[],
  flavor: string[] = [],
  extra: Partial<TagEnv> = {}
) => computeTags(env(c, extra), tags, flavor).tags.map(t => t.name)

describe('our default set (tags input empty)', () => {
  it.each(DEFAULT_TAGS)('%s', (_row, eventName, ref, payload, expected) => {
    expect(names(event(eventName, ref, payload), [])).toEqual(expected)
  })

  it('is the table docs/tags.md shows', () => {
    const doc = readFileSync(new URL('../../docs/tags.md', import.meta.url), 'utf8')
    const section = doc.slice(doc.indexOf('## Our default set'), doc.indexOf('## Pull requests'))
    const rows = section.split('\n').filter(l => /^\| (push|pull|schedule|anything)/.test(l))
    const documented = rows.map(l => [...l.split('|')[3].matchAll(/`([^`]+)`/g)].map(m => m[1]))
    expect(documented).toEqual(DEFAULT_TAGS.map(row => row[4]))
  })

  it('explains every default tag with its rule', () => {
    const result = computeTags(env(EVENTS.tag123), [], [])
    expect(result.tags).toEqual([
      { name: '1.2.3', rule: 'type=semver,pattern={{version}}' },
      { name: '1.2', rule: 'type=semver,pattern={{major}}.{{minor}}' },
      { name: '1', rule: 'type=semver,pattern={{major}}' },
      { name: 'latest', rule: 'type=raw,value=latest' },
      { name: 'sha-abc1234', rule: 'type=sha' }
    ])
    expect(result.version).toEqual({
      main: '1.2.3',
      partial: ['1.2', '1', 'sha-abc1234'],
      latest: true
    })
    expect(result.latestReason).toBe('default set: tag v1.2.3 is a semver release, so latest')
  })

  it.each([
    [EVENTS.pushMain, 'default set: main is the default branch, so latest'],
    [EVENTS.pushFeature, 'default set: feature/X is not the default branch main, so no latest'],
    [EVENTS.tagRc, 'default set: tag v2.0.0-rc.1 is a pre-release, so no latest'],
    [EVENTS.tagRelease7, 'default set: tag release-7 is not a semver version, so no latest'],
    [EVENTS.pullRequest, 'default set: pull requests never get latest'],
    [EVENTS.schedule, 'default set: scheduled builds never get latest']
  ])('latestReason for %#', (c, reason) => {
    expect(computeTags(env(c), [], []).latestReason).toBe(reason)
  })

  it('falls back to the repository API default branch, and gives no latest when neither knows', () => {
    const noPayload = contextFromEnv(
      {
        GITHUB_REPOSITORY: 'acme/app',
        GITHUB_EVENT_NAME: 'push',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_SHA: SHA
      },
      {}
    )
    const repo: RepoInfo = { defaultBranch: 'main' }
    expect(names(noPayload, [], [], { repo })).toEqual(['main', 'sha-abc1234', 'latest'])
    const unknown = computeTags(env(noPayload), [], [])
    expect(unknown.tags.map(t => t.name)).toEqual(['main', 'sha-abc1234'])
    expect(unknown.latestReason).toMatch(/default branch is unknown/)
  })

  it('honours an explicit flavor latest and prefix/suffix', () => {
    expect(names(EVENTS.tag123, [], ['latest=false'])).toEqual(['1.2.3', '1.2', '1', 'sha-abc1234'])
    expect(names(EVENTS.pushFeature, [], ['latest=true'])).toEqual([
      'feature-X',
      'sha-abc1234',
      'latest'
    ])
    expect(names(EVENTS.pushMain, [], ['suffix=-alpine'])).toEqual([
      'main-alpine',
      'sha-abc1234-alpine',
      'latest'
    ])
    expect(names(EVENTS.pushMain, [], ['suffix=-alpine,onlatest=true'])).toEqual([
      'main-alpine',
      'sha-abc1234-alpine',
      'latest-alpine'
    ])
  })
})

describe('rules', () => {
  it('orders by priority, then input order, and dedupes', () => {
    const result = computeTags(
      env(EVENTS.tag123),
      [
        'type=sha',
        'type=raw,value=1.2.3',
        'type=semver,pattern={{version}}',
        'type=semver,pattern={{major}}.{{minor}}'
      ],
      []
    )
    expect(result.tags).toEqual([
      { name: '1.2.3', rule: 'type=semver,pattern={{version}}' },
      { name: '1.2', rule: 'type=semver,pattern={{major}}.{{minor}}' },
      { name: 'sha-abc1234', rule: 'type=sha' },
      { name: 'latest', rule: 'flavor latest=auto' }
    ])
    expect(result.latestReason).toBe(
      'flavor latest=auto: the first tag "1.2.3" comes from type=semver,pattern={{version}}, and v1.2.3 is a release, so latest is added'
    )
  })

  it('a line without type= is a raw tag', () => {
    expect(names(EVENTS.pushFeature, ['stable', 'nightly-{{sha}}'])).toEqual([
      'stable',
      'nightly-abc1234'
    ])
  })

  it('explains latest for branch rules and flavor values', () => {
    const auto = computeTags(env(EVENTS.pushFeature), ['type=ref,event=branch'], [])
    expect(auto.latestReason).toBe(
      'flavor latest=auto: the first tag "feature-X" comes from type=ref,event=branch, and event=branch never sets latest'
    )
    const forced = computeTags(env(EVENTS.pushFeature), ['type=ref,event=branch'], ['latest=true'])
    expect(forced.tags.map(t => t.rule)).toEqual(['type=ref,event=branch', 'flavor latest=true'])
    expect(forced.latestReason).toBe('flavor latest=true: latest is always added')
    expect(computeTags(env(EVENTS.pushFeature), ['type=ref,event=tag'], []).latestReason).toBe(
      'no tag was computed, so there is no latest'
    )
  })

  it('type=sha uses the PR head commit by default, the merge commit with prHeadSha: false', () => {
    expect(names(EVENTS.pullRequest, ['type=sha', 'type=raw,value=x-{{sha}}'])).toEqual([
      'x-f00dbab',
      'sha-f00dbab'
    ])
    expect(names(EVENTS.pullRequest, ['type=sha'], [], { prHeadSha: false })).toEqual([
      'sha-abc1234'
    ])
    expect(names(EVENTS.pullRequest, ['type=sha,format=long'])).toEqual([`sha-${HEAD}`])
  })

  it('pull_request_target uses refs/pull/<n>/merge', () => {
    const target = ctx('pull_request_target', 'refs/heads/main', pr)
    expect(names(target, ['type=ref,event=pr', 'type=ref,event=branch'])).toEqual(['pr-15'])
  })

  it('type=edge uses the repository API default branch, or branch=', () => {
    const repo: RepoInfo = { defaultBranch: 'main' }
    expect(names(EVENTS.pushMain, ['type=edge'], [], { repo })).toEqual(['edge'])
    expect(names(EVENTS.pushFeature, ['type=edge,branch=feature/X'])).toEqual(['edge'])
    expect(names(EVENTS.pushFeature, ['type=edge'], [], { repo })).toEqual([])
  })

  it('type=match and type=pep440', () => {
    const c = ctx('push', 'refs/tags/app/v3.4.5')
    expect(names(c, ['type=match,pattern=app/v(\\d+)\\.(\\d+),group=2'])).toEqual(['4', 'latest'])
    expect(names(c, ['type=pep440,pattern={{major}}.{{minor}},match=app/(.*)'])).toEqual([
      '3.4',
      'latest'
    ])
    expect(names(ctx('push', 'refs/tags/1.0rc1'), ['type=pep440,pattern={{major}}'])).toEqual([
      '1.0rc1'
    ])
  })

  it('type=semver exposes prerelease and build; pre-releases only give {{version}} or {{raw}}', () => {
    const c = ctx('push', 'refs/tags/v2.0.0-rc.1+b7')
    expect(names(c, ['type=semver,pattern={{major}}.{{minor}}'])).toEqual(['2.0.0-rc.1'])
    expect(names(c, ['type=semver,pattern={{raw}}'])).toEqual(['v2.0.0-rc.1-b7'])
    const rel = ctx('push', 'refs/tags/v2.0.0+b7')
    expect(names(rel, ['type=semver,pattern={{version}}-{{build}}'], ['latest=false'])).toEqual([
      '2.0.0-b7'
    ])
  })
})

describe('expressions', () => {
  it.each([
    ['{{branch}}', EVENTS.pushFeature, 'feature-X'],
    ['{{tag}}', EVENTS.tag123, 'v1.2.3'],
    ['{{sha}}', EVENTS.pushMain, 'abc1234'],
    ['b-{{base_ref}}', EVENTS.pullRequest, 'b-main'],
    ['h-{{head_ref}}', EVENTS.pullRequest, 'h-feature-login'],
    ['h-{{head_ref}}', EVENTS.pushMain, 'h-'],
    ['{{is_default_branch}}', EVENTS.pushMain, 'true'],
    ['{{is_not_default_branch}}', EVENTS.pushMain, 'false'],
    ['{{is_default_branch}}', EVENTS.schedule, 'true'],
    ["{{date 'YYYYMMDD-HHmmss'}}", EVENTS.pushMain, '20200110-003000'],
    ["{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}", EVENTS.pushMain, '20200110-093000'],
    ["{{commit_date 'YYYY-MM-DD'}}", EVENTS.pushMain, '2020-01-10'],
    ['{{ date }}', EVENTS.pushMain, '2020-01-10T00-30-00Z']
  ])('%s', (template, c, expected) => {
    expect(names(c, [`type=raw,value=${template}`])).toEqual([expected])
  })

  it('double quotes work inside a quoted CSV field', () => {
    const line = 'type=raw,"value={{date ""YYYYMMDD-HH"" tz=""Asia/Tokyo""}}"'
    expect(names(EVENTS.pushMain, [line])).toEqual(['20200110-09'])
  })

  it('{{commit_date}} reads the push payload', () => {
    const c = ctx('push', 'refs/heads/main', {
      head_commit: { id: SHA, timestamp: '2019-12-31T23:59:59+01:00' }
    })
    expect(names(c, ["type=raw,value={{commit_date 'YYYYMMDD-HHmm'}}"])).toEqual(['20191231-2259'])
  })

  it('enable takes an expression', () => {
    const rules = [
      'type=raw,value=a,enable={{is_default_branch}}',
      'type=raw,value=b,enable={{is_not_default_branch}}'
    ]
    expect(names(EVENTS.pushMain, rules)).toEqual(['a'])
    expect(names(EVENTS.pushFeature, rules)).toEqual(['b'])
  })

  it('a schedule pattern can use dates', () => {
    expect(names(EVENTS.schedule, ["type=schedule,pattern=nightly-{{date 'YYYYMMDD'}}"])).toEqual([
      'nightly-20200110'
    ])
  })
})

describe('formatDate (moment, offsets of IANA zones from Intl)', () => {
  const at = new Date('2021-03-04T05:06:07.089Z')
  it.each([
    ['YYYY-MM-DD HH:mm:ss.SSS', 'UTC', '2021-03-04 05:06:07.089'],
    ['YY M D H m s', 'UTC', '21 3 4 5 6 7'],
    ['ddd dddd MMM MMMM Do', 'UTC', 'Thu Thursday Mar March 4th'],
    ['h:mm A', 'America/New_York', '12:06 AM'],
    ['YYYYMMDD Z ZZ', 'America/New_York', '20210304 -05:00 -0500'],
    ['YYYY-MM-DD HH:mm Z', 'Asia/Kolkata', '2021-03-04 10:36 +05:30'],
    ['[Week] W, GGGG, DDDD, Q, E', 'UTC', 'Week 9, 2021, 063, 1, 4'],
    ['X x', 'UTC', '1614834367 1614834367089'],
    // moment's locale tokens (English), which a hand-written formatter did not have
    ['LL', 'UTC', 'March 4, 2021'],
    ['dddd, MMMM Do YYYY, h:mm:ss a', 'Europe/Paris', 'Thursday, March 4th 2021, 6:06:07 am'],
    ['[zone] YYYY', 'UTC', 'zone 2021'],
    ['YYYY-MM-DDTHH:mm:ss.SSS[Z]', 'UTC', '2021-03-04T05:06:07.089Z']
  ])('%s in %s', (format, tz, expected) => {
    expect(formatDate(at, format, tz)).toBe(expected)
  })

  it('defaults to moment’s ISO format with the zone offset', () => {
    expect(formatDate(at, undefined, 'UTC')).toBe('2021-03-04T05:06:07Z')
    expect(formatDate(at, undefined, 'Asia/Tokyo')).toBe('2021-03-04T14:06:07+09:00')
  })
})

describe('registry tag grammar', () => {
  it('replaces invalid characters like metadata-action', () => {
    expect(names(ctx('push', 'refs/heads/my/feature#1245'), ['type=ref,event=branch'])).toEqual([
      'my-feature-1245'
    ])
  })

  it('drops a leading . or -', () => {
    expect(
      names(EVENTS.pushFeature, [
        'type=raw,value=.hidden',
        'type=raw,value=--x',
        'type=raw,value=-'
      ])
    ).toEqual(['hidden', 'x'])
    expect(names(EVENTS.pushFeature, ['type=raw,value={{tag}}-{{sha}}'])).toEqual(['abc1234'])
  })

  it(`caps tags at ${MAX_TAG_LENGTH} characters`, () => {
    const long = `feature/${'x'.repeat(200)}`
    const [tag] = names(ctx('push', `refs/heads/${long}`), ['type=ref,event=branch'])
    expect(tag).toHaveLength(128)
    expect(tag).toBe(`feature-${'x'.repeat(120)}`)
  })
})

describe('images', () => {
  it('parses names, enable and the one-line form; keeps case (the plan lowercases)', () => {
    const e = env(EVENTS.pushMain)
    expect(parseImages(e, ['ghcr.io/Acme/App', 'name=docker.io/acme/app,enable=false'])).toEqual([
      'ghcr.io/Acme/App'
    ])
    expect(parseImages(e, ['a/b,c/d'])).toEqual(['a/b', 'c/d'])
    expect(parseImages(e, ['name=x/y,enable={{is_not_default_branch}}', 'z/w'])).toEqual(['z/w'])
  })
})

describe('malformed lines: one line that quotes the input and says the fix', () => {
  const e = env(EVENTS.tag123)
  const TYPES = 'use one of schedule, semver, pep440, match, edge, ref, raw, sha'
  const KEYS =
    'use one of type, pattern, value, match, group, prefix, suffix, enable, priority, format, branch, event'
  const EXPRS =
    'use one of {{branch}}, {{tag}}, {{sha}}, {{base_ref}}, {{head_ref}}, {{is_default_branch}}, {{is_not_default_branch}}, {{date}}, {{commit_date}}'
  it.each([
    [
      'tags',
      'type=semvr,pattern={{version}}',
      `tags: unknown type "semvr" in "type=semvr,pattern={{version}}": ${TYPES}`
    ],
    [
      'tags',
      'type=semver,patern={{version}}',
      `tags: unknown key "patern" in "type=semver,patern={{version}}": ${KEYS}`
    ],
    [
      'tags',
      'type=semver',
      'tags: type=semver needs a pattern in "type=semver": add one, e.g. type=semver,pattern={{version}}'
    ],
    [
      'tags',
      'type=match,pattern=v(\\d+',
      'tags: invalid regular expression in pattern= (/v(\\d+/: Unterminated group) in "type=match,pattern=v(\\d+": fix the pattern (JavaScript regular expression syntax; quote the field if it has commas)'
    ],
    [
      'tags',
      'type=semver,pattern={{version}},match=[',
      'tags: invalid regular expression in match= (/[/: Unterminated character class) in "type=semver,pattern={{version}},match=[": fix the pattern (JavaScript regular expression syntax; quote the field if it has commas)'
    ],
    [
      'tags',
      'type=match,pattern=v(.*),group=one',
      'tags: group must be a number, got "one" in "type=match,pattern=v(.*),group=one": e.g. group=1'
    ],
    [
      'tags',
      'type=raw,value=x,enable=yes',
      'tags: enable must be true or false, got "yes" in "type=raw,value=x,enable=yes": write enable=true, enable=false, enable={{is_default_branch}} or enable={{is_not_default_branch}}'
    ],
    [
      'tags',
      'type=raw,value=x,enable={{branch}}',
      'tags: enable must be true or false, got "{{branch}}" in "type=raw,value=x,enable={{branch}}": write enable=true, enable=false, enable={{is_default_branch}} or enable={{is_not_default_branch}}'
    ],
    [
      'tags',
      'type=semver,pattern={{version}},value=1.2',
      'tags: "1.2" is not a valid semver version in "type=semver,pattern={{version}},value=1.2": use e.g. value=v1.2.3'
    ],
    [
      'tags',
      'type=pep440,pattern={{version}},value=one',
      'tags: "one" is not a valid PEP 440 version in "type=pep440,pattern={{version}},value=one": use e.g. value=1.2.3'
    ],
    [
      'tags',
      'type=ref',
      'tags: type=ref needs an event in "type=ref": add event=branch, event=tag or event=pr'
    ],
    [
      'tags',
      'type=ref,event=push',
      'tags: unknown event "push" in "type=ref,event=push": use event=branch, event=tag or event=pr'
    ],
    [
      'tags',
      'type=sha,format=medium',
      'tags: unknown format "medium" in "type=sha,format=medium": use format=short or format=long'
    ],
    [
      'tags',
      'type=raw,value=x,priority=high',
      'tags: priority must be a whole number, got "high" in "type=raw,value=x,priority=high": e.g. priority=500 (higher comes first)'
    ],
    [
      'tags',
      'type=raw',
      'tags: type=raw needs a value in "type=raw": add one, e.g. type=raw,value=stable'
    ],
    [
      'tags',
      'type=raw,value={{brnch}}',
      `tags: unknown expression {{brnch}} in "type=raw,value={{brnch}}": ${EXPRS}`
    ],
    [
      'tags',
      'type=raw,value={{branch',
      'tags: unclosed {{ in "type=raw,value={{branch": close the expression with }}'
    ],
    [
      'tags',
      'type=raw,value={{date YYYYMMDD}}',
      'tags: unquoted date format in {{date YYYYMMDD}} in "type=raw,value={{date YYYYMMDD}}": quote it: {{date \'YYYYMMDD\'}}'
    ],
    [
      'tags',
      "type=raw,value={{date 'YYYY' tz='Mars/Olympus'}}",
      "tags: unknown time zone \"Mars/Olympus\" in \"type=raw,value={{date 'YYYY' tz='Mars/Olympus'}}\": use an IANA zone name such as tz='UTC' or tz='Europe/Paris'"
    ],
    [
      'tags',
      "type=raw,value={{date 'YYYY' zone='UTC'}}",
      "tags: unknown option zone= in {{date 'YYYY' zone='UTC'}} in \"type=raw,value={{date 'YYYY' zone='UTC'}}\": the only option is tz='Zone'"
    ],
    [
      'tags',
      "type=raw,value={{date 'YYYYMMDD-z'}}",
      "tags: the zone name token z in format 'YYYYMMDD-z' is not supported in \"type=raw,value={{date 'YYYYMMDD-z'}}\": use Z (+09:00) or ZZ (+0900) for the offset, or put literal text in [brackets]"
    ],
    [
      'tags',
      'type=semver,pattern={{vresion}}',
      'tags: unknown expression {{vresion}} in "type=semver,pattern={{vresion}}": use one of {{branch}}, {{tag}}, {{sha}}, {{base_ref}}, {{head_ref}}, {{is_default_branch}}, {{is_not_default_branch}}, {{date}}, {{commit_date}}, {{raw}}, {{version}}, {{major}}, {{minor}}, {{patch}}, {{prerelease}}, {{build}}'
    ],
    [
      'tags',
      'type=raw,value=say"hi"',
      'tags: a quote inside an unquoted field in "type=raw,value=say"hi"": quote the whole field and double inner quotes: "value=say ""hi"""'
    ],
    [
      'tags',
      'type=match,"pattern=v(.*)',
      'tags: unclosed quote in "type=match,"pattern=v(.*)": end the quoted field with "'
    ],
    [
      'flavor',
      'lates=true',
      'flavor: unknown key "lates" in "lates=true": use one of latest, prefix, suffix, onlatest'
    ],
    [
      'flavor',
      'latest=yes',
      'flavor: latest must be auto, true or false, got "yes" in "latest=yes": e.g. latest=auto'
    ],
    [
      'flavor',
      'suffix=-x,onlatest=yes',
      'flavor: onlatest must be true or false, got "yes" in "suffix=-x,onlatest=yes": e.g. suffix=-alpine,onlatest=true'
    ],
    [
      'flavor',
      'latest',
      'flavor: "latest" is not key=value in "latest": use latest=, prefix=, suffix=, onlatest='
    ],
    [
      'images',
      'name=,enable=true',
      'images: empty image name in "name=,enable=true": write the image, e.g. name=ghcr.io/OWNER/IMAGE'
    ],
    [
      'images',
      'name=a/b,tag=x',
      'images: unknown key "tag" in "name=a/b,tag=x": use name= and enable='
    ],
    [
      'images',
      'name=a/b,enable=maybe',
      'images: enable must be true or false, got "maybe" in "name=a/b,enable=maybe": write enable=true, enable=false, enable={{is_default_branch}} or enable={{is_not_default_branch}}'
    ]
  ])('%s: %s', (input, line, message) => {
    const call = (): unknown =>
      input === 'tags'
        ? computeTags(e, [line], [])
        : input === 'flavor'
          ? computeTags(e, ['type=sha'], [line])
          : parseImages(e, [line, 'other/image'])
    expect(call).toThrow(InputError)
    expect(call).toThrow(message)
    try {
      call()
    } catch (err) {
      expect((err as Error).message).toBe(message)
      expect((err as Error).message).not.toContain('\n')
    }
  })
})

describe('the semver helper (tags and Buildx versions)', () => {
  it.each([
    ['v1.2.3', '1.2.3', [1, 2, 3], [], []],
    ['0.13.1+ds1', '0.13.1', [0, 13, 1], [], ['ds1']],
    ['0.13.1+ds1-3', '0.13.1', [0, 13, 1], [], ['ds1-3']],
    ['v0.20.1-desktop.2', '0.20.1-desktop.2', [0, 20, 1], ['desktop', 2], []],
    ['v2.0.0-rc.1+b7', '2.0.0-rc.1', [2, 0, 0], ['rc', 1], ['b7']]
  ])('parseSemver(%s)', (text, version, numbers, prerelease, build) => {
    const v = parseSemver(text)
    expect(v && [v.version, [v.major, v.minor, v.patch], v.prerelease, v.build]).toEqual([
      version,
      numbers,
      prerelease,
      build
    ])
    expect(v?.raw).toBe(text)
  })

  it.each(['1.2', 'v1.2.3.4', '01.2.3', 'V1.2.3', '1.2.3-', 'release-7', 'dev', ''])(
    'parseSemver(%j) is not a version',
    text => {
      expect(parseSemver(text)).toBeUndefined()
    }
  )

  it.each([
    ['v0.13.1', '0.13.0', 1],
    ['0.13.1+ds1', 'v0.13.1', 0],
    ['v0.20.1-desktop.2', '0.20.1', 0],
    ['v0.9.10', 'v0.10.0', -1],
    ['v1.0.0', 'v0.99.99', 1],
    ['garbage', 'v0.1.0', -1],
    ['v0.1.0', 'garbage', 1],
    ['garbage', 'junk', 0]
  ])('compareReleases(%s, %s) = %d', (a, b, expected) => {
    expect(compareReleases(a, b)).toBe(expected)
  })
})

describe('edges of the tag language (from the mutation run, docs/mutation.md)', () => {
  const result = (c: GitHubContext, tags: string[], flavor: string[] = []) =>
    computeTags(env(c), tags, flavor)
  const why = (c: GitHubContext, rule: string) =>
    result(c, [rule]).skipped.find(s => s.rule === rule)?.why

  it('a run of characters a tag cannot hold becomes one "-"', () => {
    expect(names(EVENTS.pushMain, ['type=raw,value=a@@b  c'])).toEqual(['a-b-c'])
  })
  it('latest only once when a rule gives it and flavor latest=true adds it', () => {
    expect(names(EVENTS.pushMain, ['type=raw,value=latest'], ['latest=true'])).toEqual(['latest'])
  })
  it('type=ref,event=tag on a tag push sets latest (flavor latest=auto)', () => {
    expect(names(EVENTS.tag123, ['type=ref,event=tag'])).toEqual(['v1.2.3', 'latest'])
  })
  it('a semver rule with value= works on a branch push too', () => {
    expect(names(EVENTS.pushMain, ['type=semver,pattern={{version}},value=v2.3.4'])).toEqual([
      '2.3.4',
      'latest'
    ])
  })
  it('no tag: no version, no latest, no image refs', () => {
    const r = result(EVENTS.pushFeature, ['type=ref,event=tag'])
    expect(r.tags).toEqual([])
    expect(r.version).toEqual({ main: undefined, partial: [], latest: false })
    expect(r.imageRefs).toEqual([])
  })
  it('each rule that gives no tag says why', () => {
    expect(why(EVENTS.tag123, 'type=edge')).toBe('not a branch push')
    const noDefault = contextFromEnv(
      { GITHUB_REPOSITORY: 'acme/app', GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' },
      {}
    )
    expect(why(noDefault, 'type=edge')).toBe('the default branch is unknown')
    expect(why(EVENTS.tagRelease7, 'type=pep440,pattern={{version}}')).toBe(
      '"release-7" is not a PEP 440 version'
    )
    const noSha = contextFromEnv(
      { GITHUB_REPOSITORY: 'acme/app', GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' },
      { repository: { default_branch: 'main' } }
    )
    expect(why(noSha, 'type=sha')).toBe('no commit sha (GITHUB_SHA is empty)')
  })
})
