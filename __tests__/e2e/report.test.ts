// What a real run tells (issue 11, points 3, 6, 7, 9), on both engines: a failing RUN or COPY is a
// build error with docker's own report, never a push error; the job summary of a failure, a push
// and a dry run, read as GitHub shows it (rendered as GFM); each label once in the whole log; a
// refused GitHub API connection named as such; check-only checks and pushes nothing.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pushBusyboxBase } from './base-image.js'
import { githubEnv, pullRequestEvent, pushEvent, randomSha } from './fixtures.js'
import { e2eEnv, runStep, trixieEnv, visibleLog, type E2EEnv, type StepResult } from './harness.js'
import { RegistryApi } from './registry-api.js'
import { shownSummary } from '../unit/summary-lines.js'

const bw = e2eEnv()
const tx = trixieEnv()
const REPOSITORY = 'Acme-Org/Hello-App'
const TIMEOUT = 90_000
const rand = (): string => randomBytes(4).toString('hex')
let base: string

beforeAll(async () => {
  base = await pushBusyboxBase(bw)
}, TIMEOUT)

/** A build context: this Dockerfile and a hello.txt with unique content. */
function contextWith(dockerfile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ghcr-e2e-ctx-'))
  writeFileSync(join(dir, 'hello.txt'), `hello ${rand()}\n`)
  writeFileSync(join(dir, 'Dockerfile'), dockerfile)
  return dir
}

/** The step on an engine's stack, as a push to main (or the given event). */
async function step(
  env: E2EEnv,
  inputs: Record<string, string>,
  cwd: string,
  event?: { name: string; ref: string; payload: unknown }
): Promise<StepResult> {
  const sha = randomSha()
  const { main } = await runStep({
    inputs: {
      registry: env.E2E_REGISTRY,
      username: env.E2E_USER,
      token: env.E2E_PASSWORD,
      ...inputs
    },
    env: {
      ...githubEnv(REPOSITORY, event?.name ?? 'push', event?.ref ?? 'refs/heads/main', sha),
      DOCKER_HOST: env.DOCKER_HOST
    },
    event: event?.payload ?? pushEvent(REPOSITORY, 'refs/heads/main', sha),
    cwd
  })
  return main
}

/**
 * Keeps a run's summary as NAME.md in E2E_SUMMARY_DIR when that is set, for
 * scripts/summary-screenshots.mjs (docs/summary.md).
 */
function keepSummary(name: string, r: StepResult): void {
  const dir = process.env.E2E_SUMMARY_DIR
  if (dir) writeFileSync(join(dir, `${name}.md`), r.summary)
}

/** The step's error annotation, its lines as the runner shows them. */
const errorOf = (r: StepResult): string =>
  (/^::error::(.*)$/m.exec(r.stdout)?.[1] ?? '').replace(/%0A/g, '\n').replace(/%25/g, '%')

