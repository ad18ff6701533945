// After the e2e suite: every secret a run was given (token, github-token, secrets values) must
// appear nowhere in what any run showed (visible log, stderr, outputs, summary).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const allowEmpty = process.argv.includes('--allow-empty')
const dir = process.argv.filter(a => a !== '--allow-empty')[2]
const runs = readdirSync(dir).map(f => JSON.parse(readFileSync(join(dir, f), 'utf8')))
const secrets = new Set(runs.flatMap(r => r.secrets))
const shown = runs.map(r => r.shown).join('\n')
const leaks = [...secrets].filter(s => shown.includes(s))
if (runs.length === 0) {
  console.error('secret scan: no transcripts were recorded')
  process.exit(allowEmpty ? 0 : 1)
}
if (leaks.length) {
  console.error(`secret scan: ${leaks.length} secret(s) appear in the e2e logs or outputs`)
  process.exit(1)
}
console.log(`secret scan: ${secrets.size} secrets over ${runs.length} step runs, 0 occurrences`)
