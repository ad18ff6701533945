// The main step, in phases: inputs → plan → credentials (PAT scopes, login, push preflight) →
// one build that pushes every tag (or a merge of pushed digests) → verify every tag → outputs.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { loadContext, type GitHubContext, type RepoInfo } from './context.js'
import { diagnose, errorLine, type Phase } from './diagnose.js'
import * as docker from './docker.js'
import { InputError } from './errors.js'
import { checkPaths, envInputReader, lines, parseInputs, type Settings } from './inputs.js'
import { BuildxError, checkBuildxInputs, ensureBuildx } from './buildx.js'
import { checkPatScopes } from './pat.js'
import { computePlan, type Plan } from './plan.js'
import { preflight } from './preflight.js'
import { pushSavedImage } from './push.js'
import { credentialsAccepted, RegistryError, type RegistryTarget } from './registry-auth.js'
import { fetchRepoInfo } from './repo-api.js'
import { planLines, setOutputs, summaryMarkdown, type BuildResult } from './report.js'
import { classifyDockerOutput, withRetry } from './retry.js'
import * as core from './runner.js'
import { STATE } from './state.js'
import { verifyTags } from './verify.js'

/** An operational failure whose message already says what happened and what to do. */
class StepError extends Error {}

/** A docker run whose output says the failure is transient (retried by withRetry). */
class TransientDockerError extends Error {
  readonly transient = true // for withRetry: this one is worth another attempt
  constructor(readonly output: string) {
    super(errorLine(output))
  }
}

export async function run(): Promise<void> {
  try {
    await main()
  } catch (e) {
    const err = e as Error
    if (err instanceof InputError || err instanceof StepError || err instanceof BuildxError)
      core.setFailed(err.message)
    else core.setFailed(`unexpected error: ${err.stack ?? err.message}`)
  }
}

interface Paths {
  workDir: string
  configDir: string
  metadataFile: string
  iidFile: string
  secretsDir: string
}

async function main(): Promise<void> {
  core.saveState(STATE.isPost, 'true')
  // Secret values are masked before parsing, so that not even an input error can show one.
  for (const line of lines(process.env.INPUT_SECRETS ?? '')) core.setSecret(line)
  const settings = parseInputs(envInputReader(process.env))
  maskSecrets(settings)
  checkBuildxInputs(settings.buildxVersion, settings.buildxUrl, settings.buildxSha256)
  checkPaths(settings, existsSync)
  const ctx = loadContext()

  const workDir = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'ghcr-build-push-'))
  core.saveState(STATE.workDir, workDir) // from here on the post step cleans up, whatever happens
  const paths: Paths = {
    workDir,
    configDir: join(workDir, 'docker-config'),
    metadataFile: join(workDir, 'metadata.json'),
    iidFile: join(workDir, 'iid.txt'),
    secretsDir: join(workDir, 'secrets')
  }
  const now = new Date()
  const makePlan = (repo?: RepoInfo): Plan =>
    computePlan({
      settings,
      ctx,
      repo,
      now,
      prHeadSha: prHeadShaFromEnv(process.env.DOCKER_METADATA_PR_HEAD_SHA),
      ...paths
    })
  // The plan is pure: computing it first without the API answer validates every input before
  // the first network call; the API answer only adds labels.
  const draft = makePlan()
  const repo = await fetchRepoInfo(ctx, settings.githubToken)
  const plan = repo ? makePlan(repo) : draft

  for (const n of plan.notices) (n.level === 'warning' ? core.warning : core.notice)(n.message)
  core.startGroup('Plan')
  for (const line of planLines(plan)) core.info(line)
  core.endGroup()

  if (settings.dryRun) {
    setOutputs(plan, undefined, false)
    summary(settings, plan, undefined, false)
    core.info('dry-run: the plan above was computed; nothing was built, no registry was contacted')
    return
  }
  core.saveState(STATE.registry, plan.registry)
  core.saveState(STATE.logout, String(settings.logout))

  docker.preparePrivateConfig(paths.configDir, plan.registry)
  const pushProven = plan.push && settings.preflight
  await core.group(
    `Buildx, login to ${plan.registry}${pushProven ? ', preflight' : ''}`,
    async () => {
      await checkToken(settings, plan, ctx)
      // Independent of each other, so run together; failures are reported in this order.
      const results = await Promise.allSettled([
        ensureBuildx({
          configDir: paths.configDir,
          version: settings.buildxVersion,
          downloadUrl: settings.buildxUrl,
          sha256: settings.buildxSha256
        }).then(() => checkBuilder(settings, paths.configDir)), // ensureBuildx logs what it found
        login(settings, plan, paths),
        pushProven ? preflightAll(settings, plan) : Promise.resolve()
      ])
      const failed = results.find(r => r.status === 'rejected')
      if (failed) throw (failed as PromiseRejectedResult).reason
    }
  )
  if (!settings.logout) core.exportVariable('DOCKER_CONFIG', paths.configDir) // keep the login
  if (!plan.push) core.notice(`Not pushing: ${plan.pushReason}`)

  const result =
    plan.mode === 'merge'
      ? await core.group('Merge the pushed digests', () => merge(settings, plan, paths))
      : await core.group(plan.push ? 'Build and push' : 'Build', () =>
          build(settings, plan, paths, pushProven)
        )
  if (plan.push && settings.verify && plan.mode !== 'push-by-digest') {
    await core.group('Verify every tag', () => verify(settings, plan, result.digest))
  }
  setOutputs(plan, result, plan.push)
  summary(settings, plan, result, plan.push)
  if (plan.push) {
    const what =
      plan.mode === 'push-by-digest'
        ? `${plan.images.join(', ')} by digest`
        : `${plan.refs.length} refs`
    core.info(`pushed ${what} at ${result.digest}`)
  }
}

