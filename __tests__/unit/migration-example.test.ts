// README "Moving from the docker actions", read as a migrating user reads it (docs/trials.md):
// the After step must push on the same events as the Before workflow, with the same tags, and
// the block offered for users without a `tags:` block must give metadata-action's default tags.
import { readFileSync } from 'node:fs'
import { describe, expect, test } from '@jest/globals'
import YAML from 'yaml'
import { parseInputs } from '../../src/inputs.js'
import { computePlan } from '../../src/plan.js'
import { extractSnippets } from './doc-snippets.js'
import { ctxOf, EVENTS, expressionContext, interpolate } from './sample-run.js'
import type { Yaml } from './workflow-lint.js'

const readme = readFileSync('README.md', 'utf8')
const section = readme.slice(
  readme.indexOf('## Moving from the docker actions'),
  readme.indexOf('### Every input of the docker actions')
)
const [before, after, metadataDefaults] = extractSnippets('README.md', section).map(
  s => YAML.parse(s.text) as Yaml
)
const stepOf = (steps: Yaml[], uses: RegExp): Yaml =>
  steps.find(s => uses.test(String(s.uses)))?.with ?? {}
const defaults = (YAML.parse(readFileSync('action.yml', 'utf8')) as Yaml).inputs as Yaml

function planFor(event: (typeof EVENTS)[number], withMap: Yaml) {
  const ctx = ctxOf(event)
  const context = expressionContext(event, ctx)
  const read = (name: string) =>
    interpolate(String(withMap[name] ?? defaults[name]?.default ?? ''), context)
  return computePlan({
    settings: parseInputs(read),
    ctx,
    now: new Date('2026-01-10T00:30:00Z'),
    metadataFile: '/t/m',
    iidFile: '/t/i',
    secretsDir: '/t/s',
    localTag: 'local-1'
  })
}

describe('the Before and After of the migration example', () => {
  const buildPush = stepOf(before.steps, /docker\/build-push-action@/)
  const metadata = stepOf(before.steps, /docker\/metadata-action@/)
  const ours = stepOf(after.steps, /ghcr-build-push@/)

  test('keep the same tag rules', () => {
    expect(ours.tags).toEqual(metadata.tags)
  })

  test.each(EVENTS.map(e => [e.name, e] as const))('push on the same events: %s', (_n, event) => {
    const pushedBefore =
      interpolate(String(buildPush.push), expressionContext(event, ctxOf(event))) === 'true'
    expect(planFor(event, ours).push).toBe(pushedBefore)
  })
})

// metadata-action's own documentation and test cases (its default set): tag push v1.2.3 →
// `v1.2.3` and `latest`, a branch → the branch, a pull request → `pr-N`, a scheduled run on a
// branch → `nightly` and the branch (__tests__/fixtures/metadata-action, schedule cases).
describe("the block for users without a tags: block gives metadata-action's default tags", () => {
  const expected: Record<string, string[]> = {
    'push to main': ['main'],
    'push of tag v1.2.3': ['v1.2.3', 'latest'],
    'pull request #15': ['pr-15'],
    schedule: ['nightly', 'main']
  }
  test.each(EVENTS.map(e => [e.name, e] as const))('%s', (name, event) => {
    const tags = YAML.parse(`tags: ${JSON.stringify(metadataDefaults.tags)}`) as Yaml
    expect(planFor(event, tags).tags.map(t => t.name)).toEqual(expected[name])
  })
})
