// Escaping for the job summary (GitHub-flavoured Markdown with a little HTML). Pure. Every value
// that did not come from this code (branch and tag names, the repository's description, a
// registry's words, the user's labels) goes through one of these helpers, so that it shows as the
// text it is: no HTML of its own, no link, no emphasis, no way out of the table, code block or
// <details> it stands in. See README "Security".
import { cleanText } from './context.js'

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }

/** An invisible character that ends an autolink's pattern: U+200B ZERO WIDTH SPACE. */
const BREAK = '\u200b'

/**
 * Inline text, safe in a paragraph, a list item and a table cell: control characters become
 * spaces (one line), HTML's special characters entities, and the characters Markdown gives a
 * meaning are backslash-escaped: no emphasis, link, code, list, heading or math; `\|` does not end
 * a table cell. GFM finds autolinks (`www.x`, `https://x`, `a@b.c`) after escapes are resolved,
 * so an invisible zero-width space goes into each such pattern: after `www` and `:`, before `@`.
 */
export function text(value: string): string {
  return cleanText(value)
    .replace(/(www)\./gi, `$1${BREAK}.`)
    .replace(/:\/\//g, `:${BREAK}//`)
    .replace(/@/g, `${BREAK}@`)
    .replace(/[&<>"]|[\\`*_{}[\]()#+\-.!|~:@$]/g, c => ENTITIES[c] ?? `\\${c}`)
}

/** The longest run of backticks in `s`. */
const longestTicks = (s: string): number =>
  Math.max(0, ...(s.match(/`+/g) ?? []).map(r => r.length))

/** A code span showing `s` verbatim (GFM strips one space from each end when both are spaces). */
function span(s: string): string {
  const ticks = '`'.repeat(longestTicks(s) + 1)
  const pad = /^[ `]|[ `]$/.test(s) && s.trim() !== '' ? ' ' : ''
  return `${ticks}${pad}${s}${pad}${ticks}`
}

/** Inline code outside a table: the value verbatim, in one line. */
export function code(value: string): string {
  const s = cleanText(value)
  return s === '' ? '' : span(s)
}

/**
 * Inline code inside a table cell. A `|` would end the cell even in a code span, so it is
 * written `\|` (which GFM shows as `|` there); a backslash before it cannot be told from that
 * escape, so a value with a backslash becomes escaped text in an HTML <code> element instead.
 */
export function codeCell(value: string): string {
  const s = cleanText(value)
  if (s === '') return ''
  return s.includes('\\') ? `<code>${text(s)}</code>` : span(s).replace(/\|/g, '\\|')
}

/** One table row from cells that are already inline Markdown (made with `text` / `codeCell`). */
export const tableRow = (cells: string[]): string => `| ${cells.join(' | ')} |`

/**
 * A fenced code block holding `lines` verbatim (control characters become spaces, so each line
 * stays one line). The fence is longer than any run of backticks in the content, so no line can
 * close it; the content is code, so HTML in it is shown, not rendered. `language` (ours, never
 * from outside: `sh`, `text`) is the info string.
 */
export function fence(lines: string[], language: '' | 'sh' | 'text' = ''): string[] {
  const body = lines.map(cleanText)
  const marks = '`'.repeat(Math.max(3, ...body.map(l => longestTicks(l) + 1)))
  return [`${marks}${language}`, ...body, marks]
}