function maskSecrets(settings: Settings): void {
  if (settings.token) {
    core.setSecret(settings.token)
    // docker stores user:token base64-encoded; mask that form too
    core.setSecret(Buffer.from(`${settings.username}:${settings.token}`).toString('base64'))
  }
  if (settings.githubToken) core.setSecret(settings.githubToken)
  for (const s of settings.secrets) core.setSecret(s.value)
}

/** A classic PAT without write:packages logs in fine and fails only at the push: say so now. */
async function checkToken(settings: Settings, plan: Plan, ctx: GitHubContext): Promise<void> {
  // A job on GitHub Enterprise Server pushing to ghcr.io holds a github.com token: ask github.com.
  const onGhes = !/^https:\/\/github\.com$/i.test(ctx.serverUrl)
  const apiUrl = plan.registry === 'ghcr.io' && onGhes ? 'https://api.github.com' : ctx.apiUrl
  const pat = await checkPatScopes({ token: settings.token, apiUrl })
  if (!pat.checked) {
    ;(pat.warn ? core.warning : core.debug)(`token scopes not checked: ${pat.reason}`)
  } else if (pat.invalid) {
    throw new StepError(
      `token: the GitHub API rejected this personal access token (${pat.reason}): create a new one and update the secret`
    )
  } else if (pat.missing.length) {
    throw new StepError(
      `token: this classic personal access token lacks the ${pat.missing.join(', ')} scope (it has: ${pat.scopes.join(', ') || 'none'}): create a token with write:packages (Settings → Developer settings → Personal access tokens (classic)) and update the secret`
    )
  }
}

async function login(settings: Settings, plan: Plan, paths: Paths): Promise<void> {
  await withRetry(
    `docker login ${plan.registry}`,
    async () => {
      const res = await docker.login(
        paths.configDir,
        plan.registry,
        settings.username,
        settings.token
      )
      if (res.code === 0) return
      const output = res.stdout + res.stderr
      if (classifyDockerOutput(output) === 'transient') throw new TransientDockerError(output)
      // The engine's login makes a few requests and retries none: before calling the token bad,
      // ask the registry with our own retrying client.
      const accepted = await credentialsAccepted(target(settings, plan, plan.images[0])).catch(
        (e: unknown) => (e instanceof RegistryError ? true : Promise.reject(e)) // unreachable: transient
      )
      if (accepted) {
        throw new TransientDockerError(output)
      }
      throw failure(
        'login',
        plan.registry,
        `login to ${plan.registry} as ${settings.username} failed`,
        output
      )
    },
    { retries: settings.retries }
  ).catch(rethrowTransient('login', plan.registry, `login to ${plan.registry} failed`))
}

