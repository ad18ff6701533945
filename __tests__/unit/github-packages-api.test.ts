// The Packages API calls of github-api.ts at the HTTP seam: paths and encoding, org vs user,
// pagination by Link, what is retried (5xx, 429, GitHub's rate limits, transport) and what not.
import { HttpStatusError, NetworkError } from '../../src/errors.js'
import {
  deletePackageVersion,
  listPackageVersions,
  ownerScope,
  pullRequestState,
  type ContainerPackage,
  type GitHubApi
} from '../../src/github-api.js'
import { setHttp, type Http, type HttpResponse } from '../../src/http.js'

const API = 'https://api.example.test'
const TOKEN = 'ghp_cleanupT0ken0123456789abcdefghijk'
interface Sent {
  method: string
  url: string
  authorization?: string
}
let sent: Sent[] = []
let delays: number[] = []
let logs: string[] = []
let answers: Array<(s: Sent) => HttpResponse | Error> = []
let restore: Http

const api: GitHubApi = {
  apiUrl: API,
  token: TOKEN,
  retries: 2,
  retry: {
    sleep: async ms => void delays.push(ms),
    random: () => 0.5,
    log: l => void logs.push(l)
  }
}
const ok = (body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status: 200,
  headers,
  body: JSON.stringify(body)
})
const status = (code: number, message: string, headers: Record<string, string> = {}) =>
  ({ status: code, headers, body: JSON.stringify({ message }) }) as HttpResponse
const version = (n: number, tags: string[] = []) => ({
  id: n,
  name: `sha256:${String(n).padStart(64, '0')}`,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  metadata: { package_type: 'container', container: { tags } }
})

beforeEach(() => {
  sent = []
  delays = []
  logs = []
  answers = []
  restore = setHttp(async (url, req) => {
    const s = { method: req.method ?? 'GET', url, authorization: req.headers?.Authorization }
    sent.push(s)
    const next = answers.shift()
    if (!next) throw new Error(`unexpected request ${s.method} ${url}`)
    const a = next(s)
    if (a instanceof Error) throw a
    return a
  })
})
afterEach(() => {
  setHttp(restore)
  expect(answers).toEqual([]) // every scripted answer was asked for
})

const org: ContainerPackage = { owner: 'acme-org', name: 'app/web', scope: 'orgs' }
const user: ContainerPackage = { owner: 'octo', name: 'tool', scope: 'users' }

describe('owner and package paths', () => {
  test('an Organization owner is /orgs/, a User /users/; asked with the token', async () => {
    answers.push(() => ok({ login: 'acme-org', type: 'Organization' }))
    answers.push(() => ok({ login: 'octo', type: 'User' }))
    expect(await ownerScope(api, 'acme-org')).toBe('orgs')
    expect(await ownerScope(api, 'octo')).toBe('users')
    expect(sent.map(s => s.url)).toEqual([`${API}/users/acme-org`, `${API}/users/octo`])
    expect(sent.every(s => s.authorization === `Bearer ${TOKEN}`)).toBe(true)
  })

  test('an unknown owner is an HttpStatusError with the API answer', async () => {
    answers.push(() => status(404, 'Not Found'))
    const err = await ownerScope(api, 'nobody').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HttpStatusError)
    expect(err).toMatchObject({ status: 404, message: `GET ${API}/users/nobody: HTTP 404` })
  })

  test('a name with slashes is URL-encoded; DELETE goes to …/versions/{id}', async () => {
    answers.push(() => ok([]))
    answers.push(() => ({ status: 204, headers: {}, body: '' }))
    answers.push(() => ({ status: 204, headers: {}, body: '' }))
    expect(await listPackageVersions(api, org)).toEqual([])
    expect((await deletePackageVersion(api, org, 42)).status).toBe(204)
    expect((await deletePackageVersion(api, user, 7)).status).toBe(204)
    expect(sent.map(s => `${s.method} ${s.url}`)).toEqual([
      `GET ${API}/orgs/acme-org/packages/container/app%2Fweb/versions?per_page=100`,
      `DELETE ${API}/orgs/acme-org/packages/container/app%2Fweb/versions/42`,
      `DELETE ${API}/users/octo/packages/container/tool/versions/7`
    ])
  })
})

