// The main step. It only sequences effects; every decision is taken by plan.ts and
// build-command.ts (see docs/architecture.md):
//   inputs → draft plan (validation) → [Buildx ‖ PAT check + login ‖ preflight ‖ repository API]
//   → plan (printed) → [the rest of the above] → build and push (or merge) → verify → outputs,
//   summary.
// There is no post step: the private Docker config is removed here, in a `finally`.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { buildAndPush, merge, type BuildPaths, type BuildResult } from './build.js'
import { buildCommand, dryRunCommands, type BuildOn } from './build-command.js'
import { prepareBuilder, removeBuilder } from './builder.js'
import { checksFailure, runChecks } from './check-only.js'
import { loadContext, prHeadShaFromEnv, type RepoInfo } from './context.js'
import { cleanupPhase } from './cleanup.js'
import { requireCredentials } from './credentials.js'
import * as docker from './docker.js'
import { failureLines, failureReport, type Phase } from './errors.js'
import { fetchRepoInfo, type RepoAnswer } from './github-api.js'
import { givenInputs } from './input-names.js'
import { checkPaths, envInputReader, lines, parseInputs, type Settings } from './inputs.js'
import { computePlan, type Plan } from './plan.js'
import { commandLine, printPlan, setOutputs } from './report.js'
import { maskSecrets, writeSecretFiles } from './secrets.js'
import { setUp } from './setup.js'
import {
  checkSummaryMarkdown,
  failureSummaryMarkdown,
  summaryContext,
  summaryMarkdown,
  type SummaryContext
} from './summary.js'
import { authorizeReadBack, verifyPush } from './verify.js'
import * as core from './workflow-commands.js'

/** What the step has set up so far: the phase it is in, and what to remove at the end. */
interface Run {
  phase: Phase
  settings?: Settings
  /** The job summary is written (check-only writes its own, failed or not). */
  summaryDone?: boolean
  /** The plan as far as it is known (the draft until the final one), for the failure summary. */
  plan?: Plan
  where?: SummaryContext
  /** The private directory (Docker config, metadata, secrets); removed unless `logout: false`. */
  workDir?: string
  keepWorkDir: boolean
  /** Its removal, when it started before the end (it overlaps the verify). */
  removing?: Promise<void>
  /** A builder this step created (never a user-given one): removed when the step ends. */
  builder?: { name: string; configDir: string }
}

