// What the user sees in the log and the outputs: the printed plan, the command lines, the step
// outputs (the job summary is src/summary.ts). Pure apart from setOutputs, which writes the
// runner's output file.
import type { BuildResult } from './build.js'
import { builderLine } from './builder-choice.js'
import { annotationArg, type Annotation } from './annotations.js'
import type { Plan } from './plan.js'
import { DEFAULT_LATEST_RULES } from './tags/index.js'
import * as core from './workflow-commands.js'

// ---------------------------------------------------------------------------- the plan in the log

/** The rule a tag is shown with: the default set's own `latest` rule is internal text. */
export const shownRule = (plan: Plan, rule: string): string =>
  plan.defaultTags && DEFAULT_LATEST_RULES.includes(rule) ? 'default set' : rule

/** The annotations that only repeat a label (same key and value), and the levels they are on. */
export function labelAnnotations(plan: Plan): { same: Annotation[]; levels: string[] } {
  const labelArgs = new Set(plan.labels.map(([k, v]) => `${k}=${v}`))
  const same = plan.annotations.filter(a => labelArgs.has(`${a.key}=${a.value}`))
  return { same, levels: [...new Set(same.map(a => a.level))] }
}

/** The plan as log lines (no secrets are in the plan). Each label once; annotations that only
 * repeat a label are summed up by their levels. */
export function planLines(plan: Plan, dryRun: boolean): string[] {
  const width = Math.max(...plan.tags.map(t => t.name.length))
  const { same, levels } = labelAnnotations(plan)
  const others = plan.annotations.filter(a => !same.includes(a))
  const builder = builderLine(plan)
  const logins = plan.logins.map(l => `${l.registry} as ${l.username || '(no user)'}`)
  return [
    `images:  ${plan.images.join(', ')}`,
    ...(plan.logins.length > 1 ? [`logins:  ${logins.join(', ')}`] : []),
    ...(builder ? [builder] : []),
    `version: ${plan.version || '(none)'}`,
    (plan.defaultTags ? 'tags (the default set):' : 'tags:') +
      (plan.tags.length === 0 && plan.noTag ? ` none: ${plan.noTag}` : ''),
    ...plan.tags.map(t => `  ${t.name.padEnd(width)} ← ${shownRule(plan, t.rule)}`),
    `latest:  ${plan.latestReason}`,
    'labels:',
    ...plan.labels.map(([k, v]) => `  ${k}=${v}`),
    ...(levels.length ? [`annotations: the labels above, on the ${levels.join(' and ')}`] : []),
    ...others.map(a => `  ${annotationArg(a)}`),
    `${dryRun ? 'would push' : 'push'}: ${plan.push ? 'yes' : 'no'} (${plan.pushReason})`
  ]
}

/**
 * Shell-style quoting for display only (the command itself gets an argv, never a string). With
 * the plan, the `--label` and `--annotation` arguments that it has printed are summed up, so that
 * the log shows each label once.
 */
export function commandLine(argv: string[], plan?: Plan): string {
  const quote = (a: string): string =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`
  if (!plan) return `docker ${argv.map(quote).join(' ')}`
  const labels = new Set(plan.labels.map(([k, v]) => `${k}=${v}`))
  const { same, levels } = labelAnnotations(plan)
  const repeats = new Set(same.map(annotationArg))
  const summed = (flag: string, value = ''): boolean =>
    (flag === '--label' && labels.has(value)) || (flag === '--annotation' && repeats.has(value))
  const sums: Record<string, string> = {
    '--label': `‹the ${argv.filter((a, i) => a === '--label' && summed(a, argv[i + 1])).length} labels above›`,
    '--annotation': `‹the labels above, on the ${levels.join(' and ')}›`
  }
  const words: string[] = []
  const done = new Set<string>()
  for (let i = 0; i < argv.length; i++) {
    if (!summed(argv[i], argv[i + 1])) {
      words.push(quote(argv[i]))
      continue
    }
    if (!done.has(argv[i])) words.push(argv[i], sums[argv[i]])
    done.add(argv[i])
    i++ // its value
  }
  return `docker ${words.join(' ')}`
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

/** The plan's notices, then the plan in its group, at once even while background lines wait. */
export function printPlan(plan: Plan, dryRun: boolean): void {
  core.writeThrough(() => {
    for (const n of plan.notices) (n.level === 'warning' ? core.warning : core.notice)(n.message)
    core.startGroup('Plan')
    for (const line of planLines(plan, dryRun)) core.info(line)
    core.endGroup()
  })
}
