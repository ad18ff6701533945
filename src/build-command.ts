// The build for the builder at hand: the `docker buildx build` argv and whether our own registry
// client pushes (always, as a fallback, or never). Pure: which builder it is, is decided in
// builder-choice.ts and probed by the shell (docker.ts inspectBuilder).
import type { Plan } from './plan.js'

/** What the selected builder is. `classicStore`: the engine keeps images in its classic store. */
export interface BuilderFacts {
  driver: string
  classicStore: boolean
}

/** The builder the build runs on: its name ('' = the current one) and, when known, its facts. */
export interface BuildOn {
  name: string
  facts?: BuilderFacts
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

/**
 * push-by-digest: buildx cannot push by digest with the docker driver ("not implemented"), so
 * there the image is built under a local-only tag and pushed by digest with our own client.
 * The context goes after `--`, so a directory named like a flag stays a path.
 * Without `on` (a dry run probes nothing) the command is the one for the `builder` input.
 */
export function buildCommand(plan: Plan, on?: BuildOn): BuildCommand {
  const { flags, context } = plan.build
  const builder = on ? on.name : plan.build.builder
  const facts = on?.facts
  const head = ['buildx', 'build', ...(builder ? ['--builder', builder] : []), ...flags]
  if (plan.mode === 'push-by-digest') {
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
    // What `docker save` holds whole, from the engine's store: one platform, no attestations,
    // not built in a builder's container.
    ownPush:
      plan.push && plan.singleImage && (facts === undefined || facts.driver === 'docker')
        ? 'fallback'
        : 'never'
  }
}

/** The commands a dry run shows (no builder is probed: push-by-digest shows buildx's own form). */
export const dryRunCommands = (plan: Plan): string[][] =>
  plan.mode === 'merge' ? plan.mergeArgvs : [buildCommand(plan).argv]
