// The build phase: one `docker buildx build` that tags and pushes (retried when the push fails on
// a transient registry error), our own push of the built image where the engine's falls short
// (build-command.ts decides when), or the merge of pushed digests into one index.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { BuildCommand } from './build-command.js'
import {
  buildFailureHeadline,
  isTransientPushFailure,
  landedRefs,
  readBuildxFailure,
  sourceHost,
  writtenImageId
} from './buildx-output.js'
import { credentialsFor } from './credentials.js'
import { errorLine } from './diagnose.js'
import * as docker from './docker.js'
import { registryFailure, RegistryError, saidFailure, StepError, TransientError } from './errors.js'
import type { Settings } from './inputs.js'
import type { Plan } from './plan.js'
import { commandLine } from './report.js'
import { pushSavedImage } from './push.js'
import { classifyDockerOutput, withRetry } from './retry.js'
import * as core from './workflow-commands.js'

export interface BuildResult {
  digest: string
  imageid: string
  metadata: string
}

export interface BuildPaths {
  workDir: string
  configDir: string
  metadataFile: string
  iidFile: string
}

const DIGEST = /^sha256:[0-9a-f]{64}$/

/**
 * Runs the build. `pushProven`: the preflight showed these credentials can push, so an
 * authentication error during the push came from a registry hiccup, not the credentials.
 */
export async function buildAndPush(
  settings: Settings,
  plan: Plan,
  command: BuildCommand,
  paths: BuildPaths,
  pushProven: boolean
): Promise<BuildResult> {
  let lastOutput = ''
  let pushedDigest = ''
  const failed = (output: string, afterRetries: boolean): StepError =>
    buildxFailure(plan, output, afterRetries)
  try {
    await withRetry(
      plan.push ? 'the build and push' : 'the build',
      async attempt => {
        // After a transient push failure, the image this build left in the local store is pushed
        // by our own client, each request retried on its own: far likelier to get through a
        // flaky registry than the engine's push, which retries little and sleeps long.
        if (
          attempt > 1 &&
          command.ownPush === 'fallback' &&
          (await builtLocally(paths, plan.refs[0], lastOutput))
        ) {
          pushedDigest = await pushFromLocalStore(settings, plan, paths, plan.refs[0])
          return
        }
        const res = await docker.buildx(
          paths.configDir,
          command.argv,
          commandLine(command.argv, plan)
        )
        if (res.code === 0) return
        lastOutput = res.stdout + res.stderr
        if (plan.push && isTransientPushFailure(lastOutput, pushProven)) {
          throw new TransientError(lastOutput)
        }
        throw failed(lastOutput, false)
      },
      { retries: plan.push ? settings.retries : 0 }
    )
  } catch (e) {
    if (!(e instanceof TransientError)) throw e
    throw failed(e.output, settings.retries > 0)
  }

  if (command.ownPush === 'always') {
    pushedDigest = await pushFromLocalStore(settings, plan, paths, plan.localRef)
    await docker.removeLocalImage(paths.configDir, plan.localRef) // the local-only tag
  }
  const metadata = existsSync(paths.metadataFile) ? readFileSync(paths.metadataFile, 'utf8') : '{}'
  const meta = JSON.parse(metadata) as Record<string, unknown>
  const imageid = existsSync(paths.iidFile)
    ? readFileSync(paths.iidFile, 'utf8').trim()
    : String(meta['containerimage.config.digest'] ?? '')
  const digest = pushedDigest || String(meta['containerimage.digest'] ?? '')
  if (plan.push && !DIGEST.test(digest)) {
    throw new StepError(
      'push',
      `the push reported no image digest (metadata: ${metadata.slice(0, 200)}): treat the push as failed and re-run`,
      { landed: [], notPushed: plan.refs }
    )
  }
  return { digest, imageid, metadata }
}

const registryOf = (plan: Plan): string => plan.registries.join(', ')

/**
 * A failed `docker buildx build` as the user's failure. A failure of the build itself is a
 * build error (its step, the Dockerfile line, docker's report), even when the command also
 * pushes: only a failure after the build finished is a push failure, with the refs that landed.
 */
