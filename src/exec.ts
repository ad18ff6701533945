// The one seam through which every external command runs. Tests swap it with setCommandRunner.
import { Writable } from 'node:stream'
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

const realRunner: CommandRunner = async (command, args, opts = {}) => {
  // Loaded on first use so that a dry run never pays for it.
  const exec = await import('@actions/exec')
  const silent = opts.silent ?? false
  // @actions/exec echoes the command line and the child's stdout and stderr to one stream. What
  // a build prints is not ours (a Dockerfile's RUN can print anything): the runner must read no
  // workflow command in it.
  const log = silent ? undefined : new LogStream(opts.shown)
  const resume = log ? stopCommands() : undefined
  try {
    const out = await exec.getExecOutput(command, args, {
      ignoreReturnCode: true,
      silent,
      outStream: log,
      input: opts.input === undefined ? undefined : Buffer.from(opts.input),
      env: childEnv(opts.env)
    })
    return { code: out.exitCode, stdout: out.stdout, stderr: out.stderr }
  } finally {
    resume?.(log?.atLineStart)
  }
}

/**
 * Our stdout, remembering whether the last chunk ended its line; with `shown`, @actions/exec's
 * `[command]…` echo (its first write) shows that line instead of the whole argv.
 */
class LogStream extends Writable {
  atLineStart = true
  private first = true
  constructor(private readonly shown?: string) {
    super()
  }
  override _write(chunk: Buffer, _encoding: string, done: (error?: Error | null) => void): void {
    const echo = this.first && this.shown !== undefined && chunk.toString().startsWith('[command]')
    this.first = false
    if (chunk.length) this.atLineStart = chunk[chunk.length - 1] === 0x0a
    process.stdout.write(echo ? `[command]${this.shown}\n` : chunk, () => done())
  }
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
