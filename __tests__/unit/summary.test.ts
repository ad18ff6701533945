// The job summary (issue 11, point 6): the image as the title, the push decision a real run takes
// (also in a dry run), the platforms, the package page, a pull line for the digest; on failure
// what failed, in which phase, the cause, the fix and which tags landed. Values from outside are
// escaped. Checked as GitHub shows it: rendered as GFM and sanitized like GitHub (./gfm.ts).
import { renderGfm as render, visible } from './gfm.js'
import { shownLines as shown } from './summary-lines.js'
import type { CheckResult } from '../../src/check-only.js'
import { contextFromEnv } from '../../src/context.js'
import type { FailureReport } from '../../src/errors.js'
import { parseInputs } from '../../src/inputs.js'
import { computePlan, type Plan } from '../../src/plan.js'
import {
  checkSummaryMarkdown,
  failureSummaryMarkdown,
  packagePage,
  summaryContext,
  summaryMarkdown,
  type SummaryContext
} from '../../src/summary.js'

const SHA = 'abc1234def5678abc1234def5678abc1234def56'
const DIGEST = `sha256:${'a'.repeat(64)}`
const ORG_OWNER = { login: 'Acme-Org', type: 'Organization' }

const forkPr = {
  number: 15,
  pull_request: {
    number: 15,
    head: { ref: 'feature', sha: 'f'.repeat(40), repo: { full_name: 'someone/Hello-App' } },
    base: { ref: 'main', repo: { full_name: 'Acme-Org/Hello-App' } }
  }
}

interface Case {
  event?: string
  ref?: string
  payload?: Record<string, unknown>
  inputs?: Record<string, string>
}

function setup(c: Case = {}): { plan: Plan; where: SummaryContext } {
  const ctx = contextFromEnv(
    {
      GITHUB_REPOSITORY: 'Acme-Org/Hello-App',
      GITHUB_EVENT_NAME: c.event ?? 'push',
      GITHUB_REF: c.ref ?? 'refs/heads/main',
      GITHUB_SHA: SHA,
      GITHUB_SERVER_URL: 'https://github.com'
    },
    { repository: { default_branch: 'main', owner: ORG_OWNER }, ...c.payload }
  )
  const settings = parseInputs(
    name => ({ username: 'octo', token: 'tok', ...c.inputs })[name] ?? ''
  )
  const plan = computePlan({
    settings,
    ctx,
    now: new Date('2026-11-26T12:00:00.000Z'),
    metadataFile: '/t/m.json',
    iidFile: '/t/iid',
    secretsDir: '/t/secrets',
    localTag: 'local-1'
  })
  return { plan, where: summaryContext(ctx) }
}

/** Every expected line is shown, as a line of its own (a string) or within one (a RegExp). */
function expectShown(markdown: string, present: Array<string | RegExp>, absent: string[]): void {
  const html = render(markdown)
  const lines = shown(html)
  for (const want of present) {
    const found = lines.some(l => (typeof want === 'string' ? l === want : want.test(l)))
    expect({ want: String(want), found, lines }).toMatchObject({ want: String(want), found: true })
  }
  for (const text of absent)
    expect({ text, html }).not.toEqual({ text, html: expect.stringContaining(text) })
}

const result = { digest: DIGEST, imageid: `sha256:${'b'.repeat(64)}`, metadata: '{}' }
const PAGE = 'https://github.com/orgs/acme-org/packages/container/package/hello-app'

