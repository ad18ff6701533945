// What the user sees: the printed plan, the step outputs and the job summary. Pure apart from
// setOutputs, which writes the runner's output file.
import type { BuildResult } from './build.js'
import type { FailureReport } from './errors.js'
import { failureLines } from './errors.js'
import { builderLine } from './builder-choice.js'
import { code, codeCell, fence, tableRow, text } from './markdown.js'
import { annotationArg, type Plan } from './plan.js'
import * as core from './workflow-commands.js'

/** The plan as log lines (no secrets are in the plan). Each label once; annotations that only
 * repeat a label are summed up by their levels. */
export function planLines(plan: Plan, dryRun: boolean): string[] {
  const width = Math.max(...plan.tags.map(t => t.name.length))
  const labelArgs = new Set(plan.labels.map(([k, v]) => `${k}=${v}`))
  const sameAsLabel = plan.annotations.filter(a => labelArgs.has(`${a.key}=${a.value}`))
  const levels = [...new Set(sameAsLabel.map(a => a.level))]
  const others = plan.annotations.filter(a => !sameAsLabel.includes(a))
  const builder = builderLine(plan)
  const logins = plan.logins.map(l => `${l.registry} as ${l.username || '(no user)'}`)
  return [
    `images:  ${plan.images.join(', ')}`,
    ...(plan.logins.length > 1 ? [`logins:  ${logins.join(', ')}`] : []),
    ...(builder ? [builder] : []),
    `version: ${plan.version || '(none)'}`,
    'tags:',
    ...plan.tags.map(t => `  ${t.name.padEnd(width)} ← ${t.rule}`),
    `latest:  ${plan.latestReason}`,
    'labels:',
    ...plan.labels.map(([k, v]) => `  ${k}=${v}`),
    ...(levels.length ? [`annotations: the labels above, on the ${levels.join(' and ')}`] : []),
    ...others.map(a => `  ${annotationArg(a)}`),
    `${dryRun ? 'would push' : 'push'}: ${plan.push ? 'yes' : 'no'} (${plan.pushReason})`
  ]
}

/** Shell-style quoting for display only (the command itself gets an argv, never a string). */
export function commandLine(argv: string[]): string {
  const quote = (a: string): string =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`
  return `docker ${argv.map(quote).join(' ')}`
}

export function setOutputs(plan: Plan, result: BuildResult | undefined, pushed: boolean): void {
  const digest = result?.digest ?? ''
  core.setOutput('digest', digest)
  core.setOutput('imageid', result?.imageid ?? '')
  core.setOutput('metadata', result?.metadata ?? '')
  core.setOutput('tags', plan.refs.join('\n'))
  core.setOutput('version', plan.version)
  core.setOutput('labels', plan.labels.map(([k, v]) => `${k}=${v}`).join('\n'))
  core.setOutput('annotations', plan.annotations.map(annotationArg).join('\n'))
  core.setOutput(
    'json',
    JSON.stringify({
      tags: plan.refs,
      labels: Object.fromEntries(plan.labels),
      annotations: plan.annotations.map(annotationArg),
      version: plan.version
    })
  )
  core.setOutput('refs', pushed && digest ? plan.images.map(i => `${i}@${digest}`).join('\n') : '')
  core.setOutput('pushed', String(pushed))
}

/** The job summary (Markdown with a little HTML): refs, digest, every tag with its rule, labels. */
export function summaryMarkdown(
  plan: Plan,
  result: BuildResult | undefined,
  pushed: boolean,
  dryRun: boolean
): string {
  const status = dryRun
    ? `dry run: nothing built or pushed; a real run would ${plan.push ? '' : 'not '}push`
    : pushed
      ? 'pushed'
      : 'built, not pushed'
  const out = ['## ghcr-build-push', '', `**${status}** — ${text(plan.pushReason)}`, '']
  if (result?.digest) out.push(`digest: ${code(result.digest)}`, '')
  if (pushed && result?.digest)
    out.push(...plan.images.map(i => `- ${code(`${i}@${result.digest}`)}`), '')
  out.push('| tag | rule |', '| --- | --- |')
  for (const ref of plan.refs) {
    const name = ref.slice(ref.lastIndexOf(':') + 1)
    const rule = plan.tags.find(t => t.name === name)?.rule ?? ''
    out.push(tableRow([codeCell(ref), codeCell(rule)]))
  }
  out.push('', `latest: ${text(plan.latestReason)}`, '')
  out.push(
    '<details><summary>labels</summary>',
    '',
    ...fence(plan.labels.map(([k, v]) => `${k}=${v}`)),
    '',
    '</details>',
    ''
  )
  return out.join('\n')
}

/** The job summary of a failed run: what failed, in which phase, cause, fix, what landed. */
export function failureSummaryMarkdown(report: FailureReport): string {
  const [headline, ...rest] = failureLines(report)
  return [
    '## ghcr-build-push',
    '',
    `**failed in the ${report.phase} phase** — ${text(headline)}`,
    '',
    ...rest.map(l => `- ${text(l)}`),
    ''
  ].join('\n')
}
