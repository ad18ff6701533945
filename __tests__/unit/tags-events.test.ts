// The tag language across events: a wrong rule fails on every event (not only on the one it fires
// on), no applicable rule means build without pushing, the default branch without
// repository.default_branch in the payload, and full image references in `tags`.
import { describe, expect, it } from '@jest/globals'
import type { GitHubContext, RepoInfo } from '../../src/context.js'
import { InputError } from '../../src/errors.js'
import { parseInputs } from '../../src/inputs.js'
import { buildCommand } from '../../src/build-command.js'
import { computePlan } from '../../src/plan.js'
import { checkTagInputs, computeTags, loadTagLibraries } from '../../src/tags/index.js'
import { event, PR_15 } from '../fixtures/default-tags.js'

await loadTagLibraries(['{{date}}'])

const NOW = new Date('2020-01-10T00:30:00.000Z')

const EVENTS: Record<string, GitHubContext> = {
  'push to main': event('push', 'refs/heads/main'),
  'push to dev': event('push', 'refs/heads/dev'),
  'tag v1.2.3': event('push', 'refs/tags/v1.2.3'),
  'tag v2.0.0-rc.1': event('push', 'refs/tags/v2.0.0-rc.1'),
  'pull request': event('pull_request', 'refs/pull/15/merge', PR_15),
  schedule: event('schedule', 'refs/heads/main'),
  'manual run': event('workflow_dispatch', 'refs/heads/main')
}

/** What the step does with these inputs: the plan (images, tags, flavor, push). */
function plan(c: GitHubContext, inputs: Record<string, string>, repo?: RepoInfo) {
  const settings = parseInputs(name => ({ username: 'u', token: 't', ...inputs })[name] ?? '')
  return computePlan({
    settings,
    ctx: c,
    repo,
    now: NOW,
    metadataFile: '/m',
    iidFile: '/i',
    secretsDir: '/s',
    localTag: 'local-1'
  })
}

/** The message of what `fn` throws; it must be one line of an InputError. */
function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(InputError)
    expect((e as Error).message).not.toContain('\n')
    return (e as Error).message
  }
  throw new Error('no error')
}

const GLOBALS =
  '{{branch}}, {{tag}}, {{sha}}, {{base_ref}}, {{head_ref}}, {{is_default_branch}}, {{is_not_default_branch}}, {{date}}, {{commit_date}}'
const ENABLE_FIX =
  'write enable=true, enable=false, enable={{is_default_branch}} or enable={{is_not_default_branch}}'

