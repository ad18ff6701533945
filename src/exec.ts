// The one seam through which every external command runs. Tests swap it with setCommandRunner.
import { spawn } from 'node:child_process'
import { stopCommands } from './workflow-commands.js'

export interface CommandOptions {
  /** Written to the command's stdin (the token goes here, never into argv). */
  input?: string
  /** Added to the child's environment (see childEnv). */
  env?: Record<string, string>
  /** Don't echo the command's output to the log (it is still returned). */
  silent?: boolean
  /** The command line the log shows instead of the whole argv (e.g. with the labels summed up). */
  shown?: string
}

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

export type CommandRunner = (
  command: string,
  args: string[],
  opts?: CommandOptions
) => Promise<CommandResult>

/**
 * The environment of every child process: ours without the step's inputs (the runner passes
 * `token` and `github-token` as INPUT_* variables, and docker, its CLI plugins and credential
 * helpers have no business seeing them), plus `extra`.
 */
export function childEnv(
  extra: Record<string, string> = {},
  env: NodeJS.ProcessEnv = process.env
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !k.toUpperCase().startsWith('INPUT_')) out[k] = v
  }
  return { ...out, ...extra }
}

/** How long to wait for a child's output to end after it exited (a grandchild may hold it open). */
const OUTPUT_GRACE_MS = 10_000

/**
 * Runs the command with node's own spawn (no @actions/exec: see docs/decisions.md). What a build
 * prints is not ours (a Dockerfile's RUN can print anything): unless silent, the command line
 * (`[command]…`, or `shown`) and the child's stdout and stderr go to our stdout inside a
 * stop-commands block, so that the runner reads no workflow command in them. A command that
 * cannot be started at all (not on PATH) rejects.
 */
const realRunner: CommandRunner = (command, args, opts = {}) => {
  const silent = opts.silent ?? false
  const resume = silent ? undefined : stopCommands()
  let atLineStart = true
  const show = (chunk: Buffer | string): void => {
    if (silent || !chunk.length) return
    atLineStart = chunk[chunk.length - 1] === (typeof chunk === 'string' ? '\n' : 0x0a)
    process.stdout.write(chunk)
  }
  show(`[command]${opts.shown ?? [command, ...args].join(' ')}\n`)
  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(command, args, { env: childEnv(opts.env), stdio: 'pipe' })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => (stdout.push(c), show(c)))
    child.stderr.on('data', (c: Buffer) => (stderr.push(c), show(c)))
    let settled = false
    let grace: NodeJS.Timeout | undefined
    const done = (code: number | null): void => {
      clearTimeout(grace)
      if (settled) return
      settled = true
      resolve({
        code: code ?? 1, // killed by a signal
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8')
      })
    }
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return
      settled = true
      reject(e.code === 'ENOENT' ? new Error(`${command}: command not found`) : e)
    })
    child.on('close', done)
    child.on('exit', code => {
      grace = setTimeout(() => {
        child.stdout.destroy()
        child.stderr.destroy()
        done(code)
      }, OUTPUT_GRACE_MS)
      grace.unref()
    })
    child.stdin.on('error', () => undefined) // a child that exits without reading its input
    child.stdin.end(opts.input) // without input, the child reads the end of its stdin at once
  }).finally(() => resume?.(atLineStart))
}

let runner: CommandRunner = realRunner

/** Runs a command; never throws for a non-zero exit (callers decide what a failure means). */
export function runCommand(
  command: string,
  args: string[],
  opts?: CommandOptions
): Promise<CommandResult> {
  return runner(command, args, opts)
}

/** For tests: swap the command runner, get the previous one back. */
export function setCommandRunner(next: CommandRunner): CommandRunner {
  const prev = runner
  runner = next
  return prev
}
