// Checks the ```yaml snippets of the documentation as a user would use them: pasted into a
// workflow. Each snippet is completed into a whole workflow (a list of steps goes into a job, a
// bare map of inputs into a step of this action, a job into a workflow…), then:
//  - it must parse as YAML, and pass actionlint and @actions/workflow-parser;
//  - every step that uses this action gets its `with:` values as the runner would pass them
//    (action.yml defaults added, `${{ }}` expressions evaluated against a sample run) and goes
//    through the real input parser and the plan, for a push to main, a tag push, a pull request
//    and a schedule: any error is a finding;
//  - every `with:` key must be an input of action.yml (read now, not a copied list), and no value
//    may hold a `#` that looks like a comment (inside a `|` block it is part of the value);
//  - a call of the reusable workflow may only pass its declared inputs and secrets.
// A snippet preceded by `<!-- snippet: not-checked because <reason> -->` is skipped and counted.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { parseInputs } from '../../src/inputs.js'
import { computePlan } from '../../src/plan.js'
import { loadTagLibraries } from '../../src/tags/index.js'
import { ctxOf, EVENTS, expressionContext, interpolate } from './sample-run.js'
import { actionlint, workflowParser, type Yaml } from './workflow-lint.js'

export interface Snippet {
  file: string
  line: number // line of the snippet's first YAML line in `file`
  text: string
  /** Set when a not-checked marker precedes the snippet: its reason ('' when it gives none). */
  skip?: string
}

export interface SnippetReport {
  findings: string[]
  /** Each checked snippet with the number of steps of this action and calls of its reusable
   * workflow found in it. */
  checked: { snippet: Snippet; uses: number }[]
  notChecked: Snippet[]
}

const MARKER = /^\s*<!--\s*snippet:\s*not-checked\b(.*?)-->\s*$/

/** Every fenced yaml/yml block of a Markdown text, with the marker above it if any. */
export function extractSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n')
  const snippets: Snippet[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i])
    if (!open) continue
    const [, indent, fence, lang] = open
    let close = i + 1
    while (close < lines.length && lines[close].trim() !== fence) close++
    if (/^ya?ml$/i.test(lang)) {
      let above = i - 1
      while (above >= 0 && lines[above].trim() === '') above--
      const marker = above >= 0 ? MARKER.exec(lines[above]) : null
      const body = lines
        .slice(i + 1, close)
        .map(l => (l.startsWith(indent) ? l.slice(indent.length) : l))
      snippets.push({
        file,
        line: i + 2,
        text: body.join('\n') + '\n',
        ...(marker ? { skip: marker[1].replace(/^\s*because\b/, '').trim() } : {})
      })
    }
    i = close
  }
  return snippets
}

// ---- completing a snippet into a workflow -------------------------------------------------

const indent = (text: string, n: number) =>
  text
    .split('\n')
    .map(l => (l.trim() === '' ? '' : ' '.repeat(n) + l))
    .join('\n')
const JOB = 'on: push\njobs:\n  snippet:\n    runs-on: ubuntu-latest\n'
export const OUR_STEP = 'OWNER/ghcr-build-push@v1'

/** The snippet as a whole workflow, and how many lines were put before the snippet's text. */
function complete(text: string, tree: unknown): { workflow: string; offset: number } {
  const keys = tree && typeof tree === 'object' && !Array.isArray(tree) ? Object.keys(tree) : []
  if (Array.isArray(tree)) return { workflow: `${JOB}    steps:\n${indent(text, 6)}`, offset: 5 }
  if (keys.includes('jobs'))
    return keys.includes('on')
      ? { workflow: text, offset: 0 }
      : { workflow: `on: push\n${text}`, offset: 1 }
  if (keys.includes('on'))
    return {
      workflow: `${text}\njobs:\n  snippet:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n`,
      offset: 0
    }
  if (keys.includes('steps') || keys.includes('runs-on')) {
    const runsOn = keys.includes('runs-on') ? '' : '    runs-on: ubuntu-latest\n'
    return {
      workflow: `on: push\njobs:\n  snippet:\n${runsOn}${indent(text, 4)}`,
      offset: 3 + (runsOn ? 1 : 0)
    }
  }
  if (keys.includes('uses') || keys.includes('run'))
    return {
      workflow: `${JOB}    steps:\n${indent(`- ${text.replace(/\n(?=.)/g, '\n  ')}`, 6)}`,
      offset: 5
    }
  // A bare map: the `with:` of this action.
  return {
    workflow: `${JOB}    steps:\n      - uses: ${OUR_STEP}\n        with:\n${indent(text, 10)}`,
    offset: 7
  }
}