function buildxFailure(plan: Plan, output: string, afterRetries: boolean): StepError {
  const f = readBuildxFailure(output)
  if (f.stage === 'build' || !plan.push) {
    const headline = buildFailureHeadline(f)
    return saidFailure(
      'build',
      sourceHost(f) ?? registryOf(plan),
      afterRetries ? `${headline} (after retries)` : headline,
      [f.step, f.message, ...f.report].join('\n'),
      { quote: false, note: plan.push ? 'nothing was pushed' : undefined, said: f.report }
    )
  }
  const landed = landedRefs(output, plan.refs)
  const notPushed = plan.refs.filter(r => !landed.includes(r))
  const what = afterRetries
    ? 'the push failed after retries (the registry kept failing)'
    : 'the push failed'
  return saidFailure('push', registryOf(plan), what, output, { landed, notPushed })
}

/**
 * Whether the local store holds the image that the failed attempt built: the docker driver
 * prints `writing image sha256:<id>` before it pushes, and `ref` must name that very image
 * (not one left by an earlier run or pulled by an earlier step).
 */
async function builtLocally(paths: BuildPaths, ref: string, output: string): Promise<boolean> {
  const written = writtenImageId(output)
  return written !== undefined && (await docker.localImageId(paths.configDir, ref)) === written
}

/** `docker save` of the built image, then our own push of it to every tag; returns the digest. */
async function pushFromLocalStore(
  settings: Settings,
  plan: Plan,
  paths: BuildPaths,
  ref: string
): Promise<string> {
  const tar = join(paths.workDir, 'image.tar')
  const saved = await docker.save(paths.configDir, ref, tar)
  if (saved.code !== 0) {
    throw new StepError(
      'push',
      `docker save ${ref} failed: ${errorLine(saved.stdout + saved.stderr)}`,
      {
        landed: [],
        notPushed: plan.refs
      }
    )
  }
  const byDigest = plan.mode === 'push-by-digest'
  core.info(
    byDigest
      ? `pushing ${plan.images.join(', ')} by digest from the local image store`
      : `pushing ${plan.refs.length} refs again from the local image store, request by request`
  )
  // One push per registry, each with its own credentials; the manifest, so the digest, is the same.
  let digest = ''
  const landed: string[] = []
  try {
    for (const registry of plan.registries) {
      const { username, token } = credentialsFor(settings, plan, registry)
      digest = await pushSavedImage(tar, {
        registry,
        images: plan.images.filter(i => i.startsWith(`${registry}/`)),
        tags: byDigest ? [] : plan.tags.map(t => t.name),
        annotations: Object.fromEntries(
          plan.annotations.filter(a => a.level === 'manifest').map(a => [a.key, a.value])
        ),
        username,
        token,
        retries: settings.retries
      }).catch((e: unknown) => {
        if (!(e instanceof RegistryError)) throw e
        throw registryFailure('push', registry, `the push failed: ${e.message}`, e, {
          landed,
          notPushed: plan.refs.filter(r => !landed.includes(r))
        })
      })
      if (!byDigest) landed.push(...plan.refs.filter(r => r.startsWith(`${registry}/`)))
    }
    return digest
  } finally {
    rmSync(tar, { force: true })
  }
}

/** merge mode: one `imagetools create` per image, then the index digest read back. */
export async function merge(
  settings: Settings,
  plan: Plan,
  configDir: string
): Promise<BuildResult> {
  const landed: string[] = []
  for (const argv of plan.mergeArgvs) {
    const image = argv.at(-1)?.split('@')[0] ?? ''
    const host = image.slice(0, image.indexOf('/'))
    const what = `creating the index for ${image} failed`
    const tagged = { landed, notPushed: plan.refs.filter(r => !landed.includes(r)) }
    try {
      await withRetry(
        'the merge',
        async () => {
          const res = await docker.buildx(configDir, argv, commandLine(argv, plan))
          if (res.code === 0) return
          const output = res.stdout + res.stderr
          if (classifyDockerOutput(output) === 'transient') throw new TransientError(output)
          throw saidFailure('push', host, what, output, tagged)
        },
        { retries: settings.retries }
      )
    } catch (e) {
      if (!(e instanceof TransientError)) throw e
      throw saidFailure(
        'push',
        host,
        settings.retries ? `${what} after retries` : what,
        e.output,
        tagged
      )
    }
    landed.push(...plan.refs.filter(r => r.startsWith(`${image}:`)))
  }
  const digest = await docker.inspectDigest(configDir, plan.refs[0])
  if (!DIGEST.test(digest)) {
    throw new StepError(
      'push',
      `the merged index ${plan.refs[0]} could not be read back: re-run the merge job`
    )
  }
  return { digest, imageid: '', metadata: JSON.stringify({ 'containerimage.digest': digest }) }
}
