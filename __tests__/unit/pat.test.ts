import { NetworkError } from '../../src/errors.js'
import { setHttp, type Http, type HttpRequest } from '../../src/http.js'
import { checkPatScopes } from '../../src/pat.js'

const API = 'https://api.github.com'
const PAT = 'ghp_' + 'a'.repeat(36)

let calls: Array<{ url: string; req: HttpRequest }> = []
let restore: Http | undefined

/** Plays GET /user with the given answer. */
function api(answer: Awaited<ReturnType<Http>> | Error): void {
  restore = setHttp(async (url, req) => {
    calls.push({ url, req })
    if (answer instanceof Error) throw answer
    return answer
  })
}

beforeEach(() => {
  calls = []
})

afterEach(() => {
  if (restore) setHttp(restore)
  restore = undefined
})

describe('checkPatScopes: classic PATs', () => {
  test('reads X-OAuth-Scopes from GET /user with `Authorization: Bearer`', async () => {
    api({
      status: 200,
      headers: { 'x-oauth-scopes': 'repo, write:packages, read:org' },
      body: '{}'
    })
    const res = await checkPatScopes({ token: PAT, apiUrl: API })
    expect(res).toEqual({
      checked: true,
      invalid: false,
      scopes: ['repo', 'write:packages', 'read:org'],
      missing: []
    })
    expect(calls).toHaveLength(1)
    expect(calls[0].url).toBe('https://api.github.com/user')
    expect(calls[0].req.headers?.Authorization).toBe(`Bearer ${PAT}`)
  })

  test('names write:packages when it is missing (read:packages and delete:packages do not replace it)', async () => {
    api({ status: 200, headers: { 'x-oauth-scopes': 'read:packages, delete:packages' }, body: '' })
    const res = await checkPatScopes({ token: PAT, apiUrl: API })
    expect(res).toMatchObject({ checked: true, invalid: false, missing: ['write:packages'] })
  })

  test('an empty scope header means no scopes', async () => {
    api({ status: 200, headers: { 'x-oauth-scopes': '' }, body: '' })
    expect(await checkPatScopes({ token: PAT, apiUrl: API })).toEqual({
      checked: true,
      invalid: false,
      scopes: [],
      missing: ['write:packages']
    })
  })

  test('a GHES API URL with a trailing slash', async () => {
    api({ status: 200, headers: { 'x-oauth-scopes': 'write:packages' }, body: '' })
    await checkPatScopes({ token: PAT, apiUrl: 'https://github.example.com/api/v3/' })
    expect(calls[0].url).toBe('https://github.example.com/api/v3/user')
  })

  test('401 is a bad token: a distinct result', async () => {
    api({ status: 401, headers: {}, body: '{"message":"Bad credentials"}' })
    const res = await checkPatScopes({ token: PAT, apiUrl: API })
    expect(res).toMatchObject({ checked: true, invalid: true })
    expect(res.checked && res.invalid && res.reason).toMatch(/expired, revoked or mistyped/)
  })

  test.each([
    ['a 5xx', { status: 502, headers: {}, body: '' }, /HTTP 502/],
    ['a 403 (rate limit)', { status: 403, headers: {}, body: '' }, /HTTP 403/],
    ['no scope header', { status: 200, headers: {}, body: '' }, /did not report/],
    [
      'a network failure',
      new NetworkError('ECONNRESET', 'u', 'GET u: reset (ECONNRESET)'),
      /ECONNRESET/
    ]
  ])('%s → not checked, never thrown', async (_name, answer, reason) => {
    api(answer as Awaited<ReturnType<Http>> | Error)
    const res = await checkPatScopes({ token: PAT, apiUrl: API })
    expect(res).toMatchObject({ checked: false, warn: false })
    expect(!res.checked && res.reason).toMatch(reason)
  })

  test('the reason never holds the token', async () => {
    api(
      new NetworkError('ETIMEDOUT', `${API}/user`, `GET ${API}/user: no answer in time (ETIMEDOUT)`)
    )
    const res = await checkPatScopes({ token: PAT, apiUrl: API })
    expect(JSON.stringify(res)).not.toContain(PAT)
  })
})

describe('checkPatScopes: other token kinds are not checked and make no call', () => {
  test.each([
    ['ghs_' + 'b'.repeat(36), /GITHUB_TOKEN or a GitHub App token/, false],
    [
      'github_pat_11ABC_' + 'c'.repeat(59),
      /fine-grained .* cannot be used with GitHub Packages/,
      true
    ],
    ['gho_' + 'd'.repeat(36), /OAuth app token/, false],
    ['ghu_' + 'e'.repeat(36), /user token/, false],
    ['0123456789abcdef0123456789abcdef01234567', /not a classic PAT/, false],
    ['', /no token/, false]
  ])('%s', async (token, reason, warn) => {
    api({ status: 500, headers: {}, body: '' })
    const res = await checkPatScopes({ token, apiUrl: API })
    expect(res).toMatchObject({ checked: false, warn })
    expect(!res.checked && res.reason).toMatch(reason)
    expect(calls).toHaveLength(0)
  })
})
