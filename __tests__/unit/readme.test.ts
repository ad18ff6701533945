// The README's troubleshooting table is the diagnosis table of src/diagnose.ts, rendered.
// `UPDATE_README=1` rewrites it and the migration table below (npm run readme does); otherwise
// a difference fails the test.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { diagnosisTable } from '../../src/diagnose.js'
import { DOCKER_ACTION_INPUTS, type Becomes } from '../../src/docker-action-inputs.js'
import { STEP_INPUTS } from '../../src/input-names.js'

const README = join(process.cwd(), 'README.md')
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

function render(): string {
  return [
    '| the registry or docker says | phase | cause | what to do |',
    '| --- | --- | --- | --- |',
    ...diagnosisTable.map(
      r => `| \`${cell(r.says)}\` | ${r.phases.join(', ')} | ${cell(r.cause)} | ${cell(r.fix)} |`
    )
  ].join('\n')
}

test('README troubleshooting table matches the diagnosis table', () => {
  const text = readFileSync(README, 'utf8')
  const re = /(<!-- troubleshooting:start -->)[\s\S]*?(<!-- troubleshooting:end -->)/
  expect(text).toMatch(re)
  const updated = text.replace(re, `$1\n${render()}\n$2`)
  if (process.env.UPDATE_README === '1') writeFileSync(README, updated)
  else expect(text).toBe(updated)
})

// The README's "Moving from the docker actions" table is DOCKER_ACTION_INPUTS, rendered; the
// table itself is checked against action.yml and against the docker actions' own input lists.
const action = parse(readFileSync(join(process.cwd(), 'action.yml'), 'utf8')) as {
  inputs: Record<string, unknown>
}
const ours = Object.keys(action.inputs)
const dockerActions = JSON.parse(
  readFileSync(join(process.cwd(), '__tests__/fixtures/docker-action-inputs.json'), 'utf8')
) as Record<string, string[] | string>

function here(b: Becomes): string {
  const code = (s: string): string => `\`${s}\``
  switch (b.kind) {
    case 'same':
      return b.note ? `same — ${b.note}` : 'same'
    case 'alias':
      return `accepted, as ${code(b.to)} — ${b.note}`
    case 'differs':
      return `other meaning — ${b.note}`
    case 'refused':
      return `**refused**: ${b.why} — ${b.fix}${b.dflt ? ` (${code(b.dflt)}, the default, passes)` : ''}`
  }
}

function renderMigration(): string {
  return [
    '| docker action | input | here |',
    '| --- | --- | --- |',
    ...DOCKER_ACTION_INPUTS.map(
      d => `| ${d.action.replace('docker/', '')} | \`${d.name}\` | ${cell(here(d.becomes))} |`
    )
  ].join('\n')
}

test('README migration table matches DOCKER_ACTION_INPUTS', () => {
  const text = readFileSync(README, 'utf8')
  const re = /(<!-- migration:start -->)[\s\S]*?(<!-- migration:end -->)/
  expect(text).toMatch(re)
  const updated = text.replace(re, `$1\n${renderMigration()}\n$2`)
  if (process.env.UPDATE_README === '1') writeFileSync(README, updated)
  else expect(text).toBe(updated)
})

test("STEP_INPUTS is action.yml's inputs, in order", () => {
  expect(STEP_INPUTS).toEqual(ours)
})

test('the table lists every input of the four docker actions, once, and nothing else', () => {
  for (const [name, inputs] of Object.entries(dockerActions)) {
    if (name === 'about') continue
    const listed = DOCKER_ACTION_INPUTS.filter(d => d.action === name).map(d => d.name)
    expect([...listed].sort()).toEqual([...(inputs as string[])].sort())
  }
  expect(new Set(DOCKER_ACTION_INPUTS.map(d => d.action))).toEqual(
    new Set(Object.keys(dockerActions).filter(k => k !== 'about'))
  )
})

test('what the table says agrees with action.yml', () => {
  const wrong = DOCKER_ACTION_INPUTS.flatMap(({ action: a, name, becomes: b }) => {
    const declared = ours.includes(name)
    if (b.kind === 'same' || b.kind === 'differs')
      return declared ? [] : [`${a} ${name}: not in action.yml`]
    if (b.kind === 'alias')
      return declared && ours.includes(b.to) ? [] : [`${a} ${name}: alias not declared`]
    // a refused input that action.yml now declares is no longer refused
    return declared ? [`${a} ${name}: in action.yml, so it is not ${b.kind}`] : []
  })
  expect(wrong).toEqual([])
})
