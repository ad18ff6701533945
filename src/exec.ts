// The one seam through which every external command runs. Tests replace `setRunner`.

export interface RunOptions {
  /** Written to the command's stdin (the token goes here, never into argv). */
  input?: string
  env?: Record<string, string>
  /** Don't echo the command's output to the log (it is still returned). */
  silent?: boolean
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export type Runner = (command: string, args: string[], opts?: RunOptions) => Promise<RunResult>

const realRunner: Runner = async (command, args, opts = {}) => {
  // Loaded on first use so that a dry run never pays for it.
  const exec = await import('@actions/exec')
  const out = await exec.getExecOutput(command, args, {
    ignoreReturnCode: true,
    silent: opts.silent ?? false,
    input: opts.input === undefined ? undefined : Buffer.from(opts.input),
    env: opts.env ? ({ ...process.env, ...opts.env } as Record<string, string>) : undefined
  })
  return { code: out.exitCode, stdout: out.stdout, stderr: out.stderr }
}

let runner: Runner = realRunner

/** Runs a command; never throws for a non-zero exit (callers decide what a failure means). */
export function run(command: string, args: string[], opts?: RunOptions): Promise<RunResult> {
  return runner(command, args, opts)
}

/** For tests: swap the runner, get the previous one back. */
export function setRunner(next: Runner): Runner {
  const prev = runner
  runner = next
  return prev
}
