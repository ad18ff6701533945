// The plan core as tables: (event, inputs) → images, refs, labels, push decision, buildx argv.
import { contextFromEnv, type GitHubContext } from '../../src/context.js'
import { parseInputs } from '../../src/inputs.js'
import { buildCommand } from '../../src/build-command.js'
import { annotationArg } from '../../src/annotations.js'
import { computePlan, type Plan, type PlanInput } from '../../src/plan.js'
import { isForkPullRequest } from '../../src/push-decision.js'
import { DEFAULT_TAGS, event, PR_15, SHA } from '../fixtures/default-tags.js'

const NOW = new Date('2026-11-26T12:00:00.000Z')
const ctx = event

function plan(
  c: GitHubContext,
  inputs: Record<string, string> = {},
  more: Partial<PlanInput> = {}
) {
  const settings = parseInputs(name => ({ username: 'octo', token: 'tok', ...inputs })[name] ?? '')
  return computePlan({
    settings,
    ctx: c,
    now: NOW,
    metadataFile: '/t/m.json',
    iidFile: '/t/iid',
    secretsDir: '/t/secrets',
    localTag: 'local-1',
    ...more
  })
}

const labelArgs = (p: Plan): string[] => p.labels.map(([k, v]) => `${k}=${v}`)
const annotationArgs = (p: Plan): string[] => p.annotations.map(annotationArg)

const fork = {
  pull_request: {
    number: 15,
    head: { ref: 'feature', sha: 'f'.repeat(40), repo: { full_name: 'someone/Hello-App' } },
    base: { ref: 'main', repo: { full_name: 'Acme-Org/Hello-App' } }
  }
}
const samerepo = PR_15

describe('default tags per event: every image × every tag, in tag order', () => {
  test.each(DEFAULT_TAGS)('%s', (_row, eventName, ref, payload, tags) => {
    const p = plan(ctx(eventName, ref, payload))
    expect(p.refs).toEqual(tags.map(t => `ghcr.io/acme-org/hello-app:${t}`))
  })
})