describe('packagePage', () => {
  const where = (owners: SummaryContext['owners'], serverUrl = 'https://github.com') => ({
    serverUrl,
    repository: 'Acme-Org/Hello-App',
    owners
  })
  test.each([
    ['ghcr.io/acme-org/hello-app', where({ 'acme-org': 'orgs' }), PAGE],
    [
      'ghcr.io/octo-dev/tool',
      where({ 'octo-dev': 'users' }),
      'https://github.com/users/octo-dev/packages/container/package/tool'
    ],
    // a name with slashes is one segment of the URL
    [
      'ghcr.io/acme-org/tools/cli',
      where({ 'acme-org': 'orgs' }),
      'https://github.com/orgs/acme-org/packages/container/package/tools%2Fcli'
    ],
    // the payload does not say: the repository's own package page, for an image of its owner
    [
      'ghcr.io/acme-org/hello-app',
      where({}),
      'https://github.com/Acme-Org/Hello-App/pkgs/container/hello-app'
    ],
    ['ghcr.io/someone-else/app', where({}), undefined],
    // GitHub Enterprise Server's registry
    [
      'containers.ghe.example.com/acme/app',
      where({ acme: 'orgs' }, 'https://ghe.example.com'),
      'https://ghe.example.com/orgs/acme/packages/container/package/app'
    ],
    // other registries have no package page on GitHub
    ['docker.io/acme/app', where({ acme: 'orgs' }), undefined],
    ['127.0.0.1:5000/acme/app', where({ acme: 'orgs' }), undefined],
    ['containers.other.example/acme/app', where({ acme: 'orgs' }), undefined]
  ])('%s', (image, w, url) => {
    expect(packagePage(image, w)).toBe(url)
  })
})

