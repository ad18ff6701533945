// The clean-up phase (issue 14): after a verified push, or alone. For each image on GitHub's
// container registry: list the package's versions (GitHub Packages API), read the manifest graph
// from the registry, let cleanup-plan.ts decide, then delete in its order. Nothing here fails
// the step: what the API or the registry refuses becomes a warning, a missing permission once.
import type { CleanupPlan, Deletion, PackageVersion, PullState } from './cleanup-plan.js'
import { planCleanup } from './cleanup-plan.js'
import { cleanupMarkdown, outcomeLine, planLog, type PackageCleanup } from './cleanup-report.js'
import { describePolicy } from './cleanup-options.js'
import { packageOf, packagesApiUrl } from './cleanup-target.js'
import type { GitHubContext } from './context.js'
import { targetFor } from './credentials.js'
import {
  failureLines,
  failureReport,
  HttpStatusError,
  NetworkError,
  RegistryError,
  registryFailure,
  saidFailure,
  StepError
} from './errors.js'
import {
  apiProblem,
  deletePackageVersion,
  listPackageVersions,
  ownerScope,
  pullRequestState,
  versionsPath,
  type ContainerPackage,
  type GitHubApi
} from './github-api.js'
import type { Settings } from './inputs.js'
import { readGraph } from './manifest-graph.js'
import type { Plan } from './plan.js'
import { repositoryPath, type RegistryTarget } from './registry-auth.js'
import * as core from './workflow-commands.js'

/** A warning in the log, kept for the image's part of the summary too. */
function warn(result: PackageCleanup, problem: StepError | string): void {
  const lines =
    typeof problem === 'string' ? [problem] : failureLines(failureReport(problem, 'cleanup'))
  core.warning(lines.join('\n'))
  result.warnings.push(lines)
}

/** What an API call said, diagnosed (diagnose-packages.ts); `said` starts with the method. */
const apiFailure = (registry: string, headline: string, said: string): StepError =>
  saidFailure('cleanup', registry, `${headline} (${said})`, said, { quote: false })

/** A failure of the API or of the transport as the user's warning. */
function problemOf(registry: string, headline: string, e: unknown): StepError {
  if (e instanceof HttpStatusError) {
    return apiFailure(registry, headline, e.message.replace(/HTTP \d+$/, apiProblem(e)))
  }
  if (e instanceof NetworkError) return new StepError('cleanup', `${headline}: ${e.message}`)
  if (e instanceof RegistryError) {
    return registryFailure('cleanup', registry, `${headline}: ${e.message}`, e)
  }
  throw e
}

/**
 * The phase as main.ts calls it: after the push (`pushed`: its digest; undefined when nothing
 * was pushed) or alone (`cleanup-mode: only`). Returns its part of the job summary ('' for none).
 */
export async function cleanupPhase(
  settings: Settings,
  ctx: GitHubContext,
  plan: Plan,
  pushed: string | undefined
): Promise<string> {
  const { cleanup } = settings
  if (cleanup.mode === 'off') return ''
  if (settings.dryRun) {
    core.info(
      `cleanup: ${describePolicy(cleanup.policy)}; a dry run reads and deletes nothing (cleanup-dry-run: true lists what a run would delete)`
    )
    return ''
  }
  const alone = cleanup.mode === 'only'
  if (!alone && !pushed) {
    core.notice('cleanup: skipped: nothing was pushed')
    return ''
  }
  if (alone) {
    for (const n of plan.notices) (n.level === 'warning' ? core.warning : core.notice)(n.message)
  }
  let results: PackageCleanup[] = []
  try {
    results = await cleanUpImages(settings, ctx, plan, pushed)
  } catch (e) {
    if (alone) throw e // a bug; after a push it must not turn the push red
    const report = failureReport(e, 'cleanup')
    core.warning(`cleanup: ${failureLines(report).join('\n')}`)
    if (report.stack) core.info(report.stack)
  }
  const deleted = results.flatMap(r => r.deleted.map(d => `${r.image}@${d.version.digest}`))
  core.setOutput('deleted', deleted.join('\n'))
  if (alone) core.setOutput('pushed', 'false')
  return settings.summary ? cleanupMarkdown(results, cleanup, alone) : ''
}

/** Each image in turn; a refused deletion stops every later one (the same token, the same answer). */
export async function cleanUpImages(
  settings: Settings,
  ctx: GitHubContext,
  plan: Plan,
  pushed: string | undefined
): Promise<PackageCleanup[]> {
  const state: { refused?: string } = {}
  const results: PackageCleanup[] = []
  for (const image of plan.images) {
    results.push(
      await core.group(`Clean up ${image}`, async () => {
        const r = await cleanUpImage(settings, ctx, targetFor(settings, plan, image), pushed, state)
        core.info(outcomeLine(r, settings.cleanup.dryRun))
        return r
      })
    )
  }
  return results
}

