// The OCI labels (also used as annotations): the generated org.opencontainers.image.* keys and the
// user's `key=value` lines on top. Pure; the repository API data is optional.
import type { GitHubContext, RepoInfo } from './context.js'
import { atLine } from './tags/rule-error.js'
import { effectiveSha, type TagEnv } from './tags/index.js'
import { expand } from './tags/scope.js'
import { resolve } from './tags/event.js'

export interface LabelInput {
  ctx: GitHubContext
  now: Date
  repo?: RepoInfo
  version: string | undefined
  /** As TagEnv.prHeadSha: revision is the PR head commit on PR events unless false. */
  prHeadSha?: boolean
}

/** GHCR shows at most 512 characters of a description; SPDX expressions get 256. */
export const MAX_DESCRIPTION = 512
export const MAX_LICENSES = 256

const OCI = 'org.opencontainers.image.'

/** Cuts to `max` characters without splitting a surrogate pair. */
const cut = (s: string, max: number): string => Array.from(s).slice(0, max).join('')

/**
 * metadata-action sorts label keys with localeCompare. Case-insensitive code-unit order gives
 * the same order for label keys and avoids loading the ICU collator (~15 ms at start-up).
 */
const byKey = (a: [string, string], b: [string, string]): number => {
  const [x, y] = [a[0].toLowerCase(), b[0].toLowerCase()]
  return x < y ? -1 : x > y ? 1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0
}

/**
 * The generated labels, sorted by key. source/title/revision/created/version never need the API
 * (source and title prefer the API's canonical values after a rename); description, licenses
 * and url are left out when the API gave nothing.
 */
export function computeLabels(input: LabelInput): Array<[string, string]> {
  const { ctx, now, repo } = input
  const pairs: Array<[string, string]> = [
    [`${OCI}created`, now.toISOString()],
    [`${OCI}revision`, effectiveSha(ctx, input.prHeadSha)],
    [`${OCI}source`, repo?.htmlUrl || `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}`],
    [`${OCI}title`, repo?.name || ctx.repo],
    [`${OCI}version`, input.version ?? '']
  ]
  if (repo?.description) pairs.push([`${OCI}description`, cut(repo.description, MAX_DESCRIPTION)])
  if (repo?.license) pairs.push([`${OCI}licenses`, cut(repo.license, MAX_LICENSES)])
  if (repo?.htmlUrl) pairs.push([`${OCI}url`, repo.htmlUrl])
  return pairs.sort(byKey)
}

/**
 * Adds the user's `key=value` lines (`labels` or `annotations` input) to `generated`: a user key
 * replaces a generated one, and the result is sorted by key. As in metadata-action, a line with
 * no `=` is ignored and `key=` gives an empty value. With `env`, `{{...}}` expressions in the
 * lines are evaluated (e.g. `{{commit_date 'YYYY-MM-DD'}}`).
 */
export function applyUserPairs(
  generated: Array<[string, string]>,
  userLines: string[],
  inputName: string,
  env?: TagEnv
): Array<[string, string]> {
  const map = new Map(generated)
  const resolved = env && resolve(env)
  for (const line of userLines) {
    const text = resolved ? atLine(inputName, line, () => expand(line, resolved)) : line
    const eq = text.indexOf('=')
    if (eq < 0) continue
    map.set(text.slice(0, eq).trim(), text.slice(eq + 1))
  }
  return [...map].sort(byKey)
}