describe('push decision', () => {
  test.each([
    ['push', 'refs/heads/main', {}, {}, true, /^push: auto, a push to branch main$/],
    [
      'pull_request',
      'refs/pull/15/merge',
      samerepo,
      {},
      true,
      /^push: auto, pull_request #15 from this repository$/
    ],
    [
      'pull_request',
      'refs/pull/15/merge',
      fork,
      {},
      false,
      /this pull_request comes from the fork someone\/Hello-App: its code is not the repository's own .*set push: true/
    ],
    ['pull_request', 'refs/pull/15/merge', fork, { push: 'true' }, true, /push: true/],
    ['push', 'refs/heads/main', {}, { push: 'false' }, false, /push: false/],
    // a dry run shows what the real run would decide
    [
      'push',
      'refs/heads/main',
      {},
      { 'dry-run': 'true' },
      true,
      /^push: auto, a push to branch main$/
    ]
  ])('%s %s %j %j', (event, ref, payload, inputs, push, reason) => {
    const p = plan(ctx(event, ref, payload), inputs)
    expect(p.push).toBe(push)
    expect(p.pushReason).toMatch(reason)
    expect(buildCommand(p, undefined).argv.includes('--push')).toBe(push)
  })

  test('fork detection needs a head repository different from the base', () => {
    expect(isForkPullRequest(ctx('pull_request', 'refs/pull/1/merge', fork))).toBe(true)
    expect(isForkPullRequest(ctx('pull_request', 'refs/pull/1/merge', samerepo))).toBe(false)
    expect(isForkPullRequest(ctx('push', 'refs/heads/main', fork))).toBe(false)
  })

  // Issue 10: every pull_request* event; a missing head repository is a fork; pull_request_target
  // is never pushed under push: auto.
  const deleted = {
    pull_request: { ...samerepo.pull_request, head: { ...samerepo.pull_request.head, repo: null } }
  }
  test.each([
    [
      'pull_request_target',
      fork,
      {},
      false,
      /never pushes on pull_request_target \(this one from the fork someone\/Hello-App\).*set push: true/
    ],
    [
      'pull_request_target',
      samerepo,
      {},
      false,
      /never pushes on pull_request_target \(this one\)/
    ],
    ['pull_request_target', fork, { push: 'true' }, true, /^push: true$/],
    ['pull_request', deleted, {}, false, /from a fork the payload does not name/],
    ['pull_request', {}, {}, false, /from a fork the payload does not name/],
    [
      'pull_request_review',
      fork,
      {},
      false,
      /this pull_request_review comes from the fork someone\/Hello-App/
    ],
    [
      'pull_request_review',
      samerepo,
      {},
      true,
      /^push: auto, pull_request_review #15 from this repository$/
    ],
    ['pull_request_review_comment', fork, {}, false, /from the fork someone\/Hello-App/]
  ])('%s %j %j → push %s', (event, payload, inputs, push, reason) => {
    const p = plan(ctx(event, 'refs/pull/15/merge', payload), inputs)
    expect(p.push).toBe(push)
    expect(p.pushReason).toMatch(reason)
  })

  // what a run that pushes says about itself, in the log, the summary and the dry run
  test.each([
    ['push', 'refs/heads/release/2.x', 'push: auto, a push to branch release/2.x'],
    ['push', 'refs/tags/v1.2.3', 'push: auto, a push of tag v1.2.3'],
    ['schedule', 'refs/heads/main', 'push: auto, a scheduled run on branch main'],
    [
      'workflow_dispatch',
      'refs/tags/v1.2.3',
      'push: auto, a manual run (workflow_dispatch) on tag v1.2.3'
    ],
    ['release', 'refs/tags/v1.2.3', 'push: auto, the release event on tag v1.2.3'],
    [
      'merge_group',
      'refs/heads/gh-readonly-queue/main/pr-1',
      'push: auto, the merge_group event on branch gh-readonly-queue/main/pr-1'
    ]
  ])('%s %s: %j', (event, ref, reason) => {
    expect(plan(ctx(event, ref, {}), { tags: 'type=sha' }).pushReason).toBe(reason)
  })
})

describe('images and labels', () => {
  test('default image is <registry>/<owner>/<repo>, lowercased with a notice', () => {
    const p = plan(ctx('push', 'refs/heads/main'))
    expect(p.images).toEqual(['ghcr.io/acme-org/hello-app'])
    expect(p.notices).toContainEqual({
      level: 'notice',
      message: expect.stringContaining('lowercased')
    })
  })

  // Trial of a real workflow (docs/trials.md): metadata-action reads `owner/app` as Docker Hub's.
  test("metadata-action's owner/app next to ghcr.io/owner/app is refused, not merged into one", () => {
    const images = 'tomy/tubee\nghcr.io/tomy/tubee'
    expect(() => plan(ctx('push', 'refs/tags/v1.2.3'), { images })).toThrow(
      /^images: "tomy\/tubee" and "ghcr.io\/tomy\/tubee" are the same image, .* write docker.io\/tomy\/tubee for Docker Hub$/
    )
  })

  test('legacy registry and https:// are normalized', () => {
    const p = plan(ctx('push', 'refs/heads/main'), { registry: 'https://docker.pkg.github.com/' })
    expect(p.registries).toEqual(['ghcr.io'])
    expect(p.images).toEqual(['ghcr.io/acme-org/hello-app'])
    expect(p.notices.some(n => n.level === 'warning')).toBe(true)
  })

  test('labels need no API call: source, revision, created, version, title', () => {
    const p = plan(ctx('push', 'refs/tags/v1.2.3'))
    expect(labelArgs(p)).toEqual(
      expect.arrayContaining([
        'org.opencontainers.image.source=https://github.com/Acme-Org/Hello-App',
        `org.opencontainers.image.revision=${SHA}`,
        'org.opencontainers.image.created=2026-11-26T12:00:00.000Z',
        'org.opencontainers.image.version=1.2.3',
        'org.opencontainers.image.title=Hello-App'
      ])
    )
  })

  test('user labels override generated keys', () => {
    const p = plan(ctx('push', 'refs/heads/main'), {
      labels: 'org.opencontainers.image.title=Custom\nteam=core'
    })
    expect(labelArgs(p)).toContain('org.opencontainers.image.title=Custom')
    expect(labelArgs(p)).not.toContain('org.opencontainers.image.title=Hello-App')
    expect(labelArgs(p)).toContain('team=core')
  })
})

