// Every error type the step can end with, and the one function that turns any failure into the
// user's message: what failed, in which phase, the cause and the fix when they are known, and
// which refs landed. Pure. See docs/architecture.md ("Where a message comes from").
import { diagnose, errorLine } from './diagnose.js'

/** The phases of a run, in order; a failure names the one it happened in. */
export type Phase =
  'inputs' | 'setup' | 'login' | 'preflight' | 'build' | 'push' | 'verify' | 'cleanup'

export interface StepErrorDetails {
  /** Why it happened, from the diagnosis table (diagnose.ts) or the code that knows. */
  reason?: string
  /** What the user should do. */
  fix?: string
  /** A line to add after the headline, e.g. "nothing was built". */
  note?: string
  /** For failures in the push and verify phases: the refs that did and did not land. */
  landed?: string[]
  notPushed?: string[]
  /** docker's own report of the failure (buildx's step output, Dockerfile excerpt), shown as is. */
  said?: string[]
}

/** A failure whose message already says what happened (and, with `fix`, what to do). */
export class StepError extends Error {
  override name = 'StepError'
  constructor(
    readonly phase: Phase,
    message: string,
    readonly details: StepErrorDetails = {}
  ) {
    super(message)
  }
}

/** An error caused by the user's input or setup; `message` is one line naming the input and the fix. */
export class InputError extends StepError {
  override name = 'InputError'
  constructor(message: string) {
    super('inputs', message)
  }
}

/** A problem in one input line, found by the tag language; its `atLine` makes it an InputError. */
export class RuleError extends Error {
  override name = 'RuleError'
  constructor(
    readonly problem: string,
    /** What to do, e.g. 'use {{version}}'. */
    readonly fix: string
  ) {
    super(`${problem}: ${fix}`)
  }
}

/** No HTTP answer at all: refused, reset, DNS, TLS, timeout. `code` is Node's (ECONNRESET, UND_ERR_SOCKET, ...). */
export class NetworkError extends Error {
  override name = 'NetworkError'
  constructor(
    readonly code: string,
    readonly url: string,
    message: string
  ) {
    super(message)
  }
}

/** An HTTP answer the caller treats as a failure; carries the response so retries can read Retry-After. */
export class HttpStatusError extends Error {
  override name = 'HttpStatusError'
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
  constructor(
    response: { status: number; headers: Record<string, string>; body: string },
    what: string
  ) {
    super(`${what}: HTTP ${response.status}`)
    this.status = response.status
    this.headers = response.headers
    this.body = response.body
  }
}

/** Where in the conversation with a registry something failed. */
export type RegistryStep = 'ping' | 'token' | 'upload' | 'manifest'

/** A registry answer that ends the operation. `status` 0: no HTTP answer. The message never holds a secret. */
export class RegistryError extends Error {
  override name = 'RegistryError'
  constructor(
    readonly step: RegistryStep,
    readonly status: number,
    /** What the registry said (its `errors[].code: message`), for the diagnosis table. */
    readonly registryText: string,
    message: string
  ) {
    super(message)
  }
}

/** A docker run whose output says the failure is transient: withRetry tries it again. */
export class TransientError extends Error {
  override name = 'TransientError'
  readonly transient = true
  constructor(readonly output: string) {
    super(errorLine(output))
  }
}

/**
 * A failure told by what docker or a registry said: the headline, docker's most telling line
 * (unless `said` is only a registry's words, already in `what`), and the diagnosis table's cause
 * and fix for that text in that phase.
 */
export function saidFailure(
  phase: Phase,
  registry: string,
  what: string,
  said: string,
  details: StepErrorDetails & { quote?: boolean } = {}
): StepError {
  const { quote = true, ...rest } = details
  const d = diagnose(said, phase, registry)
  const line = quote ? errorLine(said) : ''
  return new StepError(phase, line ? `${what}: ${line}` : what, {
    ...rest,
    reason: rest.reason ?? d?.cause,
    fix: rest.fix ?? d?.fix
  })
}

/**
 * A RegistryError (our own client's) as the user's failure, with the diagnosis for its words.
 * `headline` says what failed and includes e.message.
 */
export function registryFailure(
  phase: Phase,
  registry: string,
  headline: string,
  e: RegistryError,
  details: StepErrorDetails = {}
): StepError {
  return saidFailure(phase, registry, headline, `${e.registryText}\n${e.message}`, {
    ...details,
    quote: false
  })
}

/** `landed`: [] when nothing was pushed, undefined when unknown. */
export interface FailureReport extends StepErrorDetails {
  phase: Phase
  /** One line: what failed. */
  headline: string
  /** For an unexpected error: its stack, for the log only. */
  stack?: string
}

const NOTHING_PUSHED: Phase[] = ['inputs', 'setup', 'login', 'preflight', 'build']

/**
 * Any failure → the report the log and the summary show. `phase` is where the run was when an
 * error that carries no phase of its own (an unexpected one) was thrown.
 */
export function failureReport(err: unknown, phase: Phase): FailureReport {
  if (err instanceof StepError) {
    const { reason, fix, note, landed, notPushed, said } = err.details
    return {
      phase: err.phase,
      headline: err.message,
      reason,
      fix,
      note,
      landed: landed ?? (NOTHING_PUSHED.includes(err.phase) ? [] : undefined),
      notPushed,
      said
    }
  }
  const e = err instanceof Error ? err : new Error(String(err))
  return {
    phase,
    headline: `unexpected error in the ${phase} phase: ${e.name}: ${e.message}`,
    fix: 'this is a bug in ghcr-build-push: please report it with this log',
    landed: NOTHING_PUSHED.includes(phase) ? [] : undefined,
    stack: e.stack
  }
}

/** The report as the lines of the step's error annotation. */
export function failureLines(r: FailureReport): string[] {
  const lines = [r.headline]
  if (r.note) lines.push(r.note)
  if (r.reason) lines.push(`cause: ${r.reason}`)
  if (r.fix) lines.push(`fix: ${r.fix}`)
  if (r.landed && r.notPushed) {
    lines.push(`pushed: ${r.landed.join(', ') || 'none'}`)
    if (r.notPushed.length) lines.push(`not pushed: ${r.notPushed.join(', ')}`)
  }
  if (r.said?.length) lines.push('docker said:', ...r.said.map(l => `  ${l}`))
  return lines
}