const asInput = (value: unknown): string | undefined =>
  value === null || value === undefined ? '' : typeof value === 'object' ? undefined : String(value)

/** `#` after a space or at a line start: meant as a YAML comment, but a value keeps it. */
const COMMENT_IN_VALUE = /(^|\s)#/

/** Every value of a `with:` (or `secrets:`) map that holds such a `#`, of any step. */
function commentsInValues(kind: string, map: Yaml): string[] {
  return Object.entries(map).flatMap(([key, value]) => {
    const line = String(value ?? '')
      .split('\n')
      .find(l => COMMENT_IN_VALUE.test(l))
    return line === undefined
      ? []
      : [
          `${kind}: "${key}" has a "#" in its value (${JSON.stringify(line)}): inside a | block or quotes it is not a comment, the step gets it; move the comment above the key`
        ]
  })
}

interface ActionInputs {
  names: Set<string>
  defaults: Record<string, string>
  required: string[]
}

function readAction(root: string): ActionInputs {
  const inputs = (YAML.parse(readFileSync(path.join(root, 'action.yml'), 'utf8')).inputs ??
    {}) as Yaml
  return {
    names: new Set(Object.keys(inputs)),
    defaults: Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [k, String(v?.default ?? '')])
    ),
    required: Object.entries(inputs)
      .filter(([, v]) => v?.required === true)
      .map(([k]) => k)
  }
}

/** Problems of one `with:` map given to this action, each a line naming the input. */
function checkOurStep(withMap: Yaml, action: ActionInputs): string[] {
  const problems: string[] = []
  const values: Record<string, string> = {}
  for (const [key, raw] of Object.entries(withMap)) {
    if (!action.names.has(key)) problems.push(`with: "${key}" is not an input of action.yml`)
    const value = asInput(raw)
    if (value === undefined) {
      problems.push(`with: "${key}" is a YAML ${Array.isArray(raw) ? 'list' : 'map'}, not a string`)
      continue
    }
    values[key] = value
  }
  problems.push(...commentsInValues('with', withMap))
  for (const name of action.required)
    if (!(name in values)) problems.push(`with: the required input "${name}" is missing`)
  if (problems.length) return problems

  const byMessage = new Map<string, string[]>()
  let tagged = 0
  for (const event of EVENTS) {
    const ctx = ctxOf(event)
    const context = expressionContext(event, ctx)
    try {
      const read = (name: string) =>
        interpolate(values[name] ?? action.defaults[name] ?? '', context)
      const settings = parseInputs(read)
      const plan = computePlan({
        settings,
        ctx,
        now: new Date('2026-01-10T00:30:00Z'),
        metadataFile: '/t/m',
        iidFile: '/t/i',
        secretsDir: '/t/s',
        localTag: 'local-1'
      })
      // A rule set may be meant for some events only; it must give tags on one of them at least.
      if (plan.tags.length) tagged++
    } catch (e) {
      const message = (e as Error).message
      byMessage.set(message, [...(byMessage.get(message) ?? []), event.name])
    }
  }
  for (const [message, events] of byMessage) problems.push(`${message} (on a ${events.join(', ')})`)
  if (!byMessage.size && tagged === 0)
    problems.push(`tags: no tag on any of ${EVENTS.map(e => e.name).join(', ')}`)
  return problems
}

/** A job that calls this project's reusable workflow: only its declared inputs and secrets. */
const OUR_WORKFLOW = /(^|\/)ghcr-build-push\/(\.github\/workflows\/[^@]+)@/
const isOurWorkflow = (uses: unknown) => OUR_WORKFLOW.test(String(uses))