describe('every rule is checked on every event, not only where it fires', () => {
  // [mistake, input, line, the whole message]
  const MISTAKES: Array<[string, 'tags' | 'flavor' | 'images', string, string]> = [
    [
      'a misspelled semver part (fires on release tags only)',
      'tags',
      'type=semver,pattern={{verison}}',
      `tags: unknown expression {{verison}} in "type=semver,pattern={{verison}}": use one of ${GLOBALS}, {{raw}}, {{version}}, {{major}}, {{minor}}, {{patch}}, {{prerelease}}, {{build}}`
    ],
    [
      'a semver-only part in a pep440 pattern',
      'tags',
      'type=pep440,pattern={{prerelease}}',
      `tags: unknown expression {{prerelease}} in "type=pep440,pattern={{prerelease}}": use one of ${GLOBALS}, {{raw}}, {{version}}, {{major}}, {{minor}}, {{patch}}`
    ],
    [
      'a misspelled expression in a PR-only rule',
      'tags',
      'type=ref,event=pr,prefix={{bracnh}}-',
      `tags: unknown expression {{bracnh}} in "type=ref,event=pr,prefix={{bracnh}}-": use one of ${GLOBALS}`
    ],
    [
      'an unquoted date format in a schedule-only rule',
      'tags',
      'type=schedule,pattern=nightly-{{date YYYYMMDD}}',
      `tags: unquoted date format in {{date YYYYMMDD}} in "type=schedule,pattern=nightly-{{date YYYYMMDD}}": quote it: {{date 'YYYYMMDD'}}`
    ],
    [
      'an unknown time zone in a tag-only suffix',
      'tags',
      "type=ref,event=tag,suffix=-{{date 'YYYY' tz='Europe/Pariss'}}",
      `tags: unknown time zone "Europe/Pariss" in "type=ref,event=tag,suffix=-{{date 'YYYY' tz='Europe/Pariss'}}": use an IANA zone name such as tz='UTC' or tz='Europe/Paris'`
    ],
    [
      'an expression given an argument in a match value',
      'tags',
      'type=match,pattern=v(.*),group=1,value={{sha 8}}',
      'tags: {{sha 8}} takes no arguments in "type=match,pattern=v(.*),group=1,value={{sha 8}}": write {{sha}}'
    ],
    [
      'a misspelled enable expression',
      'tags',
      'type=raw,value=stable,enable={{is_default_brnch}}',
      `tags: enable must be true or false, got "{{is_default_brnch}}" in "type=raw,value=stable,enable={{is_default_brnch}}": ${ENABLE_FIX}`
    ],
    [
      'an enable that is true or false only on some events',
      'tags',
      'type=raw,value=stable,enable={{is_default_branch}}{{tag}}',
      `tags: enable must be true or false, got "{{is_default_branch}}{{tag}}" in "type=raw,value=stable,enable={{is_default_branch}}{{tag}}": ${ENABLE_FIX}`
    ],
    [
      'a literal value that is no version, in a disabled rule',
      'tags',
      'type=semver,pattern={{version}},value=1.2,enable=false',
      'tags: "1.2" is not a valid semver version in "type=semver,pattern={{version}},value=1.2,enable=false": use e.g. value=v1.2.3'
    ],
    [
      'a misspelled expression in the flavor prefix',
      'flavor',
      'prefix={{brnch}}-',
      `flavor: unknown expression {{brnch}} in "prefix={{brnch}}-": use one of ${GLOBALS}`
    ],
    [
      'an image enabled only on some events',
      'images',
      'name=ghcr.io/acme-org/nightly,enable={{branch}}',
      `images: enable must be true or false, got "{{branch}}" in "name=ghcr.io/acme-org/nightly,enable={{branch}}": ${ENABLE_FIX}`
    ]
  ]
  // A tags block in which the mistake is the only wrong line.
  const inputsWith = (input: string, line: string): Record<string, string> => ({
    tags: input === 'tags' ? `type=sha\n${line}` : 'type=semver,pattern={{version}}',
    flavor: input === 'flavor' ? line : '',
    images: input === 'images' ? `ghcr.io/acme-org/hello-app\n${line}` : ''
  })

  const rows = MISTAKES.flatMap(([what, input, line, message]) =>
    Object.entries(EVENTS).map(([name, c]) => [what, name, c, input, line, message] as const)
  )
  it.each(rows)('%s, on a %s', (_what, _event, c, input, line, message) => {
    expect(errorOf(() => plan(c, inputsWith(input, line)))).toBe(message)
  })

  it.each(MISTAKES)('checkTagInputs alone: %s', (_what, input, line, message) => {
    const i = inputsWith(input, line)
    const lines = (text: string): string[] => text.split('\n').filter(Boolean)
    expect(errorOf(() => checkTagInputs(lines(i.tags), lines(i.flavor), lines(i.images)))).toBe(
      message
    )
  })

  it('passes inputs with nothing wrong in them', () => {
    expect(() =>
      checkTagInputs(
        [
          'type=semver,pattern={{major}}.{{minor}}',
          "type=schedule,pattern=nightly-{{date 'YYYYMMDD' tz='Asia/Tokyo'}}",
          'type=raw,value=stable,enable={{ is_default_branch }}'
        ],
        ['suffix=-{{sha}},onlatest=true'],
        ['name=ghcr.io/a/b,enable={{is_not_default_branch}}']
      )
    ).not.toThrow()
  })
})

