// Writes the README's inputs and outputs tables from action.yml (between the marker comments),
// so the two cannot drift. `--check` exits 1 instead of writing when the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'

const root = resolve(import.meta.dirname, '..')
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8'))
const cell = s => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ')
const code = s => (s === '' ? '' : `\`${s}\``)

const inputs = [
  '| input | default | description |',
  '| --- | --- | --- |',
  ...Object.entries(action.inputs).map(
    ([name, i]) => `| \`${name}\` | ${cell(code(i.default ?? ''))} | ${cell(i.description)} |`
  )
].join('\n')
const outputs = [
  '| output | description |',
  '| --- | --- |',
  ...Object.entries(action.outputs).map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`)
].join('\n')

export function render(readme) {
  const put = (text, name, table) =>
    text.replace(
      new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`),
      `$1\n${table}\n$2`
    )
  return put(put(readme, 'inputs', inputs), 'outputs', outputs)
}

const file = join(root, 'README.md')
const before = readFileSync(file, 'utf8')
const after = render(before)
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('README.md inputs/outputs tables differ from action.yml: run npm run readme')
    process.exit(1)
  }
  console.log('README.md tables match action.yml')
} else {
  writeFileSync(file, after)
}