describe('buildx argv', () => {
  test('one build with every tag and label, metadata and iid files, context last after --', () => {
    const p = plan(ctx('push', 'refs/heads/main'), {
      file: 'docker/Dockerfile',
      context: 'app',
      'build-args': 'A=1\nB=$(touch /tmp/x)',
      target: 'prod',
      platforms: 'linux/amd64'
    })
    const argv = buildCommand(p, undefined).argv
    expect(argv.slice(0, 2)).toEqual(['buildx', 'build'])
    expect(argv.slice(-2)).toEqual(['--', 'app'])
    const values = (flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]] : []))
    expect(values('--tag').sort()).toEqual(p.refs.sort())
    expect(values('--label')).toEqual(labelArgs(p))
    expect(values('--file')).toEqual(['docker/Dockerfile'])
    expect(values('--metadata-file')).toEqual(['/t/m.json'])
    expect(values('--iidfile')).toEqual(['/t/iid'])
    expect(values('--build-arg')).toEqual(['A=1', 'B=$(touch /tmp/x)'])
    expect(values('--target')).toEqual(['prod'])
    expect(values('--platform')).toEqual(['linux/amd64'])
  })
})

describe('buildx argv: a flag only for an input that is set', () => {
  const flagsOf = (inputs: Record<string, string>) =>
    plan(ctx('push', 'refs/heads/main'), inputs).build.flags
  test('no file, no cache or network options: the files of this run come first, no option flags', () => {
    const flags = flagsOf({})
    expect(flags.slice(0, 4)).toEqual(['--iidfile', '/t/iid', '--metadata-file', '/t/m.json'])
    for (const flag of ['--file', '--no-cache', '--pull', '--network', '--target', '--platform']) {
      expect(flags).not.toContain(flag)
    }
    expect(flags.filter(f => f.startsWith('--sbom'))).toEqual([])
  })
  test.each([
    [{ 'no-cache': 'true' }, ['--no-cache']],
    [{ pull: 'true' }, ['--pull']],
    [{ network: 'host' }, ['--network', 'host']],
    [{ sbom: 'true' }, ['--sbom=true']],
    [{ sbom: 'false' }, ['--sbom=false']]
  ])('%j → %j', (inputs, expected) => {
    const flags = flagsOf(inputs)
    const at = flags.indexOf(expected[0])
    expect(at).toBeGreaterThan(-1)
    expect(flags.slice(at, at + expected.length)).toEqual(expected)
  })
})