describe('no tag applies: build, push nothing, say why', () => {
  // [event, tags, the noTag account]
  const NONE: Array<[string, GitHubContext, string[], string]> = [
    [
      'a push to dev, release-only rules',
      EVENTS['push to dev'],
      ['type=semver,pattern={{version}}', 'type=ref,event=pr'],
      'no tag applies to this push event (ref refs/heads/dev): type=semver,pattern={{version}}: not a tag push, and no value= is set; type=ref,event=pr: not a pull request'
    ],
    [
      'a pull request, branch and semver rules',
      EVENTS['pull request'],
      ['type=ref,event=branch', 'type=semver,pattern={{version}}'],
      'no tag applies to this pull_request event (ref refs/pull/15/merge): type=semver,pattern={{version}}: not a tag push, and no value= is set; type=ref,event=branch: not a branch push'
    ],
    [
      'a schedule, tag and edge-of-another-branch rules',
      EVENTS.schedule,
      ['type=ref,event=tag', 'type=edge,branch=release'],
      'no tag applies to this schedule event (ref refs/heads/main): type=edge,branch=release: main is not release; type=ref,event=tag: not a tag push'
    ],
    [
      'a manual run on the default branch, rules for other branches',
      EVENTS['manual run'],
      ['type=raw,value=preview,enable={{is_not_default_branch}}', 'type=schedule'],
      'no tag applies to this workflow_dispatch event (ref refs/heads/main): type=schedule: not a schedule event; type=raw,value=preview,enable={{is_not_default_branch}}: enable={{is_not_default_branch}} is false'
    ],
    [
      'a tag that is no version, version rules',
      event('push', 'refs/tags/nightly-7'),
      ['type=semver,pattern={{version}}', 'type=match,pattern=^v(\\d+),group=1'],
      'no tag applies to this push event (ref refs/tags/nightly-7): type=semver,pattern={{version}}: "nightly-7" is not a semver version; type=match,pattern=^v(\\d+),group=1: the pattern gives no group 1 in "nightly-7"'
    ],
    [
      'an event without a ref, a branch-made tag',
      event('release', ''),
      ['type=raw,value={{branch}}'],
      'no tag applies to this release event (ref none): type=raw,value={{branch}}: "" has no character a tag can hold'
    ]
  ]

  it.each(NONE)('%s: no tag, and why for each rule', (_what, c, tags, noTag) => {
    const result = computeTags({ ctx: c, now: NOW }, tags, [])
    expect(result.tags).toEqual([])
    expect(result.noTag).toBe(noTag)
  })

  it.each(NONE)('%s: the plan builds and does not push', (_what, c, tags, noTag) => {
    const p = plan(c, { tags: tags.join('\n') })
    expect([p.push, p.refs, p.pushReason]).toEqual([
      false,
      [],
      `push: auto, and ${noTag}: building without pushing`
    ])
    const { argv } = buildCommand(p, undefined)
    expect(argv.slice(0, 2)).toEqual(['buildx', 'build'])
    expect(argv.filter(a => a === '--tag' || a === '--push')).toEqual([])
  })

  it.each(NONE)('%s: push: true is still an error', (_what, c, tags, noTag) => {
    expect(errorOf(() => plan(c, { tags: tags.join('\n'), push: 'true' }))).toBe(
      `push: true, but ${noTag}: add a rule that gives a tag on this event (e.g. type=sha), or set push: auto to build without pushing`
    )
  })

  it('push: false and push-by-digest do not care', () => {
    const c = EVENTS['push to dev']
    const tags = 'type=semver,pattern={{version}}'
    expect(plan(c, { tags, push: 'false' }).pushReason).toBe('push: false')
    const byDigest = plan(c, { tags, 'push-by-digest': 'true' })
    expect([byDigest.push, byDigest.pushReason]).toEqual([true, 'push: auto, a push to branch dev'])
  })

  it('a rule that gives a tag is not listed', () => {
    const result = computeTags({ ctx: EVENTS['push to dev'], now: NOW }, ['type=sha'], [])
    expect([result.tags.map(t => t.name), result.noTag]).toEqual([['sha-abc1234'], undefined])
  })
})

