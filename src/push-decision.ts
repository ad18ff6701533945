// Whether this run pushes: the push input, an event that gives no tag, and code that is not the
// repository's own (fork pull requests, pull_request_target). Pure; computePlan calls it.
import type { GitHubContext } from './context.js'
import { InputError } from './errors.js'
import type { Settings } from './inputs.js'
import { branchName, tagName } from './tags/event.js'

/**
 * A pull request event (`pull_request`, `pull_request_target`, `pull_request_review`,
 * `pull_request_review_comment`) whose head repository is not the base repository, or is
 * unknown (a deleted fork has `head.repo: null`): its code is not the repository's own.
 */
export function isForkPullRequest(ctx: GitHubContext): boolean {
  if (!ctx.eventName.startsWith('pull_request')) return false
  return forkName(ctx) !== undefined
}

/** Which fork a forked pull request comes from ('the fork o/r'), else undefined. */
function forkName(ctx: GitHubContext): string | undefined {
  const pr = ctx.payload?.pull_request
  const head = pr?.head?.repo?.full_name
  const base = pr?.base?.repo?.full_name ?? `${ctx.owner}/${ctx.repo}`
  if (typeof head !== 'string' || head === '') {
    return 'a fork the payload does not name (no head repository: a deleted fork?)'
  }
  return head.toLowerCase() === String(base).toLowerCase() ? undefined : `the fork ${head}`
}

/**
 * `push: auto` never pushes code that is not the repository's own: a fork's pull request (its
 * token cannot write, and on `pull_request_target` the base repository's write token must not
 * publish the fork's code), and no `pull_request_target` run at all (it runs with a write token
 * on the base repository and is commonly used to build the pull request's head). `push: true`
 * is the explicit opt-in.
 */
export function decidePush(
  settings: Settings,
  ctx: GitHubContext,
  noTag: string | undefined, // why no rule gave a tag on this event
  waits = false // a draft that leaves the decision to the API's answer
): { push: boolean; reason: string } {
  if (noTag && settings.push === 'true' && !waits) {
    throw new InputError(
      `push: true, but ${noTag}: add a rule that gives a tag on this event (e.g. type=sha), or set push: auto to build without pushing`
    )
  }
  if (settings.push === 'true') return { push: true, reason: 'push: true' }
  if (settings.push === 'false') return { push: false, reason: 'push: false' }
  if (noTag) return { push: false, reason: `push: auto, and ${noTag}: building without pushing` }
  const event = ctx.eventName
  if (event === 'pull_request_target') {
    const from = isForkPullRequest(ctx) ? ` from ${forkName(ctx)}` : ''
    return {
      push: false,
      reason: `push: auto never pushes on pull_request_target (this one${from}): the event runs with the base repository's write token, and the image may hold the pull request's code; building without pushing (set push: true to push anyway, only for code you trust)`
    }
  }
  if (isForkPullRequest(ctx)) {
    return {
      push: false,
      reason: `push: auto and this ${event} comes from ${forkName(ctx)}: its code is not the repository's own (and its token cannot write packages); building without pushing (set push: true to push anyway)`
    }
  }
  return { push: true, reason: `push: auto, ${whatRuns(ctx)}` }
}

/** This run in a few words, for the push reason: 'a push to branch main', 'a scheduled run'. */
function whatRuns(ctx: GitHubContext): string {
  const { eventName: event, ref } = ctx
  const branch = branchName(ref)
  const tag = tagName(ref)
  const on = branch ? ` on branch ${branch}` : tag ? ` on tag ${tag}` : ''
  if (event === 'push') {
    return branch ? `a push to branch ${branch}` : tag ? `a push of tag ${tag}` : 'a push'
  }
  if (event.startsWith('pull_request')) {
    const n = ctx.payload?.pull_request?.number
    return `${event} ${typeof n === 'number' ? `#${n} ` : ''}from this repository`
  }
  if (event === 'schedule') return `a scheduled run${on}`
  if (event === 'workflow_dispatch') return `a manual run (workflow_dispatch)${on}`
  return `the ${event || 'unnamed'} event${on}`
}