describe('errors', () => {
  test('no repository and no images', () => {
    const c = contextFromEnv({ GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' }, {})
    expect(() => plan(c)).toThrow(/^images: no image given and GITHUB_REPOSITORY is not set/)
  })
  test('a repository name without an owner part is no default image', () => {
    const c = contextFromEnv(
      { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_REPOSITORY: 'acme' },
      {}
    )
    expect(() => plan(c)).toThrow(/^images: no image given and GITHUB_REPOSITORY is not set/)
  })
  test('every image disabled by enable=false', () => {
    expect(() =>
      plan(ctx('push', 'refs/heads/main'), { images: 'name=ghcr.io/acme/app,enable=false' })
    ).toThrow(/^images: every image is disabled: enable at least one image/)
  })
})

describe('annotations', () => {
  test('one platform: manifest level; user lines override generated keys; named levels kept', () => {
    const p = plan(ctx('push', 'refs/heads/main'), {
      annotations: 'org.opencontainers.image.title=Custom\nindex:extra=1'
    })
    expect(annotationArgs(p)).toContain('manifest:org.opencontainers.image.title=Custom')
    expect(annotationArgs(p)).not.toContain('manifest:org.opencontainers.image.title=Hello-App')
    expect(annotationArgs(p).filter(a => a.startsWith('index:'))).toEqual(['index:extra=1'])
  })

  test('several platforms: every generated key on the index and on the manifests', () => {
    const p = plan(ctx('push', 'refs/heads/main'), { platforms: 'linux/amd64,linux/arm64' })
    const source = 'org.opencontainers.image.source=https://github.com/Acme-Org/Hello-App'
    expect(annotationArgs(p)).toEqual(
      expect.arrayContaining([`index:${source}`, `manifest:${source}`])
    )
    expect(p.annotations.filter(a => a.level === 'index')).toHaveLength(
      p.annotations.filter(a => a.level === 'manifest').length
    )
  })
})

test('a merge plan creates one index per image from the digests, with every tag', () => {
  const digest = `sha256:${'a'.repeat(64)}`
  const p = plan(ctx('push', 'refs/tags/v1.2.3'), { 'merge-digests': digest })
  expect(p.mode).toBe('merge')
  expect(p.mergeArgvs).toHaveLength(1)
  const argv = p.mergeArgvs[0]
  expect(argv.slice(0, 3)).toEqual(['buildx', 'imagetools', 'create'])
  expect(argv).toEqual(expect.arrayContaining(['--tag', 'ghcr.io/acme-org/hello-app:1.2.3']))
  expect(argv.at(-1)).toBe(`ghcr.io/acme-org/hello-app@${digest}`)
  // only index annotations: a merge makes no manifests
  expect(p.annotations.every(a => a.level === 'index')).toBe(true)
})

test('a merge puts only index-level annotations on the index it creates', () => {
  const digest = `sha256:${'b'.repeat(64)}`
  const p = plan(ctx('push', 'refs/tags/v1.2.3'), {
    'merge-digests': digest,
    annotations: 'index:org.example.kept=1\nmanifest:org.example.dropped=2'
  })
  const annotations = p.mergeArgvs[0].flatMap((a, i, all) =>
    a === '--annotation' ? [all[i + 1]] : []
  )
  expect(annotations).toContain('index:org.example.kept=1')
  expect(annotations.filter(a => !a.startsWith('index:'))).toEqual([])
})

test('a build that is not a merge has no imagetools command', () => {
  expect(plan(ctx('push', 'refs/heads/main')).mergeArgvs).toEqual([])
})

test('the plan carries no secret values: the secret files are paths the shell fills', () => {
  const p = plan(ctx('push', 'refs/heads/main'), { secrets: 'NPM_TOKEN=s3cr3t-value' })
  expect(p.secretFiles).toEqual([{ id: 'NPM_TOKEN', path: '/t/secrets/NPM_TOKEN' }])
  expect(JSON.stringify(p)).not.toContain('s3cr3t-value')
})

describe('the registry when the input is empty: GHCR, or the GitHub server’s own', () => {
  const on = (server: string) =>
    contextFromEnv(
      {
        GITHUB_REPOSITORY: 'Acme-Org/Hello-App',
        GITHUB_EVENT_NAME: 'push',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_SHA: SHA,
        GITHUB_SERVER_URL: server
      },
      { repository: { default_branch: 'main' } }
    )
  test.each([
    ['https://github.com', {}, 'ghcr.io', []],
    ['', {}, 'ghcr.io', []], // no GITHUB_SERVER_URL: github.com
    [
      'https://ghes.example.com',
      {},
      'containers.ghes.example.com',
      [
        'registry: this job runs on ghes.example.com, so images go to its Container registry, containers.ghes.example.com (set registry to push elsewhere, e.g. ghcr.io)'
      ]
    ],
    ['https://GHES.Example.com/', {}, 'containers.ghes.example.com', [expect.any(String)]],
    ['https://acme.ghe.com', {}, 'containers.acme.ghe.com', [expect.any(String)]],
    ['https://ghes.example.com', { registry: 'ghcr.io' }, 'ghcr.io', []],
    ['https://ghes.example.com', { registry: 'registry.example.com' }, 'registry.example.com', []]
  ])('%s %j → %s', (server, inputs, registry, notices) => {
    const p = plan(on(server), inputs)
    expect(p.registries).toEqual([registry])
    expect(p.images).toEqual([`${registry}/acme-org/hello-app`])
    expect(p.notices.filter(n => n.message.startsWith('registry:')).map(n => n.message)).toEqual(
      notices
    )
  })

  test('on GHES the source label stays on the GHES host', () => {
    const p = plan(on('https://ghes.example.com'))
    expect(labelArgs(p)).toContain(
      'org.opencontainers.image.source=https://ghes.example.com/Acme-Org/Hello-App'
    )
  })

  test('on GHES, an image on ghcr.io needs credentials for ghcr.io (the job token is GHES’s)', () => {
    expect(() => plan(on('https://ghes.example.com'), { images: 'ghcr.io/acme/app' })).toThrow(
      'images: ghcr.io/acme/app is on ghcr.io, which the step has no credentials for: add ghcr.io to registry-auth (a "- registry: ghcr.io" entry with username and password), or set registry: ghcr.io with username and token'
    )
  })
})

describe("build-push-action's pass-through inputs become buildx flags", () => {
  const flags = (inputs: Record<string, string>) =>
    plan(ctx('push', 'refs/heads/main'), inputs).build.flags
  /** The flags after the ones every build has (files, labels, annotations, provenance). */
  const extra = (inputs: Record<string, string>) => {
    const all = flags(inputs)
    return all.slice(all.findIndex(f => f.startsWith('--provenance')) + 1)
  }
  test.each([
    [
      { 'add-hosts': 'docker:10.180.0.1, db=10.0.0.2' },
      ['--add-host', 'docker:10.180.0.1', '--add-host', 'db=10.0.0.2']
    ],
    [
      { allow: 'network.host\nsecurity.insecure' },
      ['--allow', 'network.host', '--allow', 'security.insecure']
    ],
    [{ attests: 'type=sbom,generator=image' }, ['--attest', 'type=sbom,generator=image']],
    [{ 'cgroup-parent': '/actions' }, ['--cgroup-parent', '/actions']],
    [
      { 'no-cache-filters': 'base,deps' },
      ['--no-cache-filter', 'base', '--no-cache-filter', 'deps']
    ],
    [{ 'shm-size': '2g' }, ['--shm-size', '2g']],
    [
      { ssh: 'default=/tmp/agent.sock\ngithub=/k1,/k2' },
      ['--ssh', 'default=/tmp/agent.sock', '--ssh', 'github=/k1,/k2']
    ],
    [
      { ulimit: 'nofile=1024:1024\nnproc=-1' },
      ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=-1']
    ],
    [{ load: 'true' }, []] // the builder decides how (build-command)
  ])('%j', (inputs, expected) => {
    expect(extra(inputs)).toEqual(expected)
  })

  test('an attests line of type provenance replaces the provenance input (buildx refuses both)', () => {
    const f = flags({ attests: 'type=provenance,mode=max' })
    expect(f.filter(x => x.startsWith('--provenance'))).toEqual([])
    expect(f).toContain('type=provenance,mode=max')
    expect(flags({ attests: 'type=sbom' })).toContain('--provenance=false')
  })
})

describe('an empty token or password: refused only when the step pushes', () => {
  test.each([
    [{ token: '' }, 'token'],
    [{ token: '', password: '' }, 'token'], // outside the runner, an empty password is unset
    [{ 'job-token': 'J', token: 'J', password: '' }, 'password']
  ])('%j, pushing → %s: empty', (inputs, input) => {
    expect(() => plan(ctx('push', 'refs/heads/main'), inputs)).toThrow(
      `${input}: empty: leave the input unset to use github.token, or pass a secret, e.g. ${input}: \${{ secrets.GHCR_TOKEN }}`
    )
  })

  test('a fork’s pull request gets empty secrets: built without a login, not with the job token', () => {
    const p = plan(ctx('pull_request', 'refs/pull/15/merge', fork), {
      'job-token': 'J',
      token: 'J',
      password: ''
    })
    expect(p.push).toBe(false)
  })

  test('a dry run needs no token', () => {
    expect(plan(ctx('push', 'refs/heads/main'), { token: '', 'dry-run': 'true' }).push).toBe(true)
  })
})

describe('push by digest and merge need a push', () => {
  const digest = `sha256:${'c'.repeat(64)}`
  // push: false with either is an input error already (inputs.ts); here the event says no
  test.each([
    [
      { 'push-by-digest': 'true', tags: 'type=sha' },
      /^push-by-digest: only works when pushing, but push: auto and this pull_request comes from the fork someone\/Hello-App: .*: set push: true or drop the input$/
    ],
    [
      { 'merge-digests': digest, push: 'false' },
      /^merge-digests: only works when pushing, but push: false: /
    ]
  ])('%j is refused', (inputs, message) => {
    expect(() => plan(ctx('pull_request', 'refs/pull/15/merge', fork), inputs)).toThrow(message)
  })

  // a manual run whose payload does not name the default branch: the draft leaves the push to
  // the API's answer
  const manual = ctx('workflow_dispatch', 'refs/heads/main', { repository: {} })
  const edgeOnly = { tags: 'type=edge', 'push-by-digest': 'false', 'merge-digests': digest }
  test('the draft of a run that waits for the default branch does not decide it', () => {
    expect(plan(manual, edgeOnly, { draft: true }).mode).toBe('merge')
  })
  test('the plan with the answer does: no edge on another branch, so no push, so no merge', () => {
    expect(() => plan(manual, edgeOnly, { repo: { defaultBranch: 'trunk' } })).toThrow(
      /^merge-digests: only works when pushing, but push: auto, and /
    )
  })
  test('a draft that knows the default branch decides at once', () => {
    const known = ctx('push', 'refs/heads/main', { repository: { default_branch: 'trunk' } })
    expect(() => plan(known, edgeOnly, { draft: true })).toThrow(/^merge-digests: only works/)
  })
})

test('images enabled only on the default branch: the draft keeps them, the plan decides', () => {
  // a manual run whose payload does not name the default branch (schedule would: it always
  // runs on the default branch, so {{is_default_branch}} is true there, as in metadata-action)
  const manual = ctx('workflow_dispatch', 'refs/heads/main', { repository: {} })
  const images = 'ghcr.io/acme-org/hello-app,enable={{is_default_branch}}'
  expect(plan(manual, { images }, { draft: true }).images).toEqual(['ghcr.io/acme-org/hello-app'])
  expect(() => plan(manual, { images }, { repo: { defaultBranch: 'trunk' } })).toThrow(
    /^images: every image is disabled/
  )
  expect(plan(manual, { images }, { repo: { defaultBranch: 'main' } }).images).toEqual([
    'ghcr.io/acme-org/hello-app'
  ])
})

test('the plan says whether the tags are the default set', () => {
  expect(plan(ctx('push', 'refs/heads/main')).defaultTags).toBe(true)
  expect(plan(ctx('push', 'refs/heads/main'), { tags: 'type=sha' }).defaultTags).toBe(false)
})

test('a merge on a given builder names it; without one, none', () => {
  const digest = `sha256:${'d'.repeat(64)}`
  const on = plan(ctx('push', 'refs/tags/v1.2.3'), { 'merge-digests': digest, builder: 'ci' })
  expect(on.mergeArgvs[0].slice(0, 5)).toEqual([
    'buildx',
    'imagetools',
    'create',
    '--builder',
    'ci'
  ])
  const off = plan(ctx('push', 'refs/tags/v1.2.3'), { 'merge-digests': digest })
  expect(off.mergeArgvs[0]).not.toContain('--builder')
})
