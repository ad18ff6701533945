// Our zero-config tag set, written as rules of the language so each tag can say where it came
// from. It is built per event, e.g. semver rules only when the pushed tag is a semver version.
import { branchName, isBranchRef, isDefaultBranch, isPullRef, isTagRef, tagName } from './event.js'
import type { Resolved } from './event.js'
import { parseSemver } from './semver.js'

export interface DefaultSet {
  lines: string[]
  /** The rule that stands for `latest`, when this event may get it. */
  latestLine?: string
  /** Why latest is (or is not) there, for TagResult.latestReason. */
  latestWhy: string
}

// The latest rules: after the version tags and before sha on a release tag (raw's default
// priority 200 sits between semver's 900 and sha's 100); last on a default-branch push.
const LATEST_ON_TAG = 'type=raw,value=latest'
const LATEST_ON_BRANCH = 'type=raw,value=latest,enable={{is_default_branch}},priority=50'
/** The rules that stand for `latest` in the default set: internal text the plan shows as "default set". */
export const DEFAULT_LATEST_RULES: readonly string[] = [LATEST_ON_TAG, LATEST_ON_BRANCH]

export function defaultSet(r: Resolved): DefaultSet {
  if (/schedule/.test(r.eventName)) {
    return {
      lines: ['type=schedule', 'type=sha'],
      latestWhy: 'default set: scheduled builds never get latest'
    }
  }
  if (isTagRef(r.ref)) {
    const tag = tagName(r.ref)
    const sv = parseSemver(tag.replace(/\//g, '-'))
    if (!sv) {
      return {
        lines: ['type=ref,event=tag', 'type=sha'],
        latestWhy: `default set: tag ${tag} is not a semver version, so no latest`
      }
    }
    if (sv.prerelease.length) {
      return {
        lines: ['type=semver,pattern={{version}}', 'type=sha'],
        latestWhy: `default set: tag ${tag} is a pre-release, so no latest`
      }
    }
    const lines = ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}']
    // A bare major 0 would claim "any 0.x", which is not a compatibility promise in semver.
    if (sv.major > 0) lines.push('type=semver,pattern={{major}}')
    lines.push(LATEST_ON_TAG, 'type=sha')
    return {
      lines,
      latestLine: LATEST_ON_TAG,
      latestWhy: `default set: tag ${tag} is a semver release, so latest`
    }
  }
  if (isBranchRef(r.ref)) {
    const branch = branchName(r.ref)
    let latestWhy: string
    if (isDefaultBranch(r)) {
      latestWhy = `default set: ${branch} is the default branch, so latest`
    } else if (r.defaultBranch === undefined) {
      latestWhy =
        'default set: the default branch is unknown (no repository.default_branch in the event ' +
        'payload and no repository API data), so no latest'
    } else {
      latestWhy = `default set: ${branch} is not the default branch ${r.defaultBranch}, so no latest`
    }
    return {
      lines: ['type=ref,event=branch', 'type=sha', LATEST_ON_BRANCH],
      latestLine: LATEST_ON_BRANCH,
      latestWhy
    }
  }
  if (isPullRef(r.ref)) {
    return {
      lines: ['type=ref,event=pr'],
      latestWhy: 'default set: pull requests never get latest'
    }
  }
  return {
    lines: ['type=sha'],
    latestWhy: `default set: no branch, tag or pull request ref, so no latest`
  }
}
