// What buildx's progress output says about a failed build or push. Pure.
import { errorLine } from './diagnose.js'
import { classifyDockerOutput } from './retry.js'

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** For a failed push: the refs buildx reports as pushed, from its progress output. */
export function landedRefs(output: string, refs: string[]): string[] {
  return refs.filter(ref => {
    // the docker driver: `#6 pushing REF with docker` … `#6 DONE`
    const step = new RegExp(`^#(\\d+) pushing ${escapeRegExp(ref)} with docker`, 'm').exec(output)
    if (step) return new RegExp(`^#${step[1]} DONE`, 'm').test(output)
    // other drivers: `pushing manifest for REF@sha256:… 0.1s done`
    return new RegExp(
      `pushing manifest for ${escapeRegExp(ref)}@sha256:[0-9a-f]+ [0-9.]+s done`
    ).test(output)
  })
}

/** The image id the docker driver printed as written to the local store, before its push. */
export function writtenImageId(output: string): string | undefined {
  return /writing image (sha256:[0-9a-f]{64})/.exec(output)?.[1]
}

/**
 * Whether a failed push is worth another attempt. Only docker's last error line is classified:
 * a RUN step may print "connection refused" itself. `pushProven`: the preflight showed these
 * credentials can push, so an authentication error during the push came from a registry hiccup
 * (docker proceeds without credentials when its ping fails), not from the credentials.
 */
export function isTransientPushFailure(output: string, pushProven: boolean): boolean {
  const line = errorLine(output)
  return (
    classifyDockerOutput(line) === 'transient' ||
    (pushProven && /unauthorized|authentication required/i.test(line))
  )
}
