// End to end on a real dockerd, real Buildx and a real registry (scripts/e2e-env.sh).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { e2eEnv, runStep, visibleLog, type StepResult } from './harness.js'
import { freshContext, githubEnv, pullRequestEvent, pushEvent, randomSha } from './fixtures.js'
import { RegistryApi } from './registry-api.js'

const env = e2eEnv()
const api = new RegistryApi(env)
const baseInputs = { registry: env.E2E_REGISTRY, username: env.E2E_USER, token: env.E2E_PASSWORD }

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap(name => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

function expectNoSecret(results: StepResult[], runnerTemp: string): void {
  // The token was registered for masking...
  expect(results[0].stdout).toContain(`::add-mask::${env.E2E_PASSWORD}`)
  // ...and is nowhere else.
  for (const r of results) {
    for (const text of [visibleLog(r.stdout), r.stderr, JSON.stringify(r.outputs), r.summary]) {
      expect(text).not.toContain(env.E2E_PASSWORD)
    }
  }
  for (const f of filesUnder(runnerTemp))
    expect(readFileSync(f, 'utf8')).not.toContain(env.E2E_PASSWORD)
}

async function expectTagsAt(repo: string, tags: string[], digest: string): Promise<void> {
  expect(await api.tags(repo)).toEqual([...tags].sort())
  for (const tag of tags) expect(await api.digest(repo, tag)).toBe(digest)
}

test('push to the default branch: main, sha-<7>, latest at the output digest, labelled', async () => {
  const sha = randomSha()
  const { main, files } = await runStep({
    inputs: baseInputs,
    env: githubEnv('Acme-Org/Hello-App', 'push', 'refs/heads/main', sha),
    event: pushEvent('Acme-Org/Hello-App', 'refs/heads/main', sha),
    cwd: freshContext()
  })
  expect(main.code).toBe(0)
  const digest = main.outputs.digest
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  expect(main.outputs.pushed).toBe('true')
  const repo = 'acme-org/hello-app'
  await expectTagsAt(repo, ['main', `sha-${sha.slice(0, 7)}`, 'latest'], digest)
  const labels = await api.labels(repo, 'main')
  expect(labels['org.opencontainers.image.source']).toBe('https://github.com/Acme-Org/Hello-App')
  expect(labels['org.opencontainers.image.revision']).toBe(sha)
  expect(main.outputs.refs).toBe(`${env.E2E_REGISTRY}/${repo}@${digest}`)
  expect(main.outputs.tags.split('\n').sort()).toEqual(
    ['main', `sha-${sha.slice(0, 7)}`, 'latest'].map(t => `${env.E2E_REGISTRY}/${repo}:${t}`).sort()
  )
  expect(main.stdout).toContain('lowercased')
  expect(main.summary).toContain(digest)
  expect(filesUnder(files.runnerTemp)).toEqual([])
  expectNoSecret([main], files.runnerTemp)
})

test.each([
  ['v1.2.3', 'acme-org/semver-app', ['1.2.3', '1.2', '1', 'latest']],
  ['v2.0.0-rc.1', 'acme-org/rc-app', ['2.0.0-rc.1']]
])('push of tag %s', async (gitTag, repo, expected) => {
  const sha = randomSha()
  const ref = `refs/tags/${gitTag}`
  const { main } = await runStep({
    inputs: { ...baseInputs, images: `${env.E2E_REGISTRY}/${repo}` },
    env: githubEnv('Acme-Org/Hello-App', 'push', ref, sha),
    event: pushEvent('Acme-Org/Hello-App', ref, sha),
    cwd: freshContext()
  })
  expect(main.code).toBe(0)
  await expectTagsAt(repo, [...expected, `sha-${sha.slice(0, 7)}`], main.outputs.digest)
})

test('pull_request from a fork builds but pushes nothing, and says why', async () => {
  const sha = randomSha()
  const repo = 'acme-org/fork-pr-app'
  const { main } = await runStep({
    inputs: { ...baseInputs, images: `${env.E2E_REGISTRY}/${repo}` },
    env: githubEnv('Acme-Org/Hello-App', 'pull_request', 'refs/pull/15/merge', sha),
    event: pullRequestEvent('Acme-Org/Hello-App', 15, 'someone/Hello-App', randomSha()),
    cwd: freshContext()
  })
  expect(main.code).toBe(0)
  expect(main.outputs.pushed).toBe('false')
  expect(main.outputs.refs).toBe('')
  expect(main.stdout).toMatch(/fork someone\/Hello-App: its code is not the repository's own/)
  expect(main.stdout).toMatch(/\[command\].*docker buildx build/)
  expect(await api.tags(repo)).toEqual([])
})

test('wrong password: clear failure, nothing pushed, the private config removed all the same', async () => {
  const repo = 'acme-org/wrong-password'
  const sha = randomSha()
  const { main, files } = await runStep({
    inputs: { ...baseInputs, token: 'not-the-password', images: `${env.E2E_REGISTRY}/${repo}` },
    env: githubEnv('Acme-Org/Hello-App', 'push', 'refs/heads/main', sha),
    event: pushEvent('Acme-Org/Hello-App', 'refs/heads/main', sha),
    cwd: freshContext()
  })
  expect(main.code).not.toBe(0)
  expect(main.stdout).toMatch(/::error::login to .* as .* failed/)
  expect(main.stdout).toMatch(/fix: check the token secret/)
  expect(main.stdout).not.toMatch(/\[command\].*buildx/)
  expect(await api.tags(repo)).toEqual([])
  expect(filesUnder(files.runnerTemp)).toEqual([])
  expect(visibleLog(main.stdout) + main.stderr).not.toContain('not-the-password')
})
