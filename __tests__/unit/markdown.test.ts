// The summary's escaping helpers, checked by rendering as GitHub does (gfm.ts: GFM, raw HTML,
// GitHub's sanitizer): what comes out is the text that went in, shown, never HTML, a link or a
// way out of its table, block or <details>.
import { code, codeCell, fence, tableRow, text } from '../../src/markdown.js'
import { renderGfm as render, visible as shown } from './gfm.js'

const HOSTILE = [
  'plain words',
  'www.evil.example and https://evil.example/x and mail@evil.example',
  '<img src=x onerror=alert(1)> <a href="https://evil.example">x</a> <script>x</script>',
  '</details></summary></td></table>',
  '**bold** _em_ ~~del~~ [link](https://evil.example) ![i](x.png) $x^2$',
  '`code` ``two`` ``` three',
  'pipe | in | cell \\| escaped \\\\| double',
  '# heading-like',
  '- list-like',
  '1. ordered-like',
  '&amp; &lt;entity&gt; &#60;',
  'back\\slash\\',
  ' leading and trailing space ',
  '`starts with a tick',
  'ends with a tick`'
]

describe('text', () => {
  test.each(HOSTILE)('%j shows as itself in a paragraph, with no element', value => {
    const html = render(`before ${text(value)} after`)
    const inner = /^<p>(.*)<\/p>$/.exec(html)
    expect(inner).not.toBeNull()
    expect(inner![1]).not.toMatch(/<[a-z]/i)
    expect(shown(inner![1])).toBe(`before ${value} after`)
  })

  test.each(HOSTILE)('%j as a list item stays one item', value => {
    const html = render(`- ${text(value)}\n- second`)
    expect(html.match(/<li>/g)).toHaveLength(2)
    expect(html).not.toMatch(/<(a|img|script|h1|ol|strong|em|del|code|table)[\s>]/)
  })

  test('control characters become spaces: one line', () => {
    expect(text('a\nb\r::x')).toBe('a b \\:\\:x')
  })
})

describe('code and codeCell', () => {
  test.each(HOSTILE)('code(%j) shows verbatim in one code element', value => {
    const html = render(`x ${code(value)} y`)
    const inner = /^<p>x <code>(.*)<\/code> y<\/p>$/.exec(html)
    expect(inner).not.toBeNull()
    expect(shown(inner![1])).toBe(value)
  })

  test.each(HOSTILE)('codeCell(%j) keeps the table whole and shows the value', value => {
    const table = ['| a | b |', '| --- | --- |', tableRow([codeCell(value), text(value)])].join(
      '\n'
    )
    const html = render(table)
    const cells = [...html.matchAll(/<td>(.*?)<\/td>/g)].map(m => m[1])
    expect(cells).toHaveLength(2)
    expect(shown(cells[0])).toBe(value)
    expect(shown(cells[1])).toBe(value.trim())
    expect(cells[0]).toMatch(/^<code>.*<\/code>$/)
    expect(html).not.toMatch(/<(a|img|script)[\s>]/)
  })

  test('the empty value is no code at all', () => {
    expect(code('')).toBe('')
    expect(codeCell('')).toBe('')
  })
})

describe('fence', () => {
  test('holds every line verbatim inside <details>, whatever the lines hold', () => {
    const lines = [...HOSTILE, '```', '````````', '~~~', '</details>', 'line\nbreak']
    const md = [
      '<details><summary>labels</summary>',
      '',
      ...fence(lines),
      '',
      '</details>',
      ''
    ].join('\n')
    const html = render(md)
    const block = /<pre><code>([\s\S]*?)<\/code><\/pre>/.exec(html)
    expect(block).not.toBeNull()
    expect(shown(block![1]).split('\n')).toEqual([...lines.map(l => l.replace(/\n/g, ' ')), ''])
    expect(html.match(/<details>/g)).toHaveLength(1)
    expect(html.match(/<\/details>/g)).toHaveLength(1)
    expect(html.trim().endsWith('</details>')).toBe(true)
  })
})
