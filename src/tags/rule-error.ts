// A problem found in one input line. The caller knows the input name and the line, and turns it
// into the user-facing one-line InputError: `<input>: <problem> in "<line>": <fix>`.
import { InputError, RuleError } from '../errors.js'

export { RuleError }

/** Formats the one-line message the user sees. */
export function lineMessage(input: string, line: string, problem: string, fix: string): string {
  return `${input}: ${problem} in "${line}": ${fix}`
}

/** Runs `fn`; a RuleError becomes an InputError that quotes `line` of `input`. */
export function atLine<T>(input: string, line: string, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof RuleError) throw new InputError(lineMessage(input, line, e.problem, e.fix))
    throw e
  }
}