describe('listing every page', () => {
  test('follows Link rel="next" as given (GitHub names an organization by id there)', async () => {
    const next = `${API}/organizations/123/packages/container/app%2Fweb/versions?per_page=100&page=2`
    answers.push(() =>
      ok([version(1, ['main']), version(2)], {
        link: `<${next}>; rel="next", <${next.replace('page=2', 'page=3')}>; rel="last"`
      })
    )
    answers.push(() =>
      ok([version(3)], { link: `<${next.replace('page=2', 'page=3')}>; rel="next"` })
    )
    answers.push(() => ok([version(4, ['pr-1'])], { link: `<${next}>; rel="prev"` }))
    const list = await listPackageVersions(api, org)
    expect(list.map(v => [v.id, v.metadata?.container?.tags])).toEqual([
      [1, ['main']],
      [2, []],
      [3, []],
      [4, ['pr-1']]
    ])
    expect(sent.map(s => s.url).slice(1)).toEqual([next, next.replace('page=2', 'page=3')])
  })

  test('a next page outside the API is refused, and the token never goes there', async () => {
    answers.push(() =>
      ok([version(1)], { link: '<https://elsewhere.test/versions?page=2>; rel="next"' })
    )
    await expect(listPackageVersions(api, org)).rejects.toThrow(
      /the next page is outside https:\/\/api\.example\.test/
    )
    expect(sent.map(s => s.url)).toHaveLength(1)
  })

  test('a page that keeps failing fails the whole list: never a part of it', async () => {
    const next = `${API}/orgs/acme-org/packages/container/app%2Fweb/versions?per_page=100&page=2`
    answers.push(() => ok([version(1)], { link: `<${next}>; rel="next"` }))
    for (let i = 0; i < 3; i++) answers.push(() => status(500, 'Server Error'))
    const err = await listPackageVersions(api, org).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 500 })
    expect(logs).toHaveLength(2)
  })

  test('an answer that is not a list of versions is refused', async () => {
    answers.push(() => ok([{ id: 1, name: 'latest' }]))
    await expect(listPackageVersions(api, org)).rejects.toThrow(/without an id and digest/)
  })

  test('tags that are not a list are refused (read as untagged, the version could go)', async () => {
    answers.push(() => ok([{ ...version(1), metadata: { container: { tags: 'main' } } }]))
    await expect(listPackageVersions(api, org)).rejects.toThrow(/tags that are not a list/)
  })

  test('control characters in a tag become spaces (it reaches the log)', async () => {
    answers.push(() => ok([version(1, ['a\nb'])]))
    expect((await listPackageVersions(api, org))[0].metadata?.container?.tags).toEqual(['a b'])
  })
})

describe('retries, by the rules of retry.ts', () => {
  test.each([
    { what: 'a 502', failure: () => status(502, 'Server Error'), wait: 250 },
    {
      what: 'a 503 with Retry-After',
      failure: () => status(503, 'Unavailable', { 'retry-after': '2' }),
      wait: 2000
    },
    {
      what: 'a 429 with Retry-After',
      failure: () => status(429, 'Too Many', { 'retry-after': '1' }),
      wait: 1000
    },
    {
      what: 'a 403 with x-ratelimit-remaining: 0 (the primary rate limit, whatever its text)',
      failure: () => status(403, 'Forbidden', { 'x-ratelimit-remaining': '0' }),
      wait: 250
    },
    {
      what: "a 403 secondary rate limit with GitHub's Retry-After",
      failure: () =>
        status(403, 'You have exceeded a secondary rate limit', { 'retry-after': '3' }),
      wait: 3000
    },
    {
      what: 'a connection reset',
      failure: () =>
        new NetworkError('ECONNRESET', `${API}/x`, `GET ${API}/x: socket hang up (ECONNRESET)`),
      wait: 250
    }
  ])('$what is retried (waits $wait ms)', async ({ failure, wait }) => {
    answers.push(failure)
    answers.push(() => ok({ type: 'User' }))
    expect(await ownerScope(api, 'octo')).toBe('users')
    expect(delays).toEqual([wait])
    expect(logs[0]).toMatch(/^retrying GET https:\/\/api\.example\.test\/users\/octo in /)
  })

  test.each([
    [403, 'Resource not accessible by integration'],
    [
      403,
      'You need at least delete:packages and read:packages scopes to delete a package version.'
    ],
    [404, 'Package version not found.'],
    [
      400,
      'You cannot delete the last tagged version of a package. You must delete the package instead.'
    ]
  ])('%s %s is an answer, not retried', async (code, message) => {
    answers.push(() => status(code, message))
    const res = await deletePackageVersion(api, org, 42)
    expect(res.status).toBe(code)
    expect(JSON.parse(res.body).message).toBe(message)
    expect(logs).toEqual([])
  })

  test('retries spent: the last answer comes back', async () => {
    for (let i = 0; i < 3; i++) answers.push(() => status(502, `bad gateway ${i}`))
    const res = await deletePackageVersion(api, org, 42)
    expect(res.status).toBe(502)
    expect(JSON.parse(res.body).message).toBe('bad gateway 2')
  })

  test('a 200 whose body mentions a rate limit is an answer', async () => {
    answers.push(() => ok([version(1, ['rate-limiter'])]))
    expect(await listPackageVersions(api, org)).toHaveLength(1)
    expect(logs).toEqual([])
  })
})

describe('pull request state', () => {
  test('open, closed, and unknown for anything else', async () => {
    answers.push(() => ok({ number: 1, state: 'closed', merged: true }))
    answers.push(() => ok({ number: 2, state: 'open' }))
    answers.push(() => status(404, 'Not Found'))
    const repo = { owner: 'Acme-Org', repo: 'App' }
    expect(await pullRequestState(api, repo, 1)).toBe('closed')
    expect(await pullRequestState(api, repo, 2)).toBe('open')
    expect(await pullRequestState(api, repo, 3)).toBe('unknown')
    expect(sent.map(s => s.url)).toEqual([1, 2, 3].map(n => `${API}/repos/Acme-Org/App/pulls/${n}`))
  })
})