describe('the default branch when the payload has no repository.default_branch', () => {
  const bare = (eventName: string, ref: string): GitHubContext => {
    const c = event(eventName, ref)
    return { ...c, payload: {} }
  }
  const API: RepoInfo = { defaultBranch: 'main' }
  // [event, repository API answer, type=edge, {{is_default_branch}}, default set]
  // [event, ref, repository API answer, type=edge, {{is_default_branch}}, default set]
  const ROWS: Array<[string, string, RepoInfo | undefined, string[], string, string[]]> = [
    ['schedule', 'main', API, ['edge'], 'true', ['nightly', 'sha-abc1234']],
    // A scheduled run is always on the default branch: its branch is the default one.
    ['schedule', 'main', undefined, ['edge'], 'true', ['nightly', 'sha-abc1234']],
    ['workflow_dispatch', 'main', API, ['edge'], 'true', ['main', 'sha-abc1234', 'latest']],
    ['workflow_dispatch', 'main', undefined, [], 'false', ['main', 'sha-abc1234']],
    ['workflow_dispatch', 'dev', API, [], 'false', ['dev', 'sha-abc1234']],
    ['push', 'main', API, ['edge'], 'true', ['main', 'sha-abc1234', 'latest']],
    ['push', 'main', undefined, [], 'false', ['main', 'sha-abc1234']]
  ]
  it.each(ROWS)('%s on %s, API answer %j', (eventName, branch, repo, edge, isDefault, defaults) => {
    const c = bare(eventName, `refs/heads/${branch}`)
    const tagsOf = (tags: string[]): string[] =>
      computeTags({ ctx: c, now: NOW, repo }, tags, []).tags.map(t => t.name)
    expect(tagsOf(['type=edge'])).toEqual(edge)
    expect(tagsOf(['type=raw,value=default-{{is_default_branch}}'])).toEqual([
      `default-${isDefault}`
    ])
    expect(tagsOf([])).toEqual(defaults)
  })

  it('says so when neither knows it', () => {
    const c = bare('workflow_dispatch', 'refs/heads/main')
    expect(computeTags({ ctx: c, now: NOW }, [], []).latestReason).toBe(
      'default set: the default branch is unknown (no repository.default_branch in the event payload and no repository API data), so no latest'
    )
  })

  it('issue 16: match, pr and edge rules on a scheduled run give edge', () => {
    const c = bare('schedule', 'refs/heads/main')
    const tags = ['type=match,pattern=(.*)-r,group=1', 'type=ref,event=pr', 'type=edge']
    expect(plan(c, { tags: tags.join('\n') }, API).refs).toEqual([
      'ghcr.io/acme-org/hello-app:edge'
    ])
    expect(plan(c, { tags: tags.join('\n') }).refs).toEqual(['ghcr.io/acme-org/hello-app:edge'])
  })
})

