// The main step: inputs → plan → login → one build that pushes every tag → outputs.
import * as core from './runner.js'
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadContext } from './context.js'
import { diagnose, errorLine, type Phase } from './diagnose.js'
import * as docker from './docker.js'
import { InputError } from './errors.js'
import { envInputReader, parseInputs, type Settings } from './inputs.js'
import { computePlan, type Plan } from './plan.js'
import { fetchRepoInfo } from './repo-api.js'
import { planLines, setOutputs, summaryMarkdown, type BuildResult } from './report.js'
import { STATE } from './state.js'

/** An operational failure whose message already says what happened and what to do. */
class StepError extends Error {}

export async function run(): Promise<void> {
  try {
    await main()
  } catch (e) {
    const err = e as Error
    if (err instanceof InputError || err instanceof StepError) core.setFailed(err.message)
    else core.setFailed(`unexpected error: ${err.stack ?? err.message}`)
  }
}

async function main(): Promise<void> {
  core.saveState(STATE.isPost, 'true')
  const settings = parseInputs(envInputReader(process.env))
  if (settings.token) {
    core.setSecret(settings.token)
    // docker stores user:token base64-encoded; mask that form too
    core.setSecret(Buffer.from(`${settings.username}:${settings.token}`).toString('base64'))
  }
  if (settings.githubToken) core.setSecret(settings.githubToken)
  const ctx = loadContext()
  const repo = await fetchRepoInfo(ctx, settings.githubToken)

  const workDir = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'ghcr-build-push-'))
  const configDir = join(workDir, 'docker-config')
  const plan = computePlan({
    settings,
    ctx,
    repo,
    now: new Date(),
    prHeadSha: prHeadShaFromEnv(process.env.DOCKER_METADATA_PR_HEAD_SHA),
    metadataFile: join(workDir, 'metadata.json'),
    iidFile: join(workDir, 'iid.txt')
  })
  for (const n of plan.notices) (n.level === 'warning' ? core.warning : core.notice)(n.message)
  core.startGroup('Plan')
  for (const line of planLines(plan)) core.info(line)
  core.endGroup()

  // From here on the post step must clean up, whatever happens.
  core.saveState(STATE.workDir, workDir)
  if (settings.dryRun) {
    setOutputs(plan, undefined, false)
    summary(settings, plan, undefined, false)
    core.info('dry-run: the plan above was computed; nothing was built, no registry was contacted')
    return
  }
  core.saveState(STATE.registry, plan.registry)
  core.saveState(STATE.logout, String(settings.logout))

  await core.group(`Log in to ${plan.registry}`, () => login(settings, plan, configDir))
  // logout: false keeps the login for later steps of the job, through DOCKER_CONFIG
  if (!settings.logout) core.exportVariable('DOCKER_CONFIG', configDir)
  if (!plan.push) core.notice(`Not pushing: ${plan.pushReason}`)
  const result = await core.group(plan.push ? 'Build and push' : 'Build', () =>
    build(plan, configDir, workDir)
  )
  setOutputs(plan, result, plan.push)
  summary(settings, plan, result, plan.push)
  if (plan.push) core.info(`pushed ${plan.refs.length} refs at ${result.digest}`)
}

async function login(settings: Settings, plan: Plan, configDir: string): Promise<void> {
  docker.preparePrivateConfig(configDir)
  const res = await docker.login(configDir, plan.registry, settings.username, settings.token)
  if (res.code !== 0) {
    throw failure(
      'login',
      plan.registry,
      `login to ${plan.registry} as ${settings.username} failed`,
      res.stderr + res.stdout
    )
  }
}

async function build(plan: Plan, configDir: string, workDir: string): Promise<BuildResult> {
  const res = await docker.build(configDir, plan.buildArgv)
  if (res.code !== 0) {
    const what = plan.push
      ? `the build or push failed; no tag may be trusted: ${plan.refs.join(', ')}`
      : 'the build failed'
    throw failure(plan.push ? 'push' : 'build', plan.registry, what, res.stderr + res.stdout)
  }
  const metadata = readFileSync(join(workDir, 'metadata.json'), 'utf8')
  const meta = JSON.parse(metadata) as Record<string, unknown>
  let imageid = ''
  try {
    imageid = readFileSync(join(workDir, 'iid.txt'), 'utf8').trim()
  } catch {
    imageid = String(meta['containerimage.config.digest'] ?? '')
  }
  const digest = String(meta['containerimage.digest'] ?? '')
  if (plan.push && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new StepError(
      `the push reported no image digest (metadata: ${metadata.slice(0, 200)}): treat the push as failed and re-run`
    )
  }
  return { digest, imageid, metadata }
}

function failure(phase: Phase, registry: string, what: string, output: string): StepError {
  const said = errorLine(output)
  const d = diagnose(output, phase, registry)
  const parts = [`${what}: ${said}`]
  if (d) parts.push(`cause: ${d.cause}`, `fix: ${d.fix}`)
  return new StepError(parts.join('\n'))
}

function summary(
  settings: Settings,
  plan: Plan,
  result: BuildResult | undefined,
  pushed: boolean
): void {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!settings.summary || !file) return
  appendFileSync(file, summaryMarkdown(plan, result, pushed, settings.dryRun))
}

/** metadata-action's switch, honoured as-is; unset leaves our default (the PR head commit). */
function prHeadShaFromEnv(value: string | undefined): boolean | undefined {
  return value === undefined || value === '' ? undefined : /^true$/i.test(value)
}
