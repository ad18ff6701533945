// What buildx's progress output says about a failed build or push. Pure.
// Read from the plain progress format (the step's output is no TTY): `#N name` opens a step,
// `#N ERROR: …` fails it, and after the progress buildx reports the failure: a ` > name:` block
// per failed step with its last output lines, the Dockerfile excerpt (`Dockerfile:12` then the
// numbered lines, newer engines), and one top-level `ERROR: …` line. __tests__/fixtures/buildx
// holds real outputs of both e2e engines.
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

/** A failed `docker buildx build`, as its output tells it. */
export interface BuildxFailure {
  /**
   * build: the build itself failed (a Dockerfile step, the context, a base image, or buildx
   * refusing the options before it started); push: the image was built and sending it (or its
   * cache) failed.
   */
  stage: 'build' | 'push'
  /** The failing step as buildx names it (`[3/3] RUN make`, `pushing ghcr.io/a/b:1 with docker`); '' when none. */
  step: string
  /** `Dockerfile:12` when buildx showed the Dockerfile excerpt; ''. */
  location: string
  /** docker's error without the chain's generic prefixes (`failed to solve: `, `rpc error: …`). */
  message: string
  /** docker's own report of the failure, as printed: the step blocks, the excerpt, the ERROR line. */
  report: string[]
}

/** The report is for the eye: a step's last lines and the excerpt, not a whole log. */
const REPORT_LINES = 40
const LINE_CHARS = 300
const STEP_CHARS = 100