async function cleanUpImage(
  settings: Settings,
  ctx: GitHubContext,
  target: RegistryTarget,
  pushed: string | undefined,
  state: { refused?: string }
): Promise<PackageCleanup> {
  const { registry, image } = target
  const result: PackageCleanup = { image, deleted: [], failed: [], warnings: [] }
  const apiUrl = packagesApiUrl(registry, ctx)
  const pkgRef = packageOf(repositoryPath(image, registry))
  if (!apiUrl || !pkgRef) {
    result.skipped = !apiUrl
      ? `${registry} is not GitHub's container registry: its versions are not GitHub Packages'`
      : 'the image has no owner part'
    return result
  }
  const api: GitHubApi = { apiUrl, token: target.token, retries: settings.retries }
  const found = await listAndRead(api, target, pkgRef, pushed, settings, ctx).catch((e: unknown) =>
    problemOf(registry, `cleanup of ${image}: cannot read the package`, e)
  )
  if (found instanceof StepError) {
    warn(result, found)
    result.skipped = found.message
    return result
  }
  const { pkg, versions, graph, problem, pulls } = found
  result.what = `${pkg.name} of ${pkg.scope === 'orgs' ? 'organization' : 'user'} ${pkg.owner}`
  core.info(
    `cleanup: ${versions.length} versions of ${result.what}; policy: ${describePolicy(settings.cleanup.policy)}`
  )
  if (problem) warn(result, `cleanup of ${image}: ${problem}: nothing is deleted from it`)
  const plan = planCleanup({
    versions,
    graph,
    policy: settings.cleanup.policy,
    now: new Date(),
    pushed,
    pulls
  })
  result.plan = plan
  for (const line of planLog(plan, settings.cleanup.dryRun)) core.info(line)
  if (!settings.cleanup.dryRun) await execute(api, pkg, plan, result, state, registry)
  return result
}

async function listAndRead(
  api: GitHubApi,
  target: RegistryTarget,
  ref: { owner: string; name: string },
  pushed: string | undefined,
  settings: Settings,
  ctx: GitHubContext
): Promise<{
  pkg: ContainerPackage
  versions: PackageVersion[]
  graph: Awaited<ReturnType<typeof readGraph>>['graph']
  problem?: string
  pulls: Record<number, PullState>
}> {
  const pkg: ContainerPackage = { ...ref, scope: await ownerScope(api, ref.owner) }
  const versions = (await listPackageVersions(api, pkg)).map(v => ({
    id: v.id,
    digest: v.name,
    tags: v.metadata?.container?.tags ?? [],
    createdAt: v.created_at,
    updatedAt: v.updated_at
  }))
  const { graph, problem } = await readGraph(target, [
    ...versions.map(v => v.digest),
    ...(pushed ? [pushed] : [])
  ])
  const pulls: Record<number, PullState> = {}
  if (settings.cleanup.policy.closedPullRequests && ctx.owner && ctx.repo) {
    const numbers = new Set(versions.flatMap(v => v.tags.map(t => /^pr-(\d+)$/.exec(t)?.[1])))
    for (const n of [...numbers].filter((x): x is string => !!x)) {
      pulls[Number(n)] = await pullRequestState(api, ctx, Number(n))
    }
  }
  return { pkg, versions, graph, problem, pulls }
}

/** Deletes in the plan's order; an entry whose index or subject could not be deleted stays. */
async function execute(
  api: GitHubApi,
  pkg: ContainerPackage,
  plan: CleanupPlan,
  result: PackageCleanup,
  state: { refused?: string },
  registry: string
): Promise<void> {
  const gone = new Set<string>()
  const problems: string[] = []
  const fail = (item: Deletion, problem: string, warnAbout = true): void => {
    result.failed.push({ item, problem })
    if (warnAbout) problems.push(`${item.version.digest}: ${problem}`)
  }
  for (const item of plan.delete) {
    const { digest, id } = item.version
    const waiting = item.after.find(d => !gone.has(d))
    if (state.refused) {
      fail(item, state.refused, false)
      continue
    }
    if (waiting) {
      fail(item, `kept: ${waiting} refers to it and was not deleted`)
      continue
    }
    const what = `DELETE ${api.apiUrl}${versionsPath(pkg)}/${id}`
    const res = await deletePackageVersion(api, pkg, id).catch((e: unknown) => {
      if (e instanceof NetworkError) return e
      throw e
    })
    if (res instanceof NetworkError) {
      fail(item, res.message)
    } else if (res.status === 204 || res.status === 200 || res.status === 404) {
      // 404: gone already (another run, or by hand), which is what was wanted
      gone.add(digest)
      result.deleted.push(item)
      core.info(`deleted ${digest} (version ${id}${res.status === 404 ? ', already gone' : ''})`)
    } else if (res.status === 401 || res.status === 403) {
      // The same token gets the same answer for every other version: say it once, and stop.
      const said = `${what}: ${apiProblem(res)}`
      fail(item, said, false)
      state.refused = `not attempted: GitHub refused an earlier deletion (${apiProblem(res)})`
      warn(
        result,
        apiFailure(registry, `cleanup: GitHub refused to delete versions of ${pkg.name}`, said)
      )
    } else {
      fail(item, `${what}: ${apiProblem(res)}`)
    }
  }
  if (problems.length) {
    warn(
      result,
      `cleanup of ${result.image}: ${problems.length} versions not deleted: ${problems.join('; ')}`
    )
  }
}
