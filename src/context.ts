// The GitHub context the plan is computed from: environment variables and the event payload,
// as the Actions runner provides them. Pure apart from reading the payload file.
import { readFileSync } from 'node:fs'

/** What the plan needs to know about the workflow run. */
export interface GitHubContext {
  eventName: string // GITHUB_EVENT_NAME: push, pull_request, schedule, ...
  ref: string // GITHUB_REF: refs/heads/main, refs/tags/v1.2.3, refs/pull/15/merge
  sha: string // GITHUB_SHA (full)
  owner: string // from GITHUB_REPOSITORY, case kept
  repo: string // from GITHUB_REPOSITORY, case kept
  serverUrl: string // GITHUB_SERVER_URL, no trailing slash
  apiUrl: string // GITHUB_API_URL, no trailing slash
  actor: string // GITHUB_ACTOR
  runId: string // GITHUB_RUN_ID
  baseRef: string // GITHUB_BASE_REF (PR events only)
  headRef: string // GITHUB_HEAD_REF (PR events only)
  /** The event payload (GITHUB_EVENT_PATH), `{}` when there is none. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  payload: Record<string, any>
}

type Env = Record<string, string | undefined>

const trimSlash = (s: string): string => s.replace(/\/+$/, '')

/** Builds the context from an environment and an already-parsed payload. Pure. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function contextFromEnv(env: Env, payload: Record<string, any>): GitHubContext {
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/')
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    owner,
    repo,
    serverUrl: trimSlash(env.GITHUB_SERVER_URL || 'https://github.com'),
    apiUrl: trimSlash(env.GITHUB_API_URL || 'https://api.github.com'),
    actor: env.GITHUB_ACTOR ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
    baseRef: env.GITHUB_BASE_REF ?? '',
    headRef: env.GITHUB_HEAD_REF ?? '',
    payload
  }
}

/** Reads GITHUB_EVENT_PATH (if any) and builds the context. */
export function loadContext(env: Env = process.env): GitHubContext {
  const path = env.GITHUB_EVENT_PATH
  let payload = {}
  if (path) {
    try {
      payload = JSON.parse(readFileSync(path, 'utf8'))
    } catch (e) {
      throw new Error(
        `cannot read the event payload GITHUB_EVENT_PATH=${path}: ${(e as Error).message}`
      )
    }
  }
  return contextFromEnv(env, payload)
}

/** The default branch as the event payload names it (push, PR and most events carry it). */
export function payloadDefaultBranch(ctx: GitHubContext): string | undefined {
  return ctx.payload?.repository?.default_branch ?? undefined
}

/** Repository facts from the REST API (optional: the API may be unreachable or forbidden). */
export interface RepoInfo {
  name?: string
  htmlUrl?: string
  description?: string
  license?: string // SPDX id
  defaultBranch?: string
}