// The generic links of buildkit's error chain, outermost first; what follows them is the cause.
const CHAIN_PREFIX =
  /^(?:#\d+ ERROR: |ERROR: |failed to build: |failed to solve: |rpc error: code = \w+ desc = |failed to solve with frontend [\w.]+: |failed to create LLB definition: )/i

/** Steps that run after the build: their failure is a push failure. */
const AFTER_BUILD_STEP = /^(?:pushing |exporting cache|exporting to (?:image|oci|docker))/i
/** What a failed export says when the failure was in sending the image. */
const PUSH_WORDS =
  /failed to push|pushing|failed commit on ref|unexpected status from (?:PUT|POST|HEAD|PATCH|GET) request|failed to authorize|failed to fetch (?:oauth|anonymous) token|no basic auth credentials|unauthori[sz]ed|denied|insufficient_scope|toomanyrequests/i

const clip = (line: string): string =>
  line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS - 1)}…` : line

/** Reads the failure out of the output of a `docker buildx build` that exited non-zero. */
export function readBuildxFailure(output: string): BuildxFailure {
  const lines = output.split(/\r?\n/).map(l => l.trimEnd())
  const progress = (l: string): boolean => /^#\d+ /.test(l)
  const lastProgress = lines.findLastIndex(progress)
  const tail = lines.slice(lastProgress + 1)
  const finalAt = tail.findLastIndex(l => /^ERROR: /.test(l))
  const finalLine = finalAt >= 0 ? tail[finalAt] : errorLine(output)
  let message = finalLine
  for (let m = CHAIN_PREFIX.exec(message); m; m = CHAIN_PREFIX.exec(message)) {
    message = message.slice(m[0].length)
  }

  // The step: its ` > name:` block in the report, else the step whose progress says ERROR.
  const blockStep = tail.map(l => /^ > (.+):$/.exec(l)?.[1]).find(s => s !== undefined)
  const failedId = lines.findLast(l => /^#\d+ ERROR: /.test(l))?.split(' ')[0]
  const progressStep = failedId
    ? (lines.find(l => l.startsWith(`${failedId} `))?.slice(failedId.length + 1) ?? '')
    : ''
  const step = blockStep ?? progressStep

  const locationAt = tail.findIndex((l, i) => /^\S.*:\d+$/.test(l) && /^-{8,}$/.test(tail[i + 1]))
  const location = locationAt >= 0 ? tail[locationAt] : ''

  const afterBuild =
    AFTER_BUILD_STEP.test(step) &&
    (/^(?:pushing |exporting cache)/i.test(step) || PUSH_WORDS.test(message))
  const stage = afterBuild || (!step && /^failed to push\b/i.test(message)) ? 'push' : 'build'

  // buildx frames each step's block with `------`: noise once the block is on its own; a blank
  // line is kept only after a line that is not blank (none first, never two in a row)
  const report = (finalAt >= 0 ? tail.slice(0, finalAt + 1 + 3) : [finalLine])
    .filter(l => l !== '------')
    .filter((l, i, all) => l !== '' || (i > 0 && all[i - 1] !== ''))
    .map(clip)
  return { stage, step, location, message: clip(message), report: trimReport(report) }
}

/** Keeps the end of an over-long report: buildx's ERROR line is last and must stay. */
function trimReport(report: string[]): string[] {
  while (report.length && report[report.length - 1] === '') report.pop()
  return report.length > REPORT_LINES
    ? ['…', ...report.slice(report.length - REPORT_LINES + 1)]
    : report
}

/** A Dockerfile instruction's step: `[2/3] RUN …`, `[build 1/2] COPY …`, `[linux/arm64 2/2] RUN …`. */
const INSTRUCTION = /^\[[^\]]*\d+\/\d+\] ([A-Z]+)\b/

/** The instruction a failing step ran (RUN, COPY, FROM, …), or '' when it was none. */
export function failedInstruction(f: BuildxFailure): string {
  return INSTRUCTION.exec(f.step)?.[1] ?? ''
}

/**
 * Whether a failed build-and-push is worth another attempt. A push failure: by docker's last
 * error line (`pushProven`: the preflight showed these credentials can push, so an authentication
 * error during the push came from a registry hiccup, as docker proceeds without credentials when
 * its ping fails). A build failure: only when a registry hiccup stopped it while it fetched
 * something (a base image), never when a RUN command failed, whatever its output says.
 */
export function isTransientPushFailure(output: string, pushProven: boolean): boolean {
  const f = readBuildxFailure(output)
  if (f.stage === 'build') {
    return failedInstruction(f) !== 'RUN' && classifyDockerOutput(f.message) === 'transient'
  }
  const line = errorLine(output)
  return (
    classifyDockerOutput(line) === 'transient' ||
    (pushProven && /unauthorized|authentication required/i.test(line))
  )
}

/**
 * The headline of a failed build: where it failed (the Dockerfile line, the step) and docker's
 * message, shortened where the step already says it (a RUN's command, COPY's checksum chain).
 */
export function buildFailureHeadline(f: BuildxFailure): string {
  let message = f.message
  if (failedInstruction(f) === 'RUN') message = /exit code: \d+$/.exec(message)?.[0] ?? message
  message = message.replace(
    /^failed to compute cache key: (?:failed to calculate checksum of ref \S+: )?/,
    ''
  )
  // a long RUN line is in docker's report whole; the headline keeps its start
  const step = f.step.length > STEP_CHARS ? `${f.step.slice(0, STEP_CHARS - 1)}…` : f.step
  const where = [f.location, step && `step ${step}`].filter(Boolean).join(', ')
  return where ? `the build failed at ${where}: ${message}` : `the build failed: ${message}`
}

/**
 * The registry host of the image a failed step was reading (a base image, the `# syntax=`
 * frontend, the SBOM scanner), for the diagnosis; undefined for other steps.
 */
export function sourceHost(f: BuildxFailure): string | undefined {
  const ref =
    /^(?:\[internal\] load metadata for|resolve image config for) (?:docker-image:\/\/)?(\S+)$/.exec(
      f.step
    )?.[1]
  if (!ref) return undefined
  const first = ref.split('/')[0]
  return ref.includes('/') && /[.:]|^localhost$/.test(first) ? first : 'docker.io'
}