describe('a Dockerfile error is a build error, not a push error', () => {
  test(
    'a failing RUN (Debian 12 engine): the step, exit code, its last output lines; nothing pushed',
    async () => {
      const image = `acme/run-fails-${rand()}`
      const cwd = contextWith(
        `FROM ${base}\nCOPY hello.txt /hello.txt\nRUN echo compiling && echo "make: *** no rule to make target" >&2 && exit 2\n`
      )
      const r = await step(bw, { images: `${bw.E2E_REGISTRY}/${image}`, network: 'none' }, cwd)
      keepSummary('run-fails', r)
      expect(r.code).toBe(1)
      const error = errorOf(r)
      expect(error.split('\n')[0]).toMatch(
        /^the build failed at step \[3\/3\] RUN echo compiling && .*: exit code: 2$/
      )
      expect(error).toMatch(/^nothing was pushed$/m)
      expect(error).toMatch(/^cause: a command of the Dockerfile failed/m)
      expect(error).toMatch(/^docker said:$/m)
      expect(error).toMatch(/^ {2}[\d.]+ make: \*\*\* no rule to make target$/m)
      expect(error).not.toMatch(/push failed|^pushed: |^not pushed: /m)
      expect(await new RegistryApi(bw).tags(image)).toEqual([])
      // the summary on failure: title, phase, cause, what landed, docker's report
      const { html, lines } = shownSummary(r.summary)
      expect(html).toContain(`<h2>${bw.E2E_REGISTRY}/${image}</h2>`)
      expect(lines).toContain(`failed in the build phase: ${error.split('\n')[0]}`)
      expect(lines.some(l => l.startsWith('cause: a command of the Dockerfile failed'))).toBe(true)
      const tagsLine = lines.find(l => l.startsWith('tags: '))
      expect(tagsLine).toMatch(
        new RegExp(
          '^tags: nothing was pushed \\(this run was to push main, sha-[0-9a-f]{7}, latest\\)$'
        )
      )
      expect(html).toMatch(
        /<pre><code class="language-text">[\s\S]*make: \*\*\* no rule to make target/
      )
    },
    TIMEOUT
  )

  test.each([
    [
      'Debian 12 engine',
      bw,
      /^the build failed at step \[2\/2\] COPY missing\.txt \/missing\.txt: "\/missing\.txt" not found/
    ],
    [
      'newer engine',
      tx,
      /^the build failed at Dockerfile:3, step \[2\/2\] COPY missing\.txt \/missing\.txt: "\/missing\.txt": not found$/
    ]
  ])(
    'a failing COPY (%s): the instruction and the file, the cause; nothing pushed',
    async (_engine, env, headline) => {
      const image = `acme/copy-fails-${rand()}`
      const cwd = contextWith(
        'FROM scratch\nCOPY hello.txt /hello.txt\nCOPY missing.txt /missing.txt\n'
      )
      const r = await step(env, { images: `${env.E2E_REGISTRY}/${image}` }, cwd)
      keepSummary(`copy-fails-${env === bw ? 'bookworm' : 'trixie'}`, r)
      expect(r.code).toBe(1)
      const error = errorOf(r)
      expect(error.split('\n')[0]).toMatch(headline)
      expect(error).toMatch(
        /^cause: a file or directory that this COPY or ADD names is not in the build context$/m
      )
      expect(error).not.toMatch(/push failed|^pushed: |^not pushed: /m)
      expect(await new RegistryApi(env).tags(image)).toEqual([])
      expect(shownSummary(r.summary).lines).toContain(
        `failed in the build phase: ${error.split('\n')[0]}`
      )
    },
    TIMEOUT
  )
})

test(
  'a push: the summary (image, digest, pull line, tags) and a log that shows each label once',
  async () => {
    const image = `acme/summary-${rand()}`
    const cwd = contextWith('FROM scratch\nCOPY hello.txt /hello.txt\n')
    // a github-token, and nothing listens at GITHUB_API_URL: the warning says so
    const r = await step(
      tx,
      { images: `${tx.E2E_REGISTRY}/${image}`, 'github-token': `ghs_${rand()}${rand()}` },
      cwd
    )
    keepSummary('push', r)
    expect(r.code).toBe(0)
    const digest = r.outputs.digest
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await new RegistryApi(tx).digest(image, 'latest')).toBe(digest)

    const { html, lines } = shownSummary(r.summary)
    expect(html).toContain(`<h2>${tx.E2E_REGISTRY}/${image}</h2>`)
    expect(lines).toContain('pushed (push: auto, a push to branch main)')
    expect(lines).toContain(`digest: ${digest}`)
    expect(html).toContain(
      `<pre><code class="language-sh">docker pull ${tx.E2E_REGISTRY}/${image}@${digest}\n</code></pre>`
    )
    for (const tag of ['main', 'latest']) {
      expect(lines.some(l => l.startsWith(`${tag} | `))).toBe(true)
    }
    expect(lines).toContain('latest | default set |')

    // the whole log, the build's own command echo included: each label once
    const log = visibleLog(r.stdout)
    const labels = r.outputs.labels.split('\n')
    expect(labels.length).toBeGreaterThanOrEqual(5)
    for (const label of labels) {
      expect({ label, times: log.split(label).length - 1 }).toEqual({ label, times: 1 })
    }
    expect(log).toMatch(
      /^\[command\]docker buildx build .*--label ‹the \d+ labels above› --annotation ‹the labels above, on the manifest›/m
    )
    expect(log).not.toContain('enable={{is_default_branch}},priority=50')
    // a refused connection to the API is named as one
    const warning = /^::warning::repository facts not read \((.*)\): the description/m.exec(
      log
    )?.[1]
    expect(warning).toMatch(
      /^GET http:\/\/127\.0\.0\.1:65531\/repos\/Acme-Org\/Hello-App: .*ECONNREFUSED/
    )
    expect(warning).not.toMatch(/HTTP \d{3}/)
  },
  TIMEOUT
)