function target(settings: Settings, plan: Plan, image: string): RegistryTarget {
  return {
    registry: plan.registry,
    image,
    username: settings.username,
    token: settings.token,
    retries: settings.retries
  }
}

/** Proves, before building, that the credentials can push to every image. */
async function preflightAll(settings: Settings, plan: Plan): Promise<void> {
  for (const image of plan.images) {
    try {
      const res = await preflight({
        registry: plan.registry,
        image,
        username: settings.username,
        token: settings.token,
        retries: settings.retries
      })
      core.info(`preflight: ${settings.username} can push to ${image} (${res.via} auth)`)
    } catch (e) {
      if (!(e instanceof RegistryError)) throw e
      throw failure(
        'preflight',
        plan.registry,
        e.message,
        `${e.registryText}\n${e.message}`,
        'nothing was built'
      )
    }
  }
}

/**
 * One build. When the push fails on a transient registry error it is run again (the build cache
 * makes that quick). `pushProven`: the preflight showed these credentials can push, so an
 * authentication error during the push came from a registry hiccup (e.g. a failed auth ping),
 * not from the credentials, and is retried too.
 */
async function build(
  settings: Settings,
  plan: Plan,
  paths: Paths,
  pushProven: boolean
): Promise<BuildResult> {
  if (plan.secretFiles.length) {
    mkdirSync(paths.secretsDir, { recursive: true, mode: 0o700 })
    for (const f of plan.secretFiles) writeFileSync(f.path, f.value, { mode: 0o600 })
  }
  try {
    return await buildAndPush(settings, plan, paths, pushProven)
  } finally {
    rmSync(paths.secretsDir, { recursive: true, force: true }) // only the build needs them
  }
}

async function buildAndPush(
  settings: Settings,
  plan: Plan,
  paths: Paths,
  pushProven: boolean
): Promise<BuildResult> {
  const phase: Phase = plan.push ? 'push' : 'build'
  let argv = plan.buildArgv
  // push-by-digest: buildx cannot do it with the docker driver ("not implemented"), so the
  // image is built into the local store and pushed by digest with our own client.
  let pushItself = false
  // The image in the local store, for a push of our own: its first tag, or for push-by-digest
  // (no tags) a local-only tag unique to this step.
  let localRef = plan.refs[0]
  if (plan.mode === 'push-by-digest') {
    const { driver } = await docker.builderLimits(paths.configDir, settings.builder)
    pushItself = driver === 'docker'
    localRef = `${plan.images[0]}:local-${basename(paths.workDir).toLowerCase()}`
    const output = pushItself ? ['--tag', localRef] : plan.digestOutput
    argv = [...argv.slice(0, -1), ...output, ...argv.slice(-1)]
  }
  // Our own push can stand in for the engine's only for a single-platform image without
  // attestations (what `docker save` holds whole).
  const canPushItself =
    plan.mode === 'build' &&
    settings.platforms.length <= 1 &&
    settings.provenance === 'false' &&
    (!settings.sbom || settings.sbom === 'false')
  let lastOutput = ''
  let pushedDigest = ''
  await withRetry(
    plan.push ? 'the build and push' : 'the build',
    async attempt => {
      // After a transient push failure, the image this build left in the local store is pushed
      // by our own client, each request retried on its own: far likelier to get through a flaky
      // registry than the engine's push, which retries little and sleeps long.
      if (attempt > 1 && canPushItself && (await builtLocally(paths, localRef, lastOutput))) {
        pushedDigest = await pushFromLocalStore(settings, plan, paths, localRef)
        return
      }
      const res = await docker.buildx(paths.configDir, argv)
      if (res.code === 0) return
      lastOutput = res.stdout + res.stderr
      if (plan.push && isTransientPushFailure(lastOutput, pushProven)) {
        throw new TransientDockerError(lastOutput)
      }
      throw failure(phase, plan.registry, buildFailure(plan, lastOutput), lastOutput)
    },
    { retries: plan.push ? settings.retries : 0 }
  ).catch(
    rethrowTransient(phase, plan.registry, plan.push ? 'the push failed' : 'the build failed')
  )

  if (pushItself) {
    pushedDigest = await pushFromLocalStore(settings, plan, paths, localRef)
    await docker.removeLocalImage(paths.configDir, localRef) // the local-only tag
  }
  const metadata = existsSync(paths.metadataFile) ? readFileSync(paths.metadataFile, 'utf8') : '{}'
  const meta = JSON.parse(metadata) as Record<string, unknown>
  const imageid = existsSync(paths.iidFile)
    ? readFileSync(paths.iidFile, 'utf8').trim()
    : String(meta['containerimage.config.digest'] ?? '')
  const digest = pushedDigest || String(meta['containerimage.digest'] ?? '')
  if (plan.push && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new StepError(
      `the push reported no image digest (metadata: ${metadata.slice(0, 200)}): treat the push as failed and re-run`
    )
  }
  return { digest, imageid, metadata }
}

