// The runner's workflow commands (log lines, groups, masks, outputs, state, summary file),
// written directly. Why not @actions/core: loading it costs ~80-100 ms (its OIDC client pulls in
// undici), a third of our whole overhead budget over the bare docker commands, for a few lines
// of protocol that are easy to get right (see docs/decisions.md).
import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { EOL } from 'node:os'

const escapeData = (s: string): string =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')

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
    for (const text of mine) process.stdout.write(text)
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

function command(name: string, message: string): void {
  const text = `::${name}::${escapeData(message)}${EOL}`
  if (name === 'add-mask') process.stdout.write(text)
  else write(text)
}

export const info = (message: string): void => write(message + EOL)
export const debug = (message: string): void => command('debug', message)
export const notice = (message: string): void => command('notice', message)
export const warning = (message: string): void => command('warning', message)
export const error = (message: string): void => command('error', message)

/** Registers a value for masking: the runner consumes this line and never prints it. */
export const setSecret = (secret: string): void => command('add-mask', secret)

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
export const saveState = (name: string, value: string): void =>
  fileCommand('GITHUB_STATE', name, value)
export const exportVariable = (name: string, value: string): void => {
  process.env[name] = value
  fileCommand('GITHUB_ENV', name, value)
}
export const getState = (name: string): string => process.env[`STATE_${name}`] ?? ''