const forkPr = (): { name: string; ref: string; payload: unknown } => ({
  name: 'pull_request',
  ref: 'refs/pull/7/merge',
  payload: pullRequestEvent(REPOSITORY, 7, 'someone/Hello-App', randomSha())
})

test(
  'a fork pull request, for real: built, not pushed, and the summary says why',
  async () => {
    const image = `acme/fork-${rand()}`
    const cwd = contextWith('FROM scratch\nCOPY hello.txt /hello.txt\n')
    const r = await step(bw, { images: `${bw.E2E_REGISTRY}/${image}` }, cwd, forkPr())
    keepSummary('fork-pr', r)
    expect(r.code).toBe(0)
    expect(r.outputs.pushed).toBe('false')
    expect(await new RegistryApi(bw).tags(image)).toEqual([])
    const { html, lines } = shownSummary(r.summary)
    expect(html).toContain(`<h2>${bw.E2E_REGISTRY}/${image}</h2>`)
    expect(
      lines.some(l =>
        l.startsWith(
          'built, not pushed (push: auto and this pull_request comes from the fork someone/Hello-App'
        )
      )
    ).toBe(true)
    expect(html).not.toMatch(/docker pull|<strong>digest/)
  },
  TIMEOUT
)

test('a dry run of a fork pull request: the summary shows the decision a real run takes', async () => {
  const cwd = contextWith('FROM scratch\nCOPY hello.txt /hello.txt\n')
  const r = await step(bw, { 'dry-run': 'true' }, cwd, forkPr())
  keepSummary('fork-pr-dry-run', r)
  expect(r.code).toBe(0)
  const { html, lines } = shownSummary(r.summary)
  expect(html).toContain(`<h2>${bw.E2E_REGISTRY}/acme-org/hello-app</h2>`)
  expect(
    lines.some(l =>
      l.startsWith(
        'dry run: nothing was built or pushed · would push: no (push: auto and this pull_request comes from the fork someone/Hello-App'
      )
    )
  ).toBe(true)
  expect(lines).toContain('pr-7 | type=ref,event=pr |')
  expect(html).not.toContain('docker pull')
})

describe('check-only', () => {
  test(
    'good credentials: every check passes, nothing is built or pushed',
    async () => {
      const image = `acme/check-${rand()}`
      const r = await step(
        bw,
        { images: `${bw.E2E_REGISTRY}/${image}`, 'check-only': 'true' },
        mkdtempSync(join(tmpdir(), 'ghcr-e2e-empty-'))
      )
      keepSummary('check-only-passed', r)
      expect(r.code).toBe(0)
      const log = visibleLog(r.stdout)
      expect(log).toMatch(
        new RegExp(`^check passed: login to ${bw.E2E_REGISTRY} as ${bw.E2E_USER}: logged in$`, 'm')
      )
      expect(log).toMatch(new RegExp(`^check passed: push to ${bw.E2E_REGISTRY}/${image}: `, 'm'))
      expect(log).not.toMatch(/buildx (build|version)/)
      expect(await new RegistryApi(bw).tags(image)).toEqual([])
      expect(
        shownSummary(r.summary).lines.some(l =>
          l.startsWith('credential check (check-only): passed · 2 passed, 0 failed')
        )
      ).toBe(true)
    },
    TIMEOUT
  )

  test(
    'a wrong token: the login and the push check both fail, each with its fix',
    async () => {
      const image = `acme/check-${rand()}`
      const r = await step(
        bw,
        {
          images: `${bw.E2E_REGISTRY}/${image}`,
          'check-only': 'true',
          token: `wrong-${rand()}`,
          retries: '0'
        },
        mkdtempSync(join(tmpdir(), 'ghcr-e2e-empty-'))
      )
      keepSummary('check-only-failed', r)
      expect(r.code).toBe(1)
      const log = visibleLog(r.stdout)
      expect(log).toMatch(/^check failed: login to .* failed: .*401 Unauthorized/m)
      expect(log).toMatch(/^check failed: preflight: .* may not push to /m)
      expect(errorOf(r)).toMatch(/^check-only: login to .* \(1 more failed: see the summary\)$/m)
      const { lines } = shownSummary(r.summary)
      expect(lines.filter(l => / \| failed \| /.test(l))).toHaveLength(2)
      expect(lines.filter(l => l.startsWith('fix: check the token secret'))).toHaveLength(2)
      expect(r.summary.match(/^## /gm)).toHaveLength(1) // the checks' summary only
    },
    TIMEOUT
  )
})