function checkWorkflowCall(job: Yaml, root: string): string[] {
  const m = OUR_WORKFLOW.exec(String(job.uses))
  if (!m) return []
  const file = path.join(root, m[2])
  if (!existsSync(file)) return [`uses: ${job.uses}: this repository has no ${m[2]}`]
  const call = (YAML.parse(readFileSync(file, 'utf8')).on?.workflow_call ?? {}) as Yaml
  const problems: string[] = []
  for (const [kind, declared] of [
    ['with', call.inputs ?? {}],
    ['secrets', call.secrets ?? {}]
  ] as const) {
    if (job[kind] === 'inherit') continue
    for (const [key, value] of Object.entries((job[kind] ?? {}) as Yaml)) {
      const input = (declared as Yaml)[key]
      if (!input) problems.push(`${kind}: "${key}" is not declared by ${m[2]}`)
      else if (
        input.type === 'boolean' &&
        typeof value !== 'boolean' &&
        !/^\$\{\{/.test(String(value))
      )
        problems.push(`${kind}: "${key}" is a boolean input of ${m[2]}: use true or false`)
    }
    if (job[kind] && typeof job[kind] === 'object')
      problems.push(...commentsInValues(kind, job[kind] as Yaml))
  }
  return problems
}

const isOurAction = (uses: unknown) =>
  typeof uses === 'string' && (uses === './' || /(^|\/)ghcr-build-push@/.test(uses))

/** Checks every snippet; findings are `file:line: problem` lines. */
export async function checkSnippets(
  snippets: Snippet[],
  root = process.cwd()
): Promise<SnippetReport> {
  const action = readAction(root)
  // As the step does: the date formatter loads when a snippet uses a date.
  await loadTagLibraries(snippets.map(s => s.text))
  const findings: string[] = []
  const checked: SnippetReport['checked'] = []
  const notChecked: Snippet[] = []
  const workflows: { snippet: Snippet; name: string; content: string; offset: number }[] = []
  for (const snippet of snippets) {
    const at = (line = 1) => `${snippet.file}:${snippet.line + line - 1}`
    if (snippet.skip !== undefined) {
      notChecked.push(snippet)
      if (!snippet.skip)
        findings.push(
          `${at()}: the not-checked marker gives no reason: write "not-checked because …"`
        )
      continue
    }
    const entry = { snippet, uses: 0 }
    checked.push(entry)
    const doc = YAML.parseDocument(snippet.text, { prettyErrors: false })
    if (doc.errors.length || doc.warnings.length) {
      for (const e of [...doc.errors, ...doc.warnings])
        findings.push(`${at(e.linePos?.[0].line ?? 1)}: YAML: ${e.message.split('\n')[0]}`)
      continue
    }
    const tree = doc.toJS() as unknown
    if (tree === null || typeof tree !== 'object') {
      findings.push(`${at()}: not a YAML map or list: mark it not-checked if it is meant as text`)
      continue
    }
    const { workflow, offset } = complete(snippet.text, tree)
    const name = `${snippet.file}:${snippet.line}`
    workflows.push({ snippet, name, content: workflow, offset })
    const jobs = (YAML.parse(workflow).jobs ?? {}) as Yaml
    for (const [id, job] of Object.entries(jobs)) {
      if (isOurWorkflow((job as Yaml).uses)) entry.uses++
      for (const p of checkWorkflowCall(job as Yaml, root))
        findings.push(`${at()}: job ${id}: ${p}`)
      for (const step of ((job as Yaml).steps ?? []) as Yaml[]) {
        if (!isOurAction(step?.uses)) {
          for (const p of commentsInValues('with', (step?.with ?? {}) as Yaml))
            findings.push(`${at()}: ${step.uses}: ${p}`)
          continue
        }
        entry.uses++
        for (const p of checkOurStep((step.with ?? {}) as Yaml, action))
          findings.push(`${at()}: ${p}`)
      }
    }
    for (const f of await actionlint(workflow, name)) {
      const line = f.line - offset // a finding in the lines added around the snippet: its start
      findings.push(`${at(Math.max(line, 1))}: actionlint: ${f.message} [${f.kind}]`)
    }
  }
  if (workflows.length) {
    const parsed = workflowParser(
      workflows.map(w => ({ name: w.name, kind: 'workflow' as const, content: w.content })),
      root
    )
    for (const w of workflows)
      for (const e of parsed.get(w.name)?.errors ?? [])
        findings.push(
          `${w.name}: workflow-parser (line numbers of the completed workflow, ${w.offset} lines added before): ${e}`
        )
  }
  return { findings, checked, notChecked }
}

/** The documentation files whose snippets must work: README.md and docs/*.md. */
export function documentationFiles(root = process.cwd()): string[] {
  const docs = existsSync(path.join(root, 'docs'))
    ? readdirSync(path.join(root, 'docs'))
        .filter(f => f.endsWith('.md'))
        .sort()
        .map(f => `docs/${f}`)
    : []
  return ['README.md', ...docs]
}
