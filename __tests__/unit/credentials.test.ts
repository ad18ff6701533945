// Which GitHub API a classic PAT's scopes are asked of: the job's own server, except for a job on
// GitHub Enterprise Server (or GHE.com) that pushes to ghcr.io, whose PAT is a github.com token.
import { checkToken } from '../../src/credentials.js'
import { contextFromEnv } from '../../src/context.js'
import { setHttp, type Http } from '../../src/http.js'
import { parseInputs } from '../../src/inputs.js'
import { computePlan } from '../../src/plan.js'

const PAT = 'ghp_' + 'a'.repeat(36)
let asked: string[] = []
let restore: Http

beforeEach(() => {
  asked = []
  restore = setHttp(async url => {
    asked.push(url)
    return { status: 200, headers: { 'x-oauth-scopes': 'write:packages' }, body: '{}' }
  })
})
afterEach(() => setHttp(restore))

test.each([
  [
    'github.com, ghcr.io',
    'https://github.com',
    'https://api.github.com',
    '',
    'https://api.github.com/user'
  ],
  [
    'GHES, its Container registry (the default there)',
    'https://ghes.example.com',
    'https://ghes.example.com/api/v3',
    '',
    'https://ghes.example.com/api/v3/user'
  ],
  [
    'GHES pushing to ghcr.io',
    'https://ghes.example.com',
    'https://ghes.example.com/api/v3',
    'ghcr.io',
    'https://api.github.com/user'
  ],
  [
    'GHE.com pushing to ghcr.io',
    'https://acme.ghe.com',
    'https://api.acme.ghe.com',
    'ghcr.io',
    'https://api.github.com/user'
  ],
  [
    'GHE.com, its Container registry',
    'https://acme.ghe.com',
    'https://api.acme.ghe.com',
    '',
    'https://api.acme.ghe.com/user'
  ]
])('%s', async (_, serverUrl, apiUrl, registry, expected) => {
  const inputs: Record<string, string> = {
    username: 'u',
    token: PAT,
    registry,
    tags: 'type=raw,value=x'
  }
  const settings = parseInputs(n => inputs[n] ?? '')
  const ctx = contextFromEnv(
    { GITHUB_REPOSITORY: 'acme/app', GITHUB_SERVER_URL: serverUrl, GITHUB_API_URL: apiUrl },
    {}
  )
  const plan = computePlan({
    settings,
    ctx,
    now: new Date(0),
    metadataFile: '/m',
    iidFile: '/i',
    secretsDir: '/s',
    localTag: 'l'
  })
  await checkToken(settings, plan, ctx.apiUrl, ctx.serverUrl)
  expect(asked).toEqual([expected])
})
