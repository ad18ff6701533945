// What the tag rules read from the GitHub context, resolved once: the effective ref and sha
// (pull_request_target, PR head sha), the default branch, and the dates.
import { payloadDefaultBranch, type GitHubContext, type RepoInfo } from '../context.js'
import type { TagEnv } from './index.js'

export interface Resolved {
  ctx: GitHubContext
  eventName: string
  /** GITHUB_REF, except pull_request_target: refs/pull/<n>/merge (as metadata-action does). */
  ref: string
  /** GITHUB_SHA, or the PR head commit when prHeadSha is on (the default) on a PR event. */
  sha: string
  now: Date
  commitDate: Date
  /** Default branch from the event payload, else the repository API, else the event's branch. */
  defaultBranch: string | undefined
  /** Default branch from the repository API, else the payload, else the event's (type=edge). */
  edgeBranch: string | undefined
  repo: RepoInfo | undefined
}

const isPrEvent = (eventName: string): boolean => /pull_request/.test(eventName)

/** The ref the rules see: pull_request_target runs on the base branch, tags use the PR's ref. */
export function effectiveRef(ctx: GitHubContext): string {
  if (/pull_request_target/.test(ctx.eventName) && ctx.payload?.number !== undefined) {
    return `refs/pull/${ctx.payload.number}/merge`
  }
  return ctx.ref
}

/**
 * The commit the rules and the revision label name. On PR events GitHub's sha is a merge commit
 * that exists nowhere else; by default we use the PR head commit instead (prHeadSha: false keeps
 * metadata-action's default, the merge commit).
 */
export function effectiveSha(ctx: GitHubContext, prHeadSha = true): string {
  const head = ctx.payload?.pull_request?.head?.sha
  if (prHeadSha && isPrEvent(ctx.eventName) && typeof head === 'string' && head) return head
  return ctx.sha
}

/** The commit date from the push payload (commits[] / head_commit); else `now`. No API call. */
function commitDateOf(ctx: GitHubContext, sha: string, now: Date): Date {
  const p = ctx.payload ?? {}
  const fromCommits = Array.isArray(p.commits)
    ? p.commits.find((c: { id?: string }) => c?.id === sha)?.timestamp
    : undefined
  const ts = fromCommits ?? (p.head_commit?.id === sha ? p.head_commit?.timestamp : undefined)
  const d = ts ? new Date(ts) : undefined
  return d && !isNaN(d.getTime()) ? d : now
}

/**
 * Events whose run is always on the default branch (GITHUB_REF is the default branch). Their
 * payloads carry no `repository.default_branch` (schedule) or may not, so without the repository
 * API the run's own branch is the default branch. (`create` runs on the created ref.)
 */
const ON_DEFAULT_BRANCH = ['schedule', 'issues', 'discussion']

export function resolve(env: TagEnv): Resolved {
  const { ctx } = env
  const sha = effectiveSha(ctx, env.prHeadSha)
  const ref = effectiveRef(ctx)
  const fromEvent =
    ON_DEFAULT_BRANCH.includes(ctx.eventName) && isBranchRef(ref) ? branchName(ref) : undefined
  const fromPayload = payloadDefaultBranch(ctx) || undefined
  const fromApi = env.repo?.defaultBranch || undefined
  return {
    ctx,
    eventName: ctx.eventName,
    ref,
    sha,
    now: env.now,
    commitDate: env.commitDate ?? commitDateOf(ctx, sha, env.now),
    defaultBranch: fromPayload ?? fromApi ?? fromEvent,
    edgeBranch: fromApi ?? fromPayload ?? fromEvent,
    repo: env.repo
  }
}

export const isTagRef = (ref: string): boolean => ref.startsWith('refs/tags/')
export const isBranchRef = (ref: string): boolean => ref.startsWith('refs/heads/')
export const isPullRef = (ref: string): boolean => ref.startsWith('refs/pull/')
export const tagName = (ref: string): string =>
  isTagRef(ref) ? ref.slice('refs/tags/'.length) : ''
export const branchName = (ref: string): string =>
  isBranchRef(ref) ? ref.slice('refs/heads/'.length) : ''
export const prName = (ref: string): string =>
  isPullRef(ref) ? ref.slice('refs/pull/'.length).replace(/\/merge$/, '') : ''
export const shortSha = (sha: string): string => sha.slice(0, 7)

/**
 * metadata-action's `{{is_default_branch}}`: the ref's branch is the default branch, or the event
 * always runs on the default branch (create, discussion, issues, schedule).
 */
export function isDefaultBranch(r: Resolved): boolean {
  const branch = r.ref.replace(/^refs\/heads\//, '')
  if (!branch) return false
  if (r.defaultBranch !== undefined && r.defaultBranch === branch) return true
  return /create|discussion|issues|schedule/.test(r.eventName)
}
