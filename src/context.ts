// The GitHub context the plan is computed from: environment variables and the event payload,
// as the Actions runner provides them. Pure apart from reading the payload file.
// Every string from outside (the payload: branch, tag, PR fields, head and base refs; the
// GITHUB_* values) is cleaned of control characters here, once, before it can reach a label,
// a log line or the summary (a newline there would start a line the runner reads as a command).
import { readFileSync } from 'node:fs'
import { StepError } from './errors.js'

/**
 * Control characters (C0, DEL, C1), the Unicode line and paragraph separators and the bidi
 * overrides, which can start a new line or disguise the text around them.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** `value` with every control character replaced by a space: one line, shown as it reads. */
export const cleanText = (value: string): string => value.replace(CONTROL, ' ')

/** Whether `value` holds a control character (see cleanText). */
export const hasControl = (value: string): boolean => value.search(CONTROL) >= 0

/** A parsed JSON value with every string in it (keys too) cleaned. */
export function cleanJson(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value)
  if (Array.isArray(value)) return value.map(cleanJson)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k), cleanJson(v)]))
  }
  return value
}

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
export function contextFromEnv(rawEnv: Env, payload: Record<string, any>): GitHubContext {
  const env = (name: string): string => cleanText(rawEnv[name] ?? '')
  const [owner = '', repo = ''] = env('GITHUB_REPOSITORY').split('/')
  return {
    eventName: env('GITHUB_EVENT_NAME'),
    ref: env('GITHUB_REF'),
    sha: env('GITHUB_SHA'),
    owner,
    repo,
    serverUrl: trimSlash(env('GITHUB_SERVER_URL') || 'https://github.com'),
    apiUrl: trimSlash(env('GITHUB_API_URL') || 'https://api.github.com'),
    actor: env('GITHUB_ACTOR'),
    runId: env('GITHUB_RUN_ID'),
    baseRef: env('GITHUB_BASE_REF'),
    headRef: env('GITHUB_HEAD_REF'),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    payload: cleanJson(payload) as Record<string, any>
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
      // The runner writes this file; a bad one comes from a hand-made run (act, a local script).
      throw new StepError(
        'inputs',
        `GITHUB_EVENT_PATH=${path}: cannot read the event payload (${(e as Error).message}): point it at the event's JSON file, or leave it unset`
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

/** metadata-action's DOCKER_METADATA_PR_HEAD_SHA, honoured as-is; unset leaves our default (the PR head commit). */
export function prHeadShaFromEnv(value: string | undefined): boolean | undefined {
  return value === undefined || value === '' ? undefined : /^true$/i.test(value)
}
