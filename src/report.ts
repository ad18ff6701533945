// What the user sees: the printed plan, the step outputs and the job summary.
import * as core from './runner.js'
import type { Plan } from './plan.js'

export interface BuildResult {
  digest: string
  imageid: string
  metadata: string
}

/** The plan as log lines (no secrets are in the plan: the token never enters it). */
export function planLines(plan: Plan): string[] {
  const width = Math.max(...plan.tags.map(t => t.name.length))
  return [
    `images:  ${plan.images.join(', ')}`,
    `version: ${plan.version || '(none)'}`,
    'tags:',
    ...plan.tags.map(t => `  ${t.name.padEnd(width)} ← ${t.rule}`),
    `latest:  ${plan.latestReason}`,
    'labels:',
    ...plan.labels.map(l => `  ${l}`),
    ...(plan.annotations.length ? ['annotations:', ...plan.annotations.map(a => `  ${a}`)] : []),
    `push:    ${plan.push ? 'yes' : 'no'} (${plan.pushReason})`,
    // A merge builds nothing: its commands are the index creations.
    ...(plan.mode === 'merge' ? plan.mergeArgvs : [plan.buildArgv]).map(
      argv => `command: docker ${argv.map(quoteArg).join(' ')}`
    )
  ]
}

/** Shell-style quoting for display only (the command itself gets an argv, never a string). */
function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`
}

export function setOutputs(plan: Plan, result: BuildResult | undefined, pushed: boolean): void {
  const digest = result?.digest ?? ''
  core.setOutput('digest', digest)
  core.setOutput('imageid', result?.imageid ?? '')
  core.setOutput('metadata', result?.metadata ?? '')
  core.setOutput('tags', plan.refs.join('\n'))
  core.setOutput('version', plan.version)
  core.setOutput('labels', plan.labels.join('\n'))
  core.setOutput('annotations', plan.annotations.join('\n'))
  core.setOutput(
    'json',
    JSON.stringify({
      tags: plan.refs,
      labels: Object.fromEntries(plan.labels.map(splitPair)),
      annotations: plan.annotations,
      version: plan.version
    })
  )
  core.setOutput('refs', pushed && digest ? plan.images.map(i => `${i}@${digest}`).join('\n') : '')
  core.setOutput('pushed', String(pushed))
}

function splitPair(kv: string): [string, string] {
  const i = kv.indexOf('=')
  return [kv.slice(0, i), kv.slice(i + 1)]
}

/** The job summary (Markdown with a little HTML): refs, digest, every tag with its rule, labels. */
export function summaryMarkdown(
  plan: Plan,
  result: BuildResult | undefined,
  pushed: boolean,
  dryRun: boolean
): string {
  const status = dryRun
    ? 'dry run: nothing built or pushed'
    : pushed
      ? 'pushed'
      : 'built, not pushed'
  const out = ['## ghcr-build-push', '', `**${status}** — ${escape(plan.pushReason)}`, '']
  if (result?.digest) out.push(`digest: \`${result.digest}\``, '')
  if (pushed && result?.digest) out.push(...plan.images.map(i => `- \`${i}@${result.digest}\``), '')
  out.push('| tag | rule |', '| --- | --- |')
  for (const ref of plan.refs) {
    const name = ref.slice(ref.lastIndexOf(':') + 1)
    const rule = plan.tags.find(t => t.name === name)?.rule ?? ''
    out.push(`| \`${ref}\` | \`${rule.replace(/\|/g, '\\|')}\` |`)
  }
  out.push('', `latest: ${escape(plan.latestReason)}`, '')
  out.push(
    '<details><summary>labels</summary>',
    '',
    '```',
    ...plan.labels,
    '```',
    '',
    '</details>',
    ''
  )
  return out.join('\n')
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
