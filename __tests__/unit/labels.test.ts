// Generated OCI labels and the user's key=value lines on top.
import { describe, expect, it } from '@jest/globals'
import { contextFromEnv, type RepoInfo } from '../../src/context.js'
import { InputError } from '../../src/errors.js'
import { applyUserPairs, computeLabels } from '../../src/labels.js'
import { loadTagLibraries } from '../../src/tags/index.js'

// The cases use {{date}}: the formatter loads on demand, as in the step.
await loadTagLibraries(['{{date}}'])

const SHA = 'abc1234def5678abc1234def5678abc1234def56'
const HEAD = 'f'.repeat(40)
const NOW = new Date('2020-01-10T00:30:00.000Z')
const ctx = contextFromEnv(
  {
    GITHUB_REPOSITORY: 'Acme/Old-Name',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: SHA,
    GITHUB_SERVER_URL: 'https://ghe.example.com/'
  },
  { repository: { default_branch: 'main' } }
)
const repo: RepoInfo = {
  name: 'New-Name',
  htmlUrl: 'https://ghe.example.com/Acme/New-Name',
  description: 'An app',
  license: 'Apache-2.0',
  defaultBranch: 'main'
}
const O = 'org.opencontainers.image.'

describe('computeLabels', () => {
  it('gives every key in metadata-action’s sorted order, preferring the API’s canonical names', () => {
    expect(computeLabels({ ctx, now: NOW, repo, version: '1.2.3' })).toEqual([
      [`${O}created`, '2020-01-10T00:30:00.000Z'],
      [`${O}description`, 'An app'],
      [`${O}licenses`, 'Apache-2.0'],
      [`${O}revision`, SHA],
      [`${O}source`, 'https://ghe.example.com/Acme/New-Name'],
      [`${O}title`, 'New-Name'],
      [`${O}url`, 'https://ghe.example.com/Acme/New-Name'],
      [`${O}version`, '1.2.3']
    ])
  })

  it('needs no API for source, title, revision, created and version; omits the rest', () => {
    expect(computeLabels({ ctx, now: NOW, version: undefined })).toEqual([
      [`${O}created`, '2020-01-10T00:30:00.000Z'],
      [`${O}revision`, SHA],
      [`${O}source`, 'https://ghe.example.com/Acme/Old-Name'],
      [`${O}title`, 'Old-Name'],
      [`${O}version`, '']
    ])
  })

  it('cuts the description to 512 and the licenses to 256 characters', () => {
    const long = { ...repo, description: '😀'.repeat(600), license: 'MIT OR '.repeat(50) }
    const labels = new Map(computeLabels({ ctx, now: NOW, repo: long, version: 'v' }))
    expect(Array.from(labels.get(`${O}description`) ?? '')).toHaveLength(512)
    expect(labels.get(`${O}licenses`)).toHaveLength(256)
  })

  it('names the PR head commit as revision by default, the merge commit with prHeadSha: false', () => {
    const prCtx = {
      ...ctx,
      eventName: 'pull_request',
      payload: { pull_request: { head: { sha: HEAD } } }
    }
    const rev = (prHeadSha?: boolean): string | undefined =>
      new Map(computeLabels({ ctx: prCtx, now: NOW, version: 'pr-1', prHeadSha })).get(
        `${O}revision`
      )
    expect(rev()).toBe(HEAD)
    expect(rev(false)).toBe(SHA)
  })
})

describe('applyUserPairs', () => {
  const generated = computeLabels({ ctx, now: NOW, repo, version: '1.2.3' })

  it('user keys override generated ones; the result is sorted; odd lines behave like metadata-action', () => {
    const out = applyUserPairs(
      generated,
      [
        'maintainer=Acme <ops@acme.test>',
        `${O}title=My=Title`,
        'invalid',
        'empty=',
        `${O}vendor=Acme`
      ],
      'labels'
    )
    expect(out.map(([k, v]) => `${k}=${v}`)).toEqual([
      'empty=',
      'maintainer=Acme <ops@acme.test>',
      `${O}created=2020-01-10T00:30:00.000Z`,
      `${O}description=An app`,
      `${O}licenses=Apache-2.0`,
      `${O}revision=${SHA}`,
      `${O}source=https://ghe.example.com/Acme/New-Name`,
      `${O}title=My=Title`,
      `${O}url=https://ghe.example.com/Acme/New-Name`,
      `${O}vendor=Acme`,
      `${O}version=1.2.3`
    ])
  })

  it('evaluates expressions when given the tag environment', () => {
    const env = { ctx, now: NOW }
    const out = new Map(
      applyUserPairs(generated, ["built={{date 'YYYY-MM-DD'}} on {{branch}}"], 'labels', env)
    )
    expect(out.get('built')).toBe('2020-01-10 on main')
    expect(() => applyUserPairs(generated, ['x={{nope}}'], 'annotations', env)).toThrow(InputError)
    expect(() => applyUserPairs(generated, ['x={{nope}}'], 'annotations', env)).toThrow(
      /^annotations: unknown expression \{\{nope\}\} in "x=\{\{nope\}\}": use one of/
    )
  })
})
