// The build for the builder at hand: the `docker buildx build` argv, whether our own registry
// client pushes (always, as a fallback, or never), and whether the builder can do what the inputs
// ask at all. Pure: the builder's facts are probed by the shell (docker.ts inspectBuilder).
import { InputError } from './errors.js'
import type { Plan } from './plan.js'

/** What the selected builder is. `classicStore`: the engine keeps images in its classic store. */
export interface BuilderFacts {
  driver: string
  classicStore: boolean
}

export interface BuildCommand {
  argv: string[]
  /**
   * always: the build only writes to the local store and our client pushes (push-by-digest on
   * the docker driver, which buildx refuses); fallback: after a transient failure of the
   * engine's push, our client may push the image the build wrote; never.
   */
  ownPush: 'always' | 'fallback' | 'never'
}

/** Whether the shell must probe the builder before it can build this plan. */
export const needsBuilderFacts = (plan: Plan): boolean =>
  plan.mode === 'push-by-digest' || plan.builderNeeds.length > 0 || (plan.build.load && plan.push)

/**
 * An InputError when the builder cannot do what the inputs ask: the docker driver on the
 * classic store builds one platform and no attestations.
 */
export function builderProblem(
  plan: Plan,
  facts: BuilderFacts | undefined
): InputError | undefined {
  if (!facts || facts.driver !== 'docker' || !facts.classicStore || !plan.builderNeeds.length) {
    return undefined
  }
  return new InputError(
    `${plan.builderNeeds.join(', ')}: the builder uses the docker driver on Docker's classic image store, which cannot do this: turn on the containerd image store (daemon.json "features": {"containerd-snapshotter": true}), or create a docker-container builder (docker buildx create --use) and pass it as builder`
  )
}

/**
 * push-by-digest: buildx cannot push by digest with the docker driver ("not implemented"), so
 * there the image is built under a local-only tag and pushed by digest with our own client.
 * The context goes after `--`, so a directory named like a flag stays a path.
 */
export function buildCommand(plan: Plan, facts: BuilderFacts | undefined): BuildCommand {
  const { builder, flags, context } = plan.build
  const head = ['buildx', 'build', ...(builder ? ['--builder', builder] : []), ...flags]
  if (plan.mode === 'push-by-digest') {
    // Without facts (a dry run probes nothing) the plan shows the form other drivers take.
    if (facts?.driver === 'docker') {
      return { argv: [...head, '--tag', plan.localRef, '--', context], ownPush: 'always' }
    }
    // name-canonical keeps the digest pullable; OCI media types, because a merge keeps index
    // annotations only when its sources are OCI.
    const output = `type=image,"name=${plan.images.join(',')}",push-by-digest=true,name-canonical=true,oci-mediatypes=true,push=true`
    return { argv: [...head, '--output', output, '--', context], ownPush: 'never' }
  }
  const tags = plan.refs.flatMap(ref => ['--tag', ref])
  // The docker driver's push leaves the image in the engine's store (and older BuildKit refuses
  // two outputs); every other builder loads it only with --load, as a second output.
  const load = plan.build.load && !(plan.push && facts?.driver === 'docker') ? ['--load'] : []
  const push = plan.push ? ['--push'] : []
  return {
    argv: [...head, ...tags, ...push, ...load, '--', context],
    // What `docker save` holds whole: one platform, no attestations.
    ownPush: plan.push && plan.builderNeeds.length === 0 ? 'fallback' : 'never'
  }
}
