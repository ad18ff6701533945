// A classic PAT without write:packages logs in fine and fails only at the push. GitHub's API names
// a classic token's scopes in the X-OAuth-Scopes header of any call, so one GET /user tells us early.
import { githubGet } from './github-api.js'

export type PatCheck =
  /** Not checked; `warn` says the reason deserves a warning rather than a debug line. */
  | { checked: false; reason: string; warn: boolean }
  | { checked: true; invalid: false; scopes: string[]; missing: string[] }
  /** The API rejected the token (401): the caller turns this into an error. */
  | { checked: true; invalid: true; reason: string }

/** write:packages implies read:packages; delete:packages is only for cleanup. */
export const REQUIRED_SCOPES = ['write:packages']

const KINDS: Array<[prefix: string, reason: string, warn: boolean]> = [
  [
    'github_pat_',
    'a fine-grained personal access token (github_pat_) cannot be used with GitHub Packages: use GITHUB_TOKEN with `permissions: packages: write`, or a classic PAT with write:packages',
    true
  ],
  [
    'ghs_',
    'GITHUB_TOKEN or a GitHub App token (ghs_): its rights come from `permissions:` or the app, not scopes; the preflight checks them',
    false
  ],
  ['gho_', 'an OAuth app token (gho_): scopes not checked', false],
  ['ghu_', 'a GitHub App user token (ghu_): scopes not checked', false]
]

/** Checks a classic PAT (`ghp_`) for the scopes pushing needs. Never throws: a failing API means "not checked". */
export async function checkPatScopes(opts: { token: string; apiUrl: string }): Promise<PatCheck> {
  const { token } = opts
  if (!token) return { checked: false, reason: 'no token', warn: false }
  if (!token.startsWith('ghp_')) {
    const kind = KINDS.find(([prefix]) => token.startsWith(prefix))
    if (kind) return { checked: false, reason: kind[1], warn: kind[2] }
    return { checked: false, reason: 'not a classic PAT (ghp_): scopes not checked', warn: false }
  }
  const apiUrl = opts.apiUrl.replace(/\/+$/, '')
  const url = `${apiUrl}/user`
  let res
  try {
    res = await githubGet({ apiUrl, token }, '/user', 10_000)
  } catch (err) {
    return { checked: false, reason: `GET ${url} failed: ${(err as Error).message}`, warn: false }
  }
  if (res.status === 401) {
    return {
      checked: true,
      invalid: true,
      reason: `GitHub rejected the token (GET ${url}: 401): it is expired, revoked or mistyped`
    }
  }
  if (res.status !== 200) {
    return { checked: false, reason: `GET ${url} answered HTTP ${res.status}`, warn: false }
  }
  const header = res.headers['x-oauth-scopes']
  if (header === undefined) {
    return { checked: false, reason: `GET ${url} did not report the token's scopes`, warn: false }
  }
  const scopes = header
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)
  return {
    checked: true,
    invalid: false,
    scopes,
    missing: REQUIRED_SCOPES.filter(s => !scopes.includes(s))
  }
}