/**
 * Whether the local store holds the image that the failed attempt built: the docker driver
 * prints `writing image sha256:<id>` before it pushes, and `ref` must name that very image
 * (not one left by an earlier run or pulled by an earlier step).
 */
async function builtLocally(paths: Paths, ref: string, output: string): Promise<boolean> {
  const written = /writing image (sha256:[0-9a-f]{64})/.exec(output)?.[1]
  return !!written && (await docker.localImageId(paths.configDir, ref)) === written
}

/**
 * Whether a failed push is worth another attempt. Only docker's last error line is classified:
 * a RUN step may print "connection refused" itself. `pushProven`: the preflight showed these
 * credentials can push, so an authentication error during the push came from a registry hiccup
 * (docker proceeds without credentials when its ping fails), not from the credentials.
 */
function isTransientPushFailure(output: string, pushProven: boolean): boolean {
  const line = errorLine(output)
  return (
    classifyDockerOutput(line) === 'transient' ||
    (pushProven && /unauthorized|authentication required/i.test(line))
  )
}

/** `docker save` of the built image, then our own push of it to every tag; returns the digest. */
async function pushFromLocalStore(
  settings: Settings,
  plan: Plan,
  paths: Paths,
  ref: string
): Promise<string> {
  const tar = join(paths.workDir, 'image.tar')
  const saved = await docker.save(paths.configDir, ref, tar)
  if (saved.code !== 0) {
    throw new StepError(`docker save ${ref} failed: ${errorLine(saved.stdout + saved.stderr)}`)
  }
  const byDigest = plan.mode === 'push-by-digest'
  core.info(
    byDigest
      ? `pushing ${plan.images.join(', ')} by digest from the local image store`
      : `pushing ${plan.refs.length} refs again from the local image store, request by request`
  )
  try {
    return await pushSavedImage(tar, {
      registry: plan.registry,
      images: plan.images,
      tags: byDigest ? [] : plan.tags.map(t => t.name),
      annotations: Object.fromEntries(
        plan.annotations
          .filter(a => a.startsWith('manifest:'))
          .map(a => a.slice('manifest:'.length).split(/=(.*)/s, 2) as [string, string])
      ),
      username: settings.username,
      token: settings.token,
      retries: settings.retries
    })
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e
    throw failure(
      'push',
      plan.registry,
      `the push failed: ${e.message}`,
      `${e.registryText}\n${e.message}`
    )
  } finally {
    rmSync(tar, { force: true })
  }
}

/** Several platforms or attestations need more than the docker driver on the classic store. */
async function checkBuilder(settings: Settings, configDir: string): Promise<void> {
  const wants = [
    settings.platforms.length > 1 && `platforms: ${settings.platforms.join(',')}`,
    settings.provenance !== 'false' && `provenance: ${settings.provenance}`,
    settings.sbom && settings.sbom !== 'false' && `sbom: ${settings.sbom}`
  ].filter(Boolean)
  if (!wants.length) return
  const { driver, classicStore } = await docker.builderLimits(configDir, settings.builder)
  if (driver === 'docker' && classicStore) {
    throw new InputError(
      `${wants.join(', ')}: the builder uses the docker driver on Docker's classic image store, which cannot do this: turn on the containerd image store (daemon.json "features": {"containerd-snapshotter": true}), or create a docker-container builder (docker buildx create --use) and pass it as builder`
    )
  }
}

