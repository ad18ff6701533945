// Fail fast and say why (issue 4), end to end: a GHCR-like token-auth registry refusing a
// read-only account, a classic PAT without write:packages (GitHub API stand-in), transient
// registry faults and a registry that is gone (fault-injecting proxy).
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { e2eEnv, runStep } from './harness.js'
import { freshContext, githubEnv, pushEvent, randomSha } from './fixtures.js'
import { RegistryApi } from './registry-api.js'
import { startFaultProxy, type FaultProxy } from '../servers/fault-proxy.js'
import { startGitHubApi, type GitHubApi } from '../servers/github-api.js'
import { startTokenAuthRegistry, type TokenAuthRegistry } from '../servers/token-auth-registry.js'

const env = e2eEnv()
const api = new RegistryApi(env)
const REPO = 'Acme-Org/Hello-App'
let reg: TokenAuthRegistry
let github: GitHubApi
let proxy: FaultProxy

beforeAll(async () => {
  reg = await startTokenAuthRegistry({
    accounts: {
      reader: { password: 'ro-token-3f9a1c', scopes: ['read:packages'] },
      writer: { password: 'rw-token-7d2e4b', scopes: ['read:packages', 'write:packages'] },
      patuser: { password: 'ghp_readonlyPat000000000000000000000000', scopes: ['read:packages'] }
    }
  })
  github = await startGitHubApi({
    tokens: { ghp_readonlyPat000000000000000000000000: { scopes: ['repo', 'read:packages'] } }
  })
  proxy = await startFaultProxy({ target: env.E2E_REGISTRY, failRate: 0 })
})

afterAll(async () => {
  await Promise.all([reg?.stop(), github?.stop(), proxy?.stop()])
})

function step(registry: string, username: string, token: string, image: string, extra = {}) {
  const sha = randomSha()
  return runStep({
    inputs: { registry, username, token, images: `${registry}/${image}`, ...extra },
    env: { ...githubEnv(REPO, 'push', 'refs/heads/main', sha), GITHUB_API_URL: github.url },
    event: pushEvent(REPO, 'refs/heads/main', sha),
    cwd: freshContext()
  })
}

const ranBuild = (stdout: string): boolean => /\[command\].*buildx build/.test(stdout)

test('token auth: a read-only account fails in the preflight, in seconds, before any build', async () => {
  const t0 = Date.now()
  const { main } = await step(reg.registry, 'reader', 'ro-token-3f9a1c', 'acme/ro-app')
  const seconds = (Date.now() - t0) / 1000
  expect(main.code).toBe(1)
  expect(seconds).toBeLessThan(5)
  expect(ranBuild(main.stdout)).toBe(false)
  expect(main.stdout).toMatch(/::error::preflight: reader may not push to .*acme\/ro-app/)
  expect(main.stdout).toContain('installation not allowed to Write organization package')
  expect(main.stdout).toMatch(/fix: add `permissions: packages: write`/)
  // the token service was asked for pull,push and granted pull only
  const asked = reg.requests.filter(
    r => r.user === 'reader' && r.scopes.some(s => s.includes('push'))
  )
  expect(asked.length).toBeGreaterThan(0)
  expect(asked.every(r => r.granted.every(g => !g.actions.includes('push')))).toBe(true)
})

test('token auth: a read-write account pushes through the Bearer flow, verified', async () => {
  const { main } = await step(reg.registry, 'writer', 'rw-token-7d2e4b', 'acme/rw-app')
  expect(main.code).toBe(0)
  expect(main.stdout).toMatch(/preflight: writer can push to .*acme\/rw-app \(bearer auth\)/)
  expect(main.stdout).toMatch(/verified .*acme\/rw-app:latest → sha256:/)
  const puts = reg.traffic.filter(
    r =>
      r.method === 'PUT' && r.path.startsWith('/v2/acme/rw-app/manifests/') && r.user === 'writer'
  )
  expect(puts.map(r => r.status)).toEqual(expect.arrayContaining([201]))
  expect(puts.length).toBe(3) // main, sha-…, latest
})

test('a classic PAT without write:packages fails before login, naming the scope', async () => {
  const pat = 'ghp_readonlyPat000000000000000000000000'
  const { main } = await step(reg.registry, 'patuser', pat, 'acme/pat-app')
  expect(main.code).toBe(1)
  expect(main.stdout).toMatch(
    /::error::token: this classic personal access token lacks the write:packages scope \(it has: repo, read:packages\)/
  )
  expect(main.stdout).not.toMatch(/\[command\].*docker login/)
  expect(github.requests.some(r => r.path === '/user' && r.knownToken)).toBe(true)
})

// The engine's own push retries little and sleeps long; after its first failure the step pushes
// the saved image with its own client (src/push.ts), request by request. About 15 s a run here.
const FAULT_RUNS = Number(process.env.E2E_FAULT_RUNS ?? 10)

test(`30% of registry requests failing: ${FAULT_RUNS} consecutive runs all green, every tag at the digest`, async () => {
  proxy.configure({ failRate: 0.3, faults: ['503', 'reset'], seed: 7 })
  proxy.reset()
  for (let run = 1; run <= FAULT_RUNS; run++) {
    const image = `acme/flaky-${run}`
    const { main } = await step(proxy.address, env.E2E_USER, env.E2E_PASSWORD, image, {
      retries: '6'
    })
    const retried = main.stdout.match(/^retrying .*/gm) ?? []
    console.log(`fault run ${run}: exit ${main.code}, ${retried.length} retries`)
    expect({ run, code: main.code, error: main.stdout.match(/::error::.*/)?.[0] }).toEqual({
      run,
      code: 0,
      error: undefined
    })
    const digest = main.outputs.digest
    const tags = await api.tags(image)
    expect(tags.length).toBe(3)
    for (const t of tags) expect(await api.digest(image, t)).toBe(digest)
  }
  expect(proxy.counters.faults).toBeGreaterThan(3 * FAULT_RUNS) // faults really happened
  proxy.configure({ failRate: 0 })
})

test('the registry gone: the step fails within its retry budget with a clear message', async () => {
  await proxy.setDown(true)
  try {
    const t0 = Date.now()
    const { main } = await step(proxy.address, env.E2E_USER, env.E2E_PASSWORD, 'acme/gone', {
      retries: '2'
    })
    expect(main.code).toBe(1)
    expect((Date.now() - t0) / 1000).toBeLessThan(60)
    expect(main.stdout).toMatch(/retrying docker login .* \(attempt 2 of 3\)/)
    expect(main.stdout).toMatch(/::error::login to .* failed after retries/)
    expect(ranBuild(main.stdout)).toBe(false)
    expect(main.outputs.pushed).toBeUndefined()
  } finally {
    await proxy.setDown(false)
  }
})