export async function runStep(): Promise<void> {
  const run: Run = { phase: 'inputs', keepWorkDir: false }
  let cleaning: Promise<void> | undefined
  // Once, whoever comes first: the end of the step or a signal. The builder goes first: its
  // record may live in the private config.
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      if (run.builder) await removeBuilder(run.builder.configDir, run.builder.name)
      if (run.workDir && !run.keepWorkDir) {
        await (run.removing ?? rm(run.workDir, { recursive: true, force: true }))
      }
    })())
  // A cancelled job gets SIGINT, then SIGTERM: neither the login nor a builder the step created
  // may outlive it.
  const onSignal = (signal: NodeJS.Signals): void => {
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    await main(run)
  } catch (e) {
    const report = failureReport(e, run.phase)
    core.setFailed(failureLines(report).join('\n'))
    if (report.stack) core.info(report.stack)
    if (run.settings?.summary !== false && !run.summaryDone) {
      core.appendSummary(failureSummaryMarkdown(report, run.plan, run.where))
    }
  } finally {
    await cleanUp()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

async function main(run: Run): Promise<void> {
  // Secret values are masked before parsing, so that not even an input error can show one.
  for (const line of lines(process.env.INPUT_SECRETS ?? '')) core.setSecret(line)
  const settings = parseInputs(envInputReader(process.env), givenInputs(process.env))
  run.settings = settings
  for (const w of settings.inputWarnings) core.warning(w)
  maskSecrets(settings)
  if (!settings.checkOnly) checkPaths(settings, existsSync) // check-only builds nothing
  const ctx = loadContext()
  const where = summaryContext(ctx)
  run.where = where

  const id = randomUUID().slice(0, 8)
  const workDir = join(process.env.RUNNER_TEMP || tmpdir(), `ghcr-build-push-${id}`)
  const paths: BuildPaths = {
    workDir,
    configDir: join(workDir, 'docker-config'),
    metadataFile: join(workDir, 'metadata.json'),
    iidFile: join(workDir, 'iid.txt')
  }
  const secretsDir = join(workDir, 'secrets')
  const now = new Date()
  const makePlan = (repo: RepoInfo | undefined, draft = false): Plan =>
    computePlan({
      draft,
      settings,
      ctx,
      repo,
      now,
      prHeadSha: prHeadShaFromEnv(process.env.DOCKER_METADATA_PR_HEAD_SHA),
      metadataFile: paths.metadataFile,
      iidFile: paths.iidFile,
      secretsDir,
      localTag: `local-${id}`
    })
  // Made without the repository API's answer, the draft validates every input before the first
  // network call. Its tags and push decision are not used: the API's answer (the default branch)
  // can change them. Only the logins and the preflight start from it, beside the API call.
  const draft = makePlan(undefined, true)
  run.plan = draft
  // A fork's pull request has no secrets: an empty token is an error only when pushing.
  if ((draft.push || settings.checkOnly) && !settings.dryRun) {
    requireCredentials(settings, draft)
  }
  if (settings.cleanup.mode === 'only') {
    run.phase = 'cleanup' // alone: no build, no login; the registry is read with our own client
    core.appendSummary(await cleanupPhase(settings, ctx, makePlan(undefined), undefined))
    return
  }
  // Asked on the first call: in a build, only once the docker commands have started (setup.ts).
  let repoAnswer: Promise<RepoAnswer> | undefined
  const finalPlan = async (): Promise<Plan> => {
    const answer = await (repoAnswer ??= fetchRepoInfo(ctx, settings.githubToken, 3000))
    if (!answer.repo) {
      core.warning(
        `repository facts not read (${answer.problem}): the description, licenses and url labels are left out`
      )
    }
    const plan = makePlan(answer.repo) // without an answer: the fallback, decided now
    run.plan = plan
    printPlan(plan, settings.dryRun)
    return plan
  }

  if (settings.dryRun) {
    const plan = await finalPlan()
    for (const argv of dryRunCommands(plan)) core.info(`command: ${commandLine(argv, plan)}`)
    setOutputs(plan, undefined, false)
    core.appendSummary(settings.summary ? summaryMarkdown(plan, undefined, false, true, where) : '')
    await cleanupPhase(settings, ctx, plan, undefined) // says what it would do
    core.info('dry-run: the plan above was computed; nothing was built, no registry was contacted')
    return
  }
  run.phase = 'setup'
  // Created here, never found: the clean-up removes only this directory, made by this run.
  mkdirSync(dirname(workDir), { recursive: true })
  mkdirSync(workDir, { mode: 0o700 })
  run.workDir = workDir
  run.keepWorkDir = !settings.logout
  docker.preparePrivateConfig(
    paths.configDir,
    draft.logins.map(l => l.registry)
  )
  if (settings.checkOnly) {
    // Only the credential checks, each one reported; no Buildx, nothing built (check-only.ts).
    const plan = await finalPlan()
    const results = await runChecks(settings, plan, ctx, paths.configDir)
    core.appendSummary(settings.summary ? checkSummaryMarkdown(plan, results) : '')
    run.summaryDone = true
    const failed = checksFailure(results)
    if (failed) throw failed
    return core.info('check-only: every credential check passed; nothing was built or pushed')
  }

  // Buildx, the PAT check, the logins and the preflight, beside the API call (setup.ts).
  const { plan, facts, pushProven } = await setUp({
    settings,
    ctx,
    draft,
    configDir: paths.configDir,
    finalPlan,
    enter: phase => (run.phase = phase)
  })
  // The builder (used, created or refused) and the emulators, before anything is built.
  const on: BuildOn = await prepareBuilder(plan, facts, {
    configDir: paths.configDir,
    workDir,
    name: `ghcr-build-push-${id}`,
    retries: settings.retries,
    created: name => (run.builder = { name, configDir: paths.configDir })
  })
  if (!settings.logout) core.exportVariable('DOCKER_CONFIG', paths.configDir) // keep the login
  if (!plan.push) core.notice(`Not pushing: ${plan.pushReason}`)

  run.phase = plan.push ? 'push' : 'build'
  const verifying = plan.push && settings.verify && plan.mode !== 'push-by-digest'
  const readBack = verifying ? authorizeReadBack(settings, plan) : undefined // beside the build
  const result: BuildResult =
    plan.mode === 'merge'
      ? await core.group('Merge the pushed digests', () => merge(settings, plan, paths.configDir))
      : await core.group(plan.push ? 'Build and push' : 'Build', async () => {
          const command = buildCommand(plan, on) // exec prints it as it runs it
          writeSecretFiles(settings, plan, secretsDir)
          try {
            return await buildAndPush(settings, plan, command, paths, pushProven)
          } finally {
            rmSync(secretsDir, { recursive: true, force: true }) // only the build needs them
          }
        })
  // Nothing reads the private directory after the build (a builder we created lives in it).
  if (!run.builder && !run.keepWorkDir) {
    run.removing = rm(workDir, { recursive: true, force: true })
    run.removing.catch(() => undefined) // awaited at the end, where a failure counts
  }
  if (verifying) {
    run.phase = 'verify'
    await core.group('Verify every tag', () => verifyPush(settings, plan, result.digest, readBack))
  }
  setOutputs(plan, result, plan.push)
  core.appendSummary(settings.summary ? summaryMarkdown(plan, result, plan.push, false, where) : '')
  if (plan.push) {
    const what =
      plan.mode === 'push-by-digest'
        ? `${plan.images.join(', ')} by digest`
        : `${plan.refs.length} refs`
    core.info(`pushed ${what} at ${result.digest}`)
  }
  if (settings.cleanup.mode === 'after-push') {
    run.phase = 'cleanup' // only after a verified push; its failures are warnings
    core.appendSummary(
      await cleanupPhase(settings, ctx, plan, plan.push ? result.digest : undefined)
    )
  }
}
