// Every ```yaml snippet of README.md and docs/*.md must work when pasted into a workflow
// (doc-snippets.ts says how each is checked). The second half feeds the checker bad snippets to
// prove that each check bites.
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from '@jest/globals'
import {
  checkSnippets,
  documentationFiles,
  extractSnippets,
  type Snippet,
  type SnippetReport
} from './doc-snippets.js'

const FILES = documentationFiles()
const snippets = FILES.flatMap(f => extractSnippets(f, readFileSync(f, 'utf8')))

describe('the documentation snippets', () => {
  let report: SnippetReport
  beforeAll(async () => {
    report = await checkSnippets(snippets)
  }, 60_000)

  it('all work when pasted: input parser, plan, action.yml inputs, actionlint, workflow-parser', () => {
    const skipped = report.notChecked.map(s => `${s.file}:${s.line} (${s.skip})`)
    const shown = report.findings.length
      ? [
          ...report.findings,
          `(and ${skipped.length} snippet(s) not checked, by marker${skipped.length ? ': ' + skipped.join(', ') : ''})`
        ]
      : []
    expect(shown).toEqual([])
  })

  it('are all found: one per ```yaml fence of README.md and docs/*.md', () => {
    expect(FILES).toEqual(expect.arrayContaining(['README.md', 'docs/tags.md']))
    for (const file of FILES) {
      const fences = readFileSync(file, 'utf8').match(/^\s*```ya?ml\s*$/gm) ?? []
      expect([file, snippets.filter(s => s.file === file).length]).toEqual([file, fences.length])
    }
    expect(snippets.filter(s => s.file === 'README.md').length).toBeGreaterThan(10)
  })

  it('each snippet that names this action has its step or workflow call checked', () => {
    const missed = report.checked
      .filter(c => /ghcr-build-push/.test(c.snippet.text.replace(/#.*$/gm, '')) && c.uses === 0)
      .map(c => `${c.snippet.file}:${c.snippet.line}`)
    expect(missed).toEqual([])
    expect(report.checked.filter(c => c.uses > 0).length).toBeGreaterThan(20)
  })

  it('leave out at most 2 snippets by marker, each with a reason', () => {
    expect(report.notChecked.length).toBeLessThanOrEqual(2)
    for (const s of report.notChecked) expect(s.skip).toMatch(/\S/)
  })
})

describe('the snippet checker catches', () => {
  // [what, the Markdown, the one finding expected]
  const fence = (yaml: string) => '```yaml\n' + yaml + '\n```\n'
  const cases: [string, string, RegExp][] = [
    [
      'a # comment inside a | block',
      fence('secrets: |\n  npm=${{ secrets.NPM }} # the npm token'),
      /^case-\d+\.md:2: with: "secrets" has a "#" in its value/
    ],
    [
      'a # comment inside a | block of another action`s step',
      fence(
        '- uses: docker/setup-buildx-action@v4\n  with:\n    buildkitd-config-inline: |\n      debug = true # verbose'
      ),
      /: docker\/setup-buildx-action@v4: with: "buildkitd-config-inline" has a "#"/
    ],
    [
      'a with: key that action.yml does not declare',
      fence('- uses: OWNER/ghcr-build-push@v1\n  with:\n    passwrd: x'),
      /: with: "passwrd" is not an input of action\.yml$/
    ],
    [
      'an input error, with the parser`s message',
      fence('push: maybe'),
      /: push: "maybe" is not valid: use auto, true or false \(on a push to main, push of tag v1\.2\.3, pull request #15, schedule\)$/
    ],
    [
      'an input error that an expression produces on some events only',
      fence("push: ${{ github.event_name == 'push' && 'yes' || 'auto' }}"),
      /: push: "yes" is not valid.*\(on a push to main, push of tag v1\.2\.3\)$/
    ],
    [
      'a tag rule error in a rule that fires on a tag push only: found on every event',
      fence('tags: |\n  type=semver,pattern={{verison}}\n  type=sha'),
      /verison.*\(on a push to main, push of tag v1\.2\.3, pull request #15, schedule\)$/
    ],
    [
      'an empty username, where the default would have been github.actor',
      fence("- uses: OWNER/ghcr-build-push@v1\n  with:\n    username: ''"),
      /: username: empty/
    ],
    [
      'an actionlint finding in a whole workflow, at its line in the Markdown',
      'text\n\n' +
        fence(
          'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ steps.nope.outputs.x }}"'
        ),
      /^case-\d+\.md:9: actionlint: property "nope" is not defined/
    ],
    [
      'an actionlint finding in a list of steps (completed into a job), at its line',
      fence('- uses: actions/checkout@v6\n- run: echo "${{ steps.nope.outputs.x }}"'),
      /^case-\d+\.md:3: actionlint: property "nope" is not defined/
    ],
    [
      'an input the reusable workflow does not declare',
      fence(
        'jobs:\n  image:\n    uses: OWNER/ghcr-build-push/.github/workflows/build-push.yml@v1\n    with:\n      platform: linux/amd64'
      ),
      /: job image: with: "platform" is not declared by \.github\/workflows\/build-push\.yml$/
    ],
    ['broken YAML', fence('tags: [unclosed'), /: YAML: /],
    ['a snippet that is not a map or list', fence('just words'), /not a YAML map or list/],
    [
      'a not-checked marker without a reason',
      '<!-- snippet: not-checked -->\n' + fence('push: maybe'),
      /: the not-checked marker gives no reason/
    ]
  ]
  const GOOD = fence(
    '- uses: OWNER/ghcr-build-push@v1\n  with:\n    tags: |\n      type=sha\n    push: auto'
  )
  const SKIPPED =
    '<!-- snippet: not-checked because it shows an error -->\n\n' + fence('push: maybe')

  let findings: (file: string) => string[]
  let report: SnippetReport
  beforeAll(async () => {
    const all: Snippet[] = [
      ...cases.flatMap(([, md], i) => extractSnippets(`case-${i}.md`, md)),
      ...extractSnippets('good.md', GOOD),
      ...extractSnippets('skipped.md', SKIPPED)
    ]
    report = await checkSnippets(all)
    findings = file => report.findings.filter(f => f.startsWith(`${file}:`))
  }, 60_000)

  it.each(cases.map(([what, md, expected], i) => [what, i, md, expected] as const))(
    '%s',
    (_what, i, _md, expected) => {
      expect(findings(`case-${i}.md`)).toEqual([expect.stringMatching(expected)])
    }
  )

  it('and passes a good snippet', () => {
    expect(findings('good.md')).toEqual([])
    expect(report.checked.find(c => c.snippet.file === 'good.md')?.uses).toBe(1)
  })

  it('and skips, and counts, a bad snippet marked not-checked with a reason', () => {
    expect(findings('skipped.md')).toEqual([])
    expect(report.notChecked.map(s => [s.file, s.skip])).toEqual([
      ['case-12.md', ''],
      ['skipped.md', 'it shows an error']
    ])
  })
})
