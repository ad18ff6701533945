// Several registries in one build end to end (issue 13 §3): two local registries with different
// credentials, one with htpasswd (Basic auth) and one with the GHCR-like token service (Bearer),
// images on both in one step. The `registry` host logs in with username/token, the other through
// registry-auth (login-action's syntax). Every tag lands on both at the one digest, read back
// through each registry's API. A wrong password for the second registry fails before the build,
// naming that registry, and nothing is pushed anywhere.
import { freshContext, githubEnv, pushEvent, randomSha } from './fixtures.js'
import { e2eEnv, runStep, visibleLog, type StepResult } from './harness.js'
import {
  registryDigest,
  registryTags,
  startTwoRegistries,
  type TwoRegistries
} from './registries.js'

const env = e2eEnv() // the old engine: the docker driver pushes to both registries
const REPOSITORY = 'Acme-Org/Two-Registries'
const TIMEOUT = 120_000
let two: TwoRegistries

beforeAll(async () => {
  two = await startTwoRegistries()
}, 30_000)

afterAll(async () => {
  await two?.stop()
})

const auth = (registry: string, username: string, password: string): string =>
  `- registry: ${registry}\n  username: ${username}\n  password: ${password}\n`

async function step(repo: string, secondPassword: string): Promise<StepResult> {
  const { htpasswd, token } = two
  const sha = randomSha()
  const { main } = await runStep({
    inputs: {
      registry: htpasswd.registry,
      username: htpasswd.username,
      token: htpasswd.password,
      images: `${htpasswd.registry}/${repo}\n${token.registry}/${repo}`,
      'registry-auth': auth(token.registry, token.username, secondPassword),
      tags: 'type=raw,value=1.0\ntype=raw,value=stable\ntype=sha'
    },
    env: { ...githubEnv(REPOSITORY, 'push', 'refs/heads/main', sha), DOCKER_HOST: env.DOCKER_HOST },
    event: pushEvent(REPOSITORY, 'refs/heads/main', sha),
    cwd: freshContext()
  })
  return main
}

const errorsOf = (r: StepResult): string[] =>
  r.stdout.split('\n').filter(l => l.startsWith('::error'))

test(
  'htpasswd + token-service registries, different credentials: every tag on both, at the one digest',
  async () => {
    const { htpasswd, token } = two
    const repo = 'acme-org/two-registries'
    const main = await step(repo, token.password)
    expect(errorsOf(main)).toEqual([])
    expect(main.code).toBe(0)
    const digest = main.outputs.digest
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)

    // each registry was logged in to, preflighted and verified, each with its own user
    expect(main.stdout).toContain(
      `logins:  ${htpasswd.registry} as ${htpasswd.username}, ${token.registry} as ${token.username}`
    )
    expect(main.stdout).toContain(
      `preflight: ${htpasswd.username} can push to ${htpasswd.registry}/${repo} (basic auth)`
    )
    expect(main.stdout).toContain(
      `preflight: ${token.username} can push to ${token.registry}/${repo} (bearer auth)`
    )
    // one build, with every tag of both images
    expect(main.stdout.match(/\[command\]\S*docker buildx build/g)).toHaveLength(1)

    const tags = main.outputs.tags.split('\n')
    expect(tags).toHaveLength(6)
    const names = [...new Set(tags.map(t => t.slice(t.lastIndexOf(':') + 1)))].sort()
    for (const login of [htpasswd, token]) {
      expect(await registryTags(login, repo)).toEqual(names)
      for (const tag of names) expect(await registryDigest(login, repo, tag)).toBe(digest)
      expect(main.stdout).toContain(`verified ${login.registry}/${repo}:stable → ${digest}`)
    }
    expect(main.outputs.refs).toBe(
      `${htpasswd.registry}/${repo}@${digest}\n${token.registry}/${repo}@${digest}`
    )
    expect(main.summary).toContain(`${token.registry}/${repo}@${digest}`)
    // the token service saw the second registry's own user only
    expect(token.server.requests.every(r => r.user === token.username)).toBe(true)
  },
  TIMEOUT
)

test(
  'a wrong password for the second registry: fails before the build, naming that registry; nothing pushed anywhere',
  async () => {
    const { htpasswd, token } = two
    const repo = 'acme-org/wrong-second'
    const wrong = `${token.password}-wrong`
    const main = await step(repo, wrong)
    expect(main.code).toBe(1)
    const errors = errorsOf(main)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(`login to ${token.registry} as ${token.username} failed`)
    // GHCR's words for refused credentials (denied: denied), with the registry named
    expect(errors[0]).toContain(`cause: ${token.registry} refused the username and token`)
    expect(errors[0]).not.toContain(htpasswd.registry)
    expect(main.summary).toMatch(/failed in the login phase/)
    expect(main.stdout).not.toMatch(/\[command\]\S*docker buildx build/)
    expect(visibleLog(main.stdout)).not.toContain(wrong) // masked: only in ::add-mask::
    expect(await registryTags(htpasswd, repo)).toEqual([])
    expect(await registryTags(token, repo)).toEqual([])
  },
  TIMEOUT
)