describe('summaryMarkdown', () => {
  // [name, case, pushed, dry run, lines shown, HTML that must not be there]
  const CASES: Array<[string, Case, boolean, boolean, Array<string | RegExp>, string[]]> = [
    [
      'a push to the default branch',
      {},
      true,
      false,
      [
        'ghcr.io/acme-org/hello-app',
        'pushed (push: auto, a push to branch main)',
        `digest: ${DIGEST}`,
        'package: ghcr.io/acme-org/hello-app',
        `docker pull ghcr.io/acme-org/hello-app@${DIGEST}`,
        "platforms: the builder's own (platforms not set)",
        'latest | default set |',
        'sha-abc1234 | type=sha |',
        'latest: default set: main is the default branch, so latest',
        '5 labels, also annotations on the manifest'
      ],
      ['would push', 'priority=50']
    ],
    [
      'a pull request from a fork, built and not pushed',
      { event: 'pull_request', ref: 'refs/pull/15/merge', payload: forkPr },
      false,
      false,
      [
        /^built, not pushed \(push: auto and this pull_request comes from the fork someone\/Hello-App: .*building without pushing/,
        'pr-15 | type=ref,event=pr |'
      ],
      ['docker pull', 'digest']
    ],
    [
      'a dry run of a push: the decision the real run takes',
      {},
      false,
      true,
      [
        'dry run: nothing was built or pushed · would push: yes (push: auto, a push to branch main)'
      ],
      ['docker pull', 'digest', '<strong>pushed']
    ],
    [
      'a dry run of a fork pull request',
      { event: 'pull_request', ref: 'refs/pull/15/merge', payload: forkPr },
      false,
      true,
      [
        /^dry run: nothing was built or pushed · would push: no \(push: auto and this pull_request comes from the fork someone\/Hello-App/
      ],
      ['docker pull']
    ],
    // Trial of a real workflow (docs/trials.md): a tag-only block on a manual run showed an
    // empty table, with only its header.
    [
      'no tag on this event: a line saying why, no empty table',
      { event: 'workflow_dispatch', inputs: { tags: 'type=ref,event=tag', push: 'false' } },
      false,
      false,
      [
        'no tag: no tag applies to this workflow_dispatch event (ref refs/heads/main): type=ref,event=tag: not a tag push'
      ],
      ['<th>tag</th>', 'docker pull']
    ],
    [
      'two images and two platforms',
      {
        inputs: {
          images: 'ghcr.io/acme-org/hello-app\nghcr.io/acme-org/hello-mirror',
          platforms: 'linux/amd64,linux/arm64'
        }
      },
      true,
      false,
      [
        'ghcr.io/acme-org/hello-app · ghcr.io/acme-org/hello-mirror',
        'platforms: linux/amd64, linux/arm64',
        `docker pull ghcr.io/acme-org/hello-mirror@${DIGEST}`,
        'packages: ghcr.io/acme-org/hello-app, ghcr.io/acme-org/hello-mirror'
      ],
      []
    ]
  ]

  test.each(CASES)('%s', (_name, c, pushed, dryRun, present, absent) => {
    const { plan, where } = setup(c)
    const md = summaryMarkdown(plan, pushed || !dryRun ? result : undefined, pushed, dryRun, where)
    expectShown(md, present, absent)
  })

  test('the title is a heading, the package a link, the pull line a shell block', () => {
    const { plan, where } = setup()
    const html = render(summaryMarkdown(plan, result, true, false, where))
    expect(html).toContain('<h2>ghcr.io/acme-org/hello-app</h2>')
    expect(html).toContain(`<a href="${PAGE}">ghcr.io/acme-org/hello-app</a>`)
    expect(html).toContain(
      `<pre><code class="language-sh">docker pull ghcr.io/acme-org/hello-app@${DIGEST}\n</code></pre>`
    )
    expect(html).toMatch(
      /<details><summary>5 labels[^<]*<\/summary>\n<pre><code class="language-text">/
    )
  })

  test('annotations that are not the labels again are shown with them', () => {
    const { plan, where } = setup({
      inputs: { annotations: 'index:org.example.note=for the index' }
    })
    const html = render(summaryMarkdown(plan, result, true, false, where))
    expect(shown(html)).toContain('5 labels, also annotations on the manifest, 1 more annotation')
    const block = /<details>[\s\S]*?<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>/.exec(html)?.[1]
    expect(visible(block ?? '')).toMatch(
      /\n# annotations\nindex:org\.example\.note=for the index\n$/
    )
  })

  test('labels from outside cannot close the <details> or the code block they stand in', () => {
    const { plan, where } = setup({
      inputs: {
        labels: 'org.example.a=</details><img src=x onerror=alert(1)>\norg.example.b=```~~~'
      }
    })
    const html = render(summaryMarkdown(plan, result, true, false, where))
    expect(html.match(/<\/details>/g)).toHaveLength(1) // ours
    expect(html).not.toMatch(/<img/)
    const block = /<details>[\s\S]*?<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>\s*<\/details>/.exec(
      html
    )
    expect(visible(block?.[1] ?? '')).toContain(
      'org.example.a=</details><img src=x onerror=alert(1)>'
    )
    expect(visible(block?.[1] ?? '')).toContain('org.example.b=```~~~')
  })
})

describe('failureSummaryMarkdown', () => {
  const { plan, where } = setup()
  const [main, sha, latest] = plan.refs
  // [name, report, plan known, lines shown, HTML that must not be there]
  const CASES: Array<[string, FailureReport, boolean, Array<string | RegExp>, string[]]> = [
    [
      'a build error while pushing: nothing landed, docker said why',
      {
        phase: 'build',
        headline: 'the build failed at Dockerfile:3, step [3/3] RUN make: exit code: 2',
        note: 'nothing was pushed',
        reason: 'a command of the Dockerfile failed',
        fix: 'read its output; `docker buildx build` shows the same error',
        landed: [],
        said: [
          ' > [3/3] RUN make:',
          '0.1 make: *** no rule',
          'ERROR: failed to solve: exit code: 2'
        ]
      },
      true,
      [
        'ghcr.io/acme-org/hello-app',
        'failed in the build phase: the build failed at Dockerfile:3, step [3/3] RUN make: exit code: 2',
        'cause: a command of the Dockerfile failed',
        'fix: read its output; docker buildx build shows the same error',
        'tags: nothing was pushed (this run was to push main, sha-abc1234, latest)',
        'docker said:',
        /^> \[3\/3\] RUN make:$/,
        '0.1 make: *** no rule'
      ],
      ['the push failed', '<li>nothing was pushed']
    ],
    [
      'a push that landed one tag of three',
      {
        phase: 'push',
        headline: 'the push failed: ERROR: denied',
        landed: [main],
        notPushed: [sha, latest]
      },
      true,
      [
        'failed in the push phase: the push failed: ERROR: denied',
        'tags: pushed main; not pushed sha-abc1234, latest'
      ],
      ['docker said']
    ],
    [
      'a verify failure whose refs are unknown',
      { phase: 'verify', headline: 'verify: latest points elsewhere' },
      true,
      ['tags: not known: look at the registry'],
      []
    ],
    [
      'an input error, before any plan',
      {
        phase: 'inputs',
        headline: 'push: "sometimes" is not valid: use auto, true or false',
        landed: []
      },
      false,
      [
        'ghcr-build-push',
        'failed in the inputs phase: push: "sometimes" is not valid: use auto, true or false',
        'tags: nothing was pushed'
      ],
      ['this run was to push']
    ],
    [
      "docker's words cannot add HTML or a link",
      {
        phase: 'push',
        headline: 'the push failed: <img src=x onerror=alert(1)> [x](https://evil.example) *y*',
        landed: [],
        notPushed: [main]
      },
      true,
      [
        'failed in the push phase: the push failed: <img src=x onerror=alert(1)> [x](https://evil.example) *y*'
      ],
      ['<img', '<a href="https://evil', '<em>']
    ]
  ]

  test('with several images, the refs that landed are named whole', () => {
    const two = setup({ inputs: { images: 'ghcr.io/acme-org/hello-app\nghcr.io/acme-org/mirror' } })
    const [a, b] = [two.plan.refs[0], two.plan.refs[3]]
    const md = failureSummaryMarkdown(
      { phase: 'push', headline: 'the push failed', landed: [a], notPushed: [b] },
      two.plan,
      two.where
    )
    expectShown(md, [`tags: pushed ${a}; not pushed ${b}`], [])
    expect(b).toBe('ghcr.io/acme-org/mirror:main')
  })

  test.each(CASES)('%s', (_name, report, known, present, absent) => {
    expectShown(
      failureSummaryMarkdown(report, known ? plan : undefined, known ? where : undefined),
      present,
      absent
    )
  })

  test("the title is the image, the cause's code stays code, docker's words a text block", () => {
    const [, report] = CASES[0]
    const html = render(failureSummaryMarkdown(report, plan, where))
    expect(html).toContain('<h2>ghcr.io/acme-org/hello-app</h2>')
    expect(html).toContain('<code>docker buildx build</code>')
    const block = /<pre><code class="language-text">([\s\S]*?)<\/code><\/pre>/.exec(html)?.[1]
    expect(visible(block ?? '').split('\n')).toEqual([...report.said!, ''])
  })
})

test('checkSummaryMarkdown: every check with its result, each failure with cause and fix', () => {
  const { plan } = setup()
  const results: CheckResult[] = [
    { check: 'token scopes', result: 'not checked', detail: 'GITHUB_TOKEN (ghs_): no scopes' },
    { check: 'login to ghcr.io as octo', result: 'passed', detail: 'logged in' },
    {
      check: 'push to ghcr.io/acme-org/hello-app',
      result: 'failed',
      detail: 'preflight: octo may not push | denied',
      phase: 'preflight',
      reason: 'the token may not write packages',
      fix: 'add `permissions: packages: write`'
    }
  ]
  const md = checkSummaryMarkdown(plan, results)
  expectShown(
    md,
    [
      'ghcr.io/acme-org/hello-app',
      'credential check (check-only): failed · 1 passed, 1 failed, 1 not checked; nothing was built or pushed',
      'check | result | detail |',
      'token scopes | not checked | GITHUB_TOKEN (ghs_): no scopes |',
      'login to ghcr.io as octo | passed | logged in |',
      // a | in a detail does not split its cell
      'push to ghcr.io/acme-org/hello-app | failed | preflight: octo may not push | denied |',
      'cause: the token may not write packages',
      'fix: add permissions: packages: write'
    ],
    []
  )
  expect(render(md).match(/<td>/g)).toHaveLength(9) // 3 rows of 3 cells
})
