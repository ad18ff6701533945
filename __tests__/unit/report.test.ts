// The plan and the command lines as the log shows them (issue 11, point 7): each label once, the
// default set's own rule shown as "default set".
import { buildCommand } from '../../src/build-command.js'
import { contextFromEnv } from '../../src/context.js'
import { parseInputs } from '../../src/inputs.js'
import { computePlan, type Plan } from '../../src/plan.js'
import { commandLine, planLines } from '../../src/report.js'

const SHA = 'abc1234def5678abc1234def5678abc1234def56'

function plan(inputs: Record<string, string> = {}, ref = 'refs/heads/main'): Plan {
  const ctx = contextFromEnv(
    {
      GITHUB_REPOSITORY: 'Acme-Org/Hello-App',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: ref,
      GITHUB_SHA: SHA,
      GITHUB_SERVER_URL: 'https://github.com'
    },
    { repository: { default_branch: 'main' } }
  )
  const settings = parseInputs(name => ({ username: 'octo', token: 'tok', ...inputs })[name] ?? '')
  return computePlan({
    settings,
    ctx,
    now: new Date('2026-11-26T12:00:00.000Z'),
    metadataFile: '/t/m.json',
    iidFile: '/t/iid',
    secretsDir: '/t/secrets',
    localTag: 'local-1'
  })
}

/** How often `needle` occurs in `text`. */
const count = (text: string, needle: string): number => text.split(needle).length - 1

describe('planLines', () => {
  test.each([
    // [inputs, ref, the latest tag's line, the tags header]
    [{}, 'refs/heads/main', /^ {2}latest +← default set$/, 'tags (the default set):'],
    [{}, 'refs/tags/v1.2.3', /^ {2}latest +← default set$/, 'tags (the default set):'],
    // a rule the user wrote is shown as written, even when it reads like the default set's
    [
      { tags: 'type=raw,value=latest\ntype=sha' },
      'refs/heads/main',
      /^ {2}latest +← type=raw,value=latest$/,
      'tags:'
    ]
  ])('%j on %s', (inputs, ref, latestLine, header) => {
    const lines = planLines(plan(inputs, ref), false)
    expect(lines).toContain(header)
    expect(lines.filter(l => latestLine.test(l))).toHaveLength(1)
    expect(lines.join('\n')).not.toContain('enable={{is_default_branch}},priority=50')
  })

  test.each([
    [{}, 'manifest'],
    [{ platforms: 'linux/amd64,linux/arm64' }, 'index and manifest']
  ])('each label once, the annotations that repeat them summed up (%j)', (inputs, levels) => {
    const p = plan(inputs)
    const text = planLines(p, false).join('\n')
    for (const [k, v] of p.labels) expect(count(text, `${k}=${v}`)).toBe(1)
    expect(text).toContain(`annotations: the labels above, on the ${levels}`)
  })

  // Trial of a real workflow (docs/trials.md): with push: false and no tag, nothing said why.
  test('no tag on this event: the tags line says why', () => {
    const lines = planLines(plan({ tags: 'type=ref,event=tag', push: 'false' }), false)
    expect(lines).toContain(
      'tags: none: no tag applies to this push event (ref refs/heads/main): type=ref,event=tag: not a tag push'
    )
  })

  test('the push decision: what a real run does, "would push" in a dry run', () => {
    expect(planLines(plan(), false).at(-1)).toBe('push: yes (push: auto, a push to branch main)')
    expect(planLines(plan({ push: 'false' }), true).at(-1)).toBe('would push: no (push: false)')
  })
})

describe('commandLine with the plan: the labels it printed are not printed again', () => {
  test.each([
    [{}, '‹the labels above, on the manifest›'],
    [{ platforms: 'linux/amd64,linux/arm64' }, '‹the labels above, on the index and manifest›']
  ])('%j', (inputs, annotations) => {
    const p = plan(inputs)
    const line = commandLine(buildCommand(p, undefined).argv, p)
    for (const [k, v] of p.labels) expect(line).not.toContain(`${k}=${v}`)
    expect(count(line, '--label ')).toBe(1)
    expect(line).toContain(`--label ‹the ${p.labels.length} labels above›`)
    expect(count(line, '--annotation ')).toBe(1)
    expect(line).toContain(`--annotation ${annotations}`)
    for (const ref of p.refs) expect(line).toContain(`--tag ${ref}`)
  })

  test('a label or annotation of its own (not in the plan as a label) stays in the line', () => {
    const p = plan({ annotations: 'index:org.example.note=only here' })
    const line = commandLine(buildCommand(p, undefined).argv, p)
    expect(line).toContain(`--annotation 'index:org.example.note=only here'`)
    expect(count(line, '--annotation ')).toBe(2)
  })

  test('a merge shows its imagetools command with the index annotations summed up', () => {
    const p = plan({ 'merge-digests': `sha256:${'d'.repeat(64)}`, push: 'true' })
    const line = commandLine(p.mergeArgvs[0], p)
    expect(line).toMatch(/^docker buildx imagetools create --tag /)
    expect(line).toContain('--annotation ‹the labels above, on the index›')
    expect(line).toContain(`ghcr.io/acme-org/hello-app@sha256:${'d'.repeat(64)}`)
  })

  test('without the plan, every argument is shown, quoted for a shell', () => {
    expect(commandLine(['buildx', 'build', '--label', 'a=b c', '--', '.'])).toBe(
      "docker buildx build --label 'a=b c' -- ."
    )
  })
})
