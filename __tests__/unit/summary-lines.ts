// A rendered job summary as lines of what a reader sees, for tests that look for a line: one line
// per heading, paragraph, list item, table row (cells end with ` | `) or <summary>; a code block's
// lines as they are. Built on ./gfm.ts (GitHub's rendering and sanitizing, and what is visible).
import { renderGfm, visible } from './gfm.js'

export function shownLines(html: string): string[] {
  const blocks = html
    .replace(/\n(?=<t[dh][ >])/g, '') // a table row on one line
    .replace(/<\/(?:p|h2|li|tr|summary)>|<br>/g, '\n')
    .replace(/<\/t[dh]>/g, ' | ')
  return visible(blocks)
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
}

/** The summary rendered as GitHub would, and its lines. */
export function shownSummary(markdown: string): { html: string; lines: string[] } {
  const html = renderGfm(markdown)
  return { html, lines: shownLines(html) }
}
