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

/** What a reader sees of some HTML: tags dropped, character references decoded. */
export function visible(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
}
