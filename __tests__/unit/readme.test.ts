// The README's troubleshooting table is the diagnosis table of src/diagnose.ts, rendered.
// `UPDATE_README=1` rewrites it (npm run readme does); otherwise a difference fails the test.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { diagnosisTable } from '../../src/diagnose.js'

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
  expect(diagnosisTable.length).toBeGreaterThanOrEqual(20)
})
