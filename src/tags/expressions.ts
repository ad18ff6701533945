// The `{{...}}` expressions of the tag language: a small, strict subset of the Handlebars syntax
// docker/metadata-action uses. `{{name}}`, `{{name 'arg'}}`, `{{name 'arg' key='value'}}`.
// Unlike Handlebars we reject unknown names and unquoted arguments instead of printing nothing,
// and we do not HTML-escape the result (tags are sanitized afterwards anyway).
import { RuleError } from './rule-error.js'

export interface Arg {
  text: string
  quoted: boolean
}

export interface Call {
  name: string
  params: Arg[]
  hash: Record<string, Arg>
  source: string // the whole `{{...}}` as written, for messages
}

export type Helper = (call: Call) => string
export type Scope = Record<string, Helper>

/** A helper that takes no arguments and returns `value()`. */
export const plain =
  (value: () => string): Helper =>
  call => {
    if (call.params.length || Object.keys(call.hash).length) {
      throw new RuleError(`${call.source} takes no arguments`, `write {{${call.name}}}`)
    }
    return value()
  }

const WORD = /^[A-Za-z_][\w.-]*/

function parseCall(inner: string, source: string): Call {
  let rest = inner.trim()
  const nameMatch = WORD.exec(rest)
  if (!nameMatch) throw new RuleError(`empty or invalid expression ${source}`, 'write {{name}}')
  const call: Call = { name: nameMatch[0], params: [], hash: {}, source }
  rest = rest.slice(nameMatch[0].length)
  while ((rest = rest.trimStart())) {
    let key: string | undefined
    const keyMatch = /^([A-Za-z_]\w*)=/.exec(rest)
    if (keyMatch) {
      key = keyMatch[1]
      rest = rest.slice(keyMatch[0].length)
    }
    let arg: Arg
    const q = rest[0]
    if (q === "'" || q === '"') {
      const end = rest.indexOf(q, 1)
      if (end < 0) throw new RuleError(`unclosed quote in ${source}`, `close it with ${q}`)
      arg = { text: rest.slice(1, end), quoted: true }
      rest = rest.slice(end + 1)
    } else {
      const word = /^[^\s'"]+/.exec(rest)?.[0] ?? ''
      arg = { text: word, quoted: false }
      rest = rest.slice(word.length)
    }
    if (key !== undefined) call.hash[key] = arg
    else call.params.push(arg)
  }
  return call
}

/** Replaces every `{{...}}` of `template` using `scope`; throws RuleError on a bad expression. */
export function render(template: string, scope: Scope): string {
  let out = ''
  let i = 0
  for (;;) {
    const open = template.indexOf('{{', i)
    if (open < 0) return out + template.slice(i)
    const close = template.indexOf('}}', open + 2)
    if (close < 0) {
      throw new RuleError('unclosed {{', 'close the expression with }}')
    }
    const source = template.slice(open, close + 2)
    const call = parseCall(template.slice(open + 2, close), source)
    const helper = Object.prototype.hasOwnProperty.call(scope, call.name)
      ? scope[call.name]
      : undefined
    if (!helper) {
      throw new RuleError(
        `unknown expression ${source}`,
        `use one of ${Object.keys(scope)
          .map(n => `{{${n}}}`)
          .join(', ')}`
      )
    }
    out += template.slice(i, open) + helper(call)
    i = close + 2
  }
}

/** True when `template` is exactly one `{{raw}}` (metadata-action keeps pre-releases raw then). */
export function isRawStatement(template: string): boolean {
  return /^\{\{\s*raw\s*\}\}$/.test(template)
}

/** True when `template` has an expression (its value then depends on the event). */
export const hasExpression = (template: string): boolean => template.includes('{{')
