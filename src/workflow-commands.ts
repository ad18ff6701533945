// The runner's workflow commands (log lines, groups, masks, outputs, the summary file),
// written directly. Why not @actions/core: loading it costs ~80-100 ms (its OIDC client pulls in
// undici), a third of our whole overhead budget over the bare docker commands, for a few lines
// of protocol that are easy to get right (see docs/decisions.md).
import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { EOL } from 'node:os'

const escapeData = (s: string): string =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')

/** The credentials this step holds or obtained (see addCredential), longest first. */
let credentials: string[] = []

/**
 * Below this length a credential is not removed from everything the step writes: it would
 * garble the step's own words (a token `tok` in "token"). What a registry or `docker login`
 * says is cleaned of the token at any length where it comes in (registry-auth.ts `redact`).
 */
const MIN_REDACTED = 8

/** `text` with every credential (of MIN_REDACTED characters or more) replaced by `***`. */
export function redactCredentials(text: string): string {
  let out = text
  for (const c of credentials) if (c.length >= MIN_REDACTED) out = out.split(c).join('***')
  return out
}

/** While set, log lines wait here (see holdOutput). */
let held: string[] | undefined

function write(text: string): void {
  if (held) held.push(text)
  else process.stdout.write(text)
}

/**
 * Work that runs in the background while the plan is printed keeps its lines until the returned
 * function is called, so that each group of the log holds its own lines. `add-mask` is never held.
 */
export function holdOutput(): () => void {
  const mine: string[] = []
  held = mine
  return () => {
    if (held === mine) held = undefined
    for (const text of mine.splice(0)) process.stdout.write(text) // once, however often called
  }
}

/** Runs `fn` with its lines written at once, even while output is held. */
export function writeThrough(fn: () => void): void {
  const saved = held
  held = undefined
  try {
    fn()
  } finally {
    held = saved
  }
}

// ------------------------------------------------------------------- text the step did not write
// The runner reads a line as a command when it starts with `::` (after blanks) or holds `##[`
// anywhere, in stdout and stderr alike. Text from outside (docker's output, a Dockerfile's
// RUN lines, a repository description, a registry's words) is written inside
// `::stop-commands::<token>` … `::<token>::`: the runner reads no command in between, and the
// random token cannot be guessed by the text.

/** The token of the open stop-commands block, if any. */
let stopToken: string | undefined
const newToken = (): string => randomUUID().replace(/-/g, '')

/** A line the runner could read as a command. `^` with /m also starts after \r, as the runner's. */
const COMMAND_LIKE = /^\s*::|##\[/m

/**
 * Opens a stop-commands block for output that does not go through this module (a child's output,
 * written straight to stdout) and returns the function that closes it. `atLineStart: false`: the
 * output did not end its last line, so the closing command starts a new one.
 */
export function stopCommands(): (atLineStart?: boolean) => void {
  if (stopToken) return () => undefined // already inside one
  stopToken = newToken()
  process.stdout.write(`::stop-commands::${stopToken}${EOL}`)
  return (atLineStart = true) => {
    const token = stopToken
    stopToken = undefined
    process.stdout.write(`${atLineStart ? '' : EOL}::${token}::${EOL}`)
  }
}

// Credentials are removed from the message only: never from a command's name or token.
function command(name: string, message: string): void {
  write(`::${name}::${escapeData(redactCredentials(message))}${EOL}`)
}

/** A log line; one that the runner could read as a command is wrapped in a stop-commands block. */
export function info(text: string): void {
  const message = redactCredentials(text)
  if (stopToken || !COMMAND_LIKE.test(message)) {
    write(message + EOL)
    return
  }
  const token = newToken()
  write(`::stop-commands::${token}${EOL}${message}${EOL}::${token}::${EOL}`)
}

export const debug = (message: string): void => command('debug', message)
export const notice = (message: string): void => command('notice', message)
export const warning = (message: string): void => command('warning', message)
export const error = (message: string): void => command('error', message)

/**
 * Registers a value for masking: the runner consumes this line and never prints it. Never held,
 * and written outside any stop-commands block (which would make the runner ignore it).
 */
export function setSecret(secret: string): void {
  if (!secret) return
  const mask = `::add-mask::${escapeData(secret)}${EOL}`
  if (!stopToken) {
    process.stdout.write(mask)
    return
  }
  const token = stopToken
  stopToken = newToken()
  process.stdout.write(`${EOL}::${token}::${EOL}${mask}::stop-commands::${stopToken}${EOL}`)
}

/**
 * A credential this step holds or obtained (the token, its `user:token` form, a registry's
 * bearer token): masked by the runner, and removed by this step from every line it writes, the
 * summary and what registries say (registry-auth.ts `redact`).
 */
export function addCredential(value: string): void {
  if (!value || credentials.includes(value)) return
  setSecret(value)
  credentials = [...credentials, value].sort((a, b) => b.length - a.length)
}

export function setFailed(message: string): void {
  error(message)
  process.exitCode = 1
}

export const startGroup = (name: string): void => command('group', name)
export const endGroup = (): void => command('endgroup', '')

export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  command('group', name)
  try {
    return await fn()
  } finally {
    command('endgroup', '')
  }
}

/** Appends Markdown to the job summary file (credentials removed), when the runner gives one. */
export function appendSummary(markdown: string): void {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (markdown && file) appendFileSync(file, redactCredentials(markdown))
}

/** Appends `name<<delimiter` / value / delimiter to one of the runner's command files. */
function fileCommand(envName: string, name: string, value: string): void {
  const file = process.env[envName]
  if (!file) {
    // Outside a runner (e.g. a local try-out) show what would have been recorded.
    if (envName === 'GITHUB_OUTPUT') info(`output ${name}=${value}`)
    return
  }
  const delimiter = `ghadelimiter_${randomUUID()}`
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`unexpected delimiter in ${envName} value`)
  }
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`)
}

export const setOutput = (name: string, value: string): void =>
  fileCommand('GITHUB_OUTPUT', name, value)
export const exportVariable = (name: string, value: string): void => {
  process.env[name] = value
  fileCommand('GITHUB_ENV', name, value)
}
