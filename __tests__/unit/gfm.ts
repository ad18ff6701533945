// The job summary as GitHub shows it, for tests: GitHub Flavored Markdown with raw HTML kept and
// then sanitized with GitHub's allowlist (the pipeline scripts/summary-screenshots.mjs uses).
// `<a>`, `<img>`, `<details>` and `<code>` survive the sanitizer, so a test can see whether text
// from outside became a link or an image, or broke out of its block.
import rehypeRaw from 'rehype-raw'
import rehypeSanitize from 'rehype-sanitize'
import rehypeStringify from 'rehype-stringify'
import remarkGfm from 'remark-gfm'
import remarkParse from 'remark-parse'
import remarkRehype from 'remark-rehype'
import { unified } from 'unified'

const pipeline = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkRehype, { allowDangerousHtml: true })
  .use(rehypeRaw)
  .use(rehypeSanitize)
  .use(rehypeStringify)

/** Markdown → the sanitized HTML GitHub would show. */
export const renderGfm = (markdown: string): string => String(pipeline.processSync(markdown))

const NAMED: Record<string, string> = { lt: '<', gt: '>', quot: '"', amp: '&', nbsp: '\u00a0' }

/**
 * What a reader sees of some HTML: tags dropped, character references decoded (in one pass), and
 * the zero-width spaces that src/markdown.ts puts into would-be autolinks dropped (they show as
 * nothing).
 */
export function visible(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(
      /&(?:#x([0-9a-f]+)|#(\d+)|([a-z]+));/gi,
      (m, hex?: string, dec?: string, name?: string) =>
        hex
          ? String.fromCodePoint(parseInt(hex, 16))
          : dec
            ? String.fromCodePoint(Number(dec))
            : (NAMED[name ?? ''] ?? m)
    )
    .replace(/\u200b/g, '')
}