describe('full image references in tags', () => {
  const main = EVENTS['push to main']
  const IMAGE = 'ghcr.io/acme-org/hello-app'
  // [what, inputs, refs]
  const OK: Array<[string, Record<string, string>, string[]]> = [
    ['one reference to the default image', { tags: `${IMAGE}:latest` }, [`${IMAGE}:latest`]],
    [
      'a comma-separated line, case as GitHub shows it',
      { tags: 'ghcr.io/Acme-Org/Hello-App:1.0, ghcr.io/acme-org/hello-app:stable' },
      [`${IMAGE}:1.0`, `${IMAGE}:stable`]
    ],
    [
      'a newline list mixed with rules, in rule priority order',
      { tags: `${IMAGE}:edge\ntype=ref,event=branch` },
      [`${IMAGE}:main`, `${IMAGE}:edge`]
    ],
    [
      'a registry with a port',
      {
        registry: 'localhost:5000',
        images: 'localhost:5000/team/app',
        tags: 'localhost:5000/team/app:v1'
      },
      ['localhost:5000/team/app:v1']
    ],
    [
      'the flavor prefix is not added to a reference’s tag',
      { tags: `${IMAGE}:1\ntype=ref,event=branch`, flavor: 'prefix=x-' },
      [`${IMAGE}:x-main`, `${IMAGE}:1`]
    ],
    [
      'every image named for each tag',
      {
        images: 'ghcr.io/acme-org/a\nghcr.io/acme-org/b',
        tags: 'ghcr.io/acme-org/a:1,ghcr.io/acme-org/b:1'
      },
      ['ghcr.io/acme-org/a:1', 'ghcr.io/acme-org/b:1']
    ],
    ['a colon inside an expression is a raw tag', { tags: "{{date 'HH:mm'}}" }, [`${IMAGE}:00-30`]],
    [
      'a colon in a rule’s value is sanitized, as metadata-action',
      { tags: 'type=raw,value=a:b' },
      [`${IMAGE}:a-b`]
    ]
  ]
  it.each(OK)('%s', (_what, inputs, refs) => {
    expect(plan(main, inputs).refs).toEqual(refs)
  })

  const NOT_A_TAG =
    'a tag cannot contain ":": write a tag (latest), a full image reference (ghcr.io/OWNER/IMAGE:latest) or a rule (type=raw,value=...)'
  // [what, inputs, message]
  const BAD: Array<[string, Record<string, string>, string]> = [
    [
      'an image that is not one of the images',
      { tags: 'docker.io/acme/app:latest' },
      `tags: docker.io/acme/app is not one of the images (${IMAGE}) in "docker.io/acme/app:latest": add it to images, or write the tag alone: latest`
    ],
    [
      'a reference naming one of two images',
      {
        images: 'ghcr.io/acme-org/a\nghcr.io/acme-org/b',
        tags: 'ghcr.io/acme-org/a:latest\ntype=sha'
      },
      'tags: the tag latest names 1 of the 2 images, but every tag goes to every image in "ghcr.io/acme-org/a:latest": write the tag alone (latest), or list it for every image: ghcr.io/acme-org/b:latest'
    ],
    [
      'a reference by digest',
      { tags: `${IMAGE}@sha256:${'a'.repeat(64)}` },
      `tags: "${IMAGE}@sha256:${'a'.repeat(64)}" is a reference by digest in "${IMAGE}@sha256:${'a'.repeat(64)}": a digest cannot be pushed to: write the tag, e.g. ghcr.io/OWNER/IMAGE:latest`
    ],
    [
      'a reference with an expression',
      { tags: `${IMAGE}:{{sha}}` },
      `tags: "${IMAGE}:{{sha}}" is neither a tag nor an image reference in "${IMAGE}:{{sha}}": ${NOT_A_TAG}`
    ],
    [
      'a raw tag with a colon',
      { tags: 'v1:stable:x' },
      `tags: "v1:stable:x" is neither a tag nor an image reference in "v1:stable:x": ${NOT_A_TAG}`
    ],
    [
      'a reference without a tag, on a registry with a port',
      { tags: 'localhost:5000/app' },
      `tags: "localhost:5000/app" is neither a tag nor an image reference in "localhost:5000/app": ${NOT_A_TAG}`
    ],
    [
      'a reference mixed with a raw tag on one line',
      { tags: `${IMAGE}:1,stable` },
      `tags: "stable" is neither a tag nor an image reference in "${IMAGE}:1,stable": ${NOT_A_TAG}`
    ]
  ]
  it.each(BAD)('%s', (_what, inputs, message) => {
    expect(errorOf(() => plan(main, inputs))).toBe(message)
  })
})