async function merge(settings: Settings, plan: Plan, paths: Paths): Promise<BuildResult> {
  for (const argv of plan.mergeArgvs) {
    await withRetry(
      'the merge',
      async () => {
        const res = await docker.buildx(paths.configDir, argv)
        if (res.code === 0) return
        const output = res.stdout + res.stderr
        if (classifyDockerOutput(output) === 'transient') throw new TransientDockerError(output)
        throw failure(
          'push',
          plan.registry,
          `creating the index for ${argv.at(-1)?.split('@')[0]} failed`,
          output
        )
      },
      { retries: settings.retries }
    ).catch(rethrowTransient('push', plan.registry, 'the merge failed'))
  }
  const digest = await docker.inspectDigest(paths.configDir, plan.refs[0])
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new StepError(
      `the merged index ${plan.refs[0]} could not be read back: re-run the merge job`
    )
  }
  return { digest, imageid: '', metadata: JSON.stringify({ 'containerimage.digest': digest }) }
}

/** Every tag of every image must resolve to the pushed digest; otherwise say exactly which. */
async function verify(settings: Settings, plan: Plan, digest: string): Promise<void> {
  const problems: string[] = []
  for (const image of plan.images) {
    let res
    try {
      res = await verifyTags({
        registry: plan.registry,
        image,
        tags: plan.tags.map(t => t.name),
        digest,
        username: settings.username,
        token: settings.token,
        retries: settings.retries
      })
    } catch (e) {
      if (!(e instanceof RegistryError)) throw e
      throw new StepError(
        `verify: could not read the tags of ${image} back (${e.message}): the push may be incomplete; re-run`
      )
    }
    for (const t of res.landed) core.info(`verified ${image}:${t} → ${digest}`)
    if (res.missing.length || res.wrong.length) {
      problems.push(
        `${image}: landed ${res.landed.join(', ') || 'none'}; missing ${res.missing.join(', ') || 'none'}` +
          (res.wrong.length
            ? `; pointing elsewhere ${res.wrong.map(w => `${w.tag} (${w.digest})`).join(', ')}`
            : '')
      )
    }
  }
  if (problems.length) {
    throw new StepError(
      `verify: not every tag resolves to ${digest}: ${problems.join(' | ')}: re-run the job`
    )
  }
}

/** For a failed push: which tags buildx reports as pushed, from its progress output. */
export function landedRefs(output: string, refs: string[]): string[] {
  return refs.filter(ref => {
    const step = new RegExp(`^#(\\d+) pushing ${escapeRegExp(ref)} with docker`, 'm').exec(output)
    if (step) return new RegExp(`^#${step[1]} DONE`, 'm').test(output)
    return new RegExp(
      `pushing manifest for ${escapeRegExp(ref)}@sha256:[0-9a-f]+ [0-9.]+s done`
    ).test(output)
  })
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function buildFailure(plan: Plan, output: string): string {
  if (!plan.push) return 'the build failed'
  const landed = landedRefs(output, plan.refs)
  const notPushed = plan.refs.filter(r => !landed.includes(r))
  return `the push failed; pushed: ${landed.join(', ') || 'none'}; not pushed: ${notPushed.join(', ')}`
}

function failure(
  phase: Phase,
  registry: string,
  what: string,
  output: string,
  after = ''
): StepError {
  const d = diagnose(output, phase, registry)
  const parts = [`${what}${phase === 'preflight' ? '' : `: ${errorLine(output)}`}`]
  if (after) parts.push(after)
  if (d) parts.push(`cause: ${d.cause}`, `fix: ${d.fix}`)
  return new StepError(parts.join('\n'))
}

/** After the retries are spent on a transient failure, fail with what docker said last. */
function rethrowTransient(phase: Phase, registry: string, what: string) {
  return (e: unknown): never => {
    if (e instanceof TransientDockerError) {
      throw failure(phase, registry, `${what} after retries (the registry kept failing)`, e.output)
    }
    throw e
  }
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
