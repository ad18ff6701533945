// How raw input values are read: the runner's INPUT_* variables, lists, booleans. Pure; shared
// by the modules that parse inputs (inputs.ts, build-options.ts, docker-action-inputs.ts).
import { InputError } from './errors.js'

/** Returns the raw (untrimmed) value of an input, '' when unset. */
export type InputReader = (name: string) => string

/** The runner's variable for an input: INPUT_<NAME>, upper case, spaces as underscores. */
export const inputVariable = (name: string): string =>
  `INPUT_${name.replace(/ /g, '_').toUpperCase()}`

/** Reads inputs the way the runner passes them (see inputVariable). */
export function envInputReader(env: Record<string, string | undefined>): InputReader {
  return name => env[inputVariable(name)] ?? ''
}

/** Non-empty lines, trimmed, without `#` comment lines. */
export function lines(value: string): string[] {
  return value
    .split(/\r\n|\r|\n/)
    .map(l => l.trim())
    .filter(l => l !== '' && !l.startsWith('#'))
}

/** build-push-action's List/CSV inputs: one value per line or several on a line, comma-separated. */
export const csvLines = (value: string): string[] => lines(value.replace(/,/g, '\n'))

export const fail = (message: string): never => {
  throw new InputError(message)
}

export function bool(read: InputReader, name: string, dflt: boolean): boolean {
  const v = read(name).trim().toLowerCase()
  if (v === '') return dflt
  if (v === 'true') return true
  if (v === 'false') return false
  return fail(`${name}: "${read(name).trim()}" is not a boolean: use true or false`)
}
