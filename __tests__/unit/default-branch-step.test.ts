// Issue 16 through the whole step: payloads without repository.default_branch (schedule,
// workflow_dispatch, push), a repository API stand-in that answers (default branch `main`) and
// one that does not. Tags that depend on the default branch come from the plan made with the
// API's answer (or its fallback when the API cannot be reached), never from the draft: the
// draft must not fail a run that the answer makes valid. Runs the bundled dist/index.js with a
// fake docker (security-run.ts).
import { startGitHubApi, type GitHubApi } from '../servers/github-api.js'
import { builds, errors, GH_TOKEN, pushEnv, run } from './security-run.js'

let api: GitHubApi
beforeAll(async () => {
  api = await startGitHubApi({ tokens: { [GH_TOKEN]: {} }, repos: {} })
})
afterAll(() => api.stop())

const IMAGE = 'ghcr.io/acme/app'
const EDGE = 'type=edge'
const IS_DEFAULT = 'type=raw,value=nightly,enable={{is_default_branch}}'
const DEFAULT_SET = ''
/** Nothing listens here: the API cannot be reached. */
const NO_API = 'http://127.0.0.1:9'
const NO_TAG =
  /^push: true, but no tag applies to this \w+ event .*the default branch is unknown|is false/

// [event, API answers, tags, push: true gives these tags (or this error)]
const ROWS: Array<[string, boolean, string, string[] | RegExp]> = [
  ['schedule', true, EDGE, ['edge']],
  ['schedule', true, IS_DEFAULT, ['nightly']],
  ['schedule', true, DEFAULT_SET, ['nightly', 'sha-a1b2c3d']],
  // a scheduled run is always on the default branch: its own branch is the fallback
  ['schedule', false, EDGE, ['edge']],
  ['schedule', false, IS_DEFAULT, ['nightly']],
  ['schedule', false, DEFAULT_SET, ['nightly', 'sha-a1b2c3d']],
  ['workflow_dispatch', true, EDGE, ['edge']],
  ['workflow_dispatch', true, IS_DEFAULT, ['nightly']],
  ['workflow_dispatch', true, DEFAULT_SET, ['main', 'sha-a1b2c3d', 'latest']],
  ['workflow_dispatch', false, EDGE, NO_TAG],
  ['workflow_dispatch', false, IS_DEFAULT, NO_TAG],
  ['workflow_dispatch', false, DEFAULT_SET, ['main', 'sha-a1b2c3d']],
  ['push', true, EDGE, ['edge']],
  ['push', true, IS_DEFAULT, ['nightly']],
  ['push', true, DEFAULT_SET, ['main', 'sha-a1b2c3d', 'latest']],
  ['push', false, EDGE, NO_TAG],
  ['push', false, IS_DEFAULT, NO_TAG],
  ['push', false, DEFAULT_SET, ['main', 'sha-a1b2c3d']]
]

const tagArgs = (args: string[]): string[] =>
  args.flatMap((a, i) => (args[i - 1] === '--tag' ? [a] : []))

describe('the default branch without repository.default_branch in the payload (issue 16)', () => {
  test.each(ROWS)(
    '%s, API answers: %s, tags %j, push: true',
    async (event, answers, tags, want) => {
      const r = await run(api, {
        inputs: { tags, push: 'true' },
        env: {
          ...pushEnv(),
          GITHUB_EVENT_NAME: event,
          ...(answers ? {} : { GITHUB_API_URL: NO_API })
        },
        event: { ref: 'refs/heads/main', repository: { full_name: 'acme/app' } },
        check: () => undefined
      })
      if (want instanceof RegExp) {
        expect(r.main.code).toBe(1)
        expect(errors(r)).toEqual([expect.stringMatching(want)])
        expect(builds(r)).toEqual([])
        return
      }
      expect(errors(r)).toEqual([])
      expect(r.main.code).toBe(0)
      expect(builds(r)).toHaveLength(1)
      expect(tagArgs(builds(r)[0].args)).toEqual(want.map(t => `${IMAGE}:${t}`))
      expect(r.main.outputs.pushed).toBe('true')
    }
  )

  it('push event, API answers: images enabled only on the default branch → built and pushed', async () => {
    const r = await run(api, {
      inputs: { images: `name=${IMAGE},enable={{is_default_branch}}`, push: 'true' },
      event: { ref: 'refs/heads/main', repository: { full_name: 'acme/app' } },
      check: () => undefined
    })
    expect(errors(r)).toEqual([])
    expect(r.main.code).toBe(0)
    expect(tagArgs(builds(r)[0].args)).toContain(`${IMAGE}:latest`)
  })

  it('push event, API answers: merge-digests with type=edge → the index is tagged edge', async () => {
    const r = await run(api, {
      inputs: { tags: EDGE, 'merge-digests': `sha256:${'a'.repeat(64)}` },
      event: { ref: 'refs/heads/main', repository: { full_name: 'acme/app' } },
      check: () => undefined
    })
    // (the fake docker cannot answer the read-back of the index: only the merge itself counts)
    const merges = r.docker.filter(c => c.args[1] === 'imagetools' && c.args[2] === 'create')
    expect(merges).toHaveLength(1)
    expect(tagArgs(merges[0].args)).toEqual([`${IMAGE}:edge`])
  })

  it('the payload names the default branch: push: true with no tag fails before any docker call', async () => {
    const r = await run(api, {
      inputs: { tags: EDGE, push: 'true' },
      env: pushEnv('refs/heads/dev'),
      event: {
        ref: 'refs/heads/dev',
        repository: { full_name: 'acme/app', default_branch: 'main' }
      },
      check: () => undefined
    })
    expect(r.main.code).toBe(1)
    expect(errors(r)).toEqual([expect.stringMatching(/^push: true, but no tag applies/)])
    expect(r.docker).toEqual([])
  })
})
