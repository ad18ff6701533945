// What the clean-up shows: its lines in the log (every deletion and every kept version with
// its reason) and its part of the job summary. Pure.
import { describePolicy, type CleanupSettings } from './cleanup-options.js'
import type { CleanupPlan, Deletion, PackageVersion } from './cleanup-plan.js'
import { code as inlineCode, codeCell, tableRow, text } from './markdown.js'

/** One image's clean-up: what was planned and what became of it. */
export interface PackageCleanup {
  image: string
  /** `app of organization acme`, once known. */
  what?: string
  plan?: CleanupPlan
  deleted: Deletion[]
  /** Planned, not deleted: the API refused, failed, or an earlier deletion it waits for did. */
  failed: Array<{ item: Deletion; problem: string }>
  /** Why nothing was planned for this image (not on GitHub's registry, not listed, ...). */
  skipped?: string
  /** The warnings said about it, each as lines (headline, cause, fix). */
  warnings: string[][]
}

export const short = (digest: string): string => digest.slice(0, 'sha256:'.length + 12)

/** "3 days", "5 hours", "12 minutes": the time since a version was last updated. */
export function since(ms: number): string {
  const [n, unit] =
    ms >= 2 * 86_400_000
      ? [ms / 86_400_000, 'day']
      : ms >= 2 * 3_600_000
        ? [ms / 3_600_000, 'hour']
        : [ms / 60_000, 'minute']
  const whole = Math.max(0, Math.floor(n))
  return `${whole} ${unit}${whole === 1 ? '' : 's'}`
}

const tags = (v: PackageVersion): string => (v.tags.length ? v.tags.join(', ') : 'untagged')
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** The plan in the log: each deletion and each kept version, with its reason, full digests. */
export function planLog(plan: CleanupPlan, dryRun: boolean): string[] {
  const verb = dryRun ? 'would delete' : 'delete'
  return [
    ...plan.delete.map(d => `${verb} ${d.version.digest} (${tags(d.version)}): ${d.reason}`),
    ...plan.keep.map(k => `keep ${k.version.digest} (${tags(k.version)}): ${k.reason}`)
  ]
}

/** The closing line of one image. */
export function outcomeLine(r: PackageCleanup, dryRun: boolean): string {
  if (!r.plan) return `cleanup of ${r.image}: skipped: ${r.skipped ?? 'nothing to do'}`
  const kept = plural(r.plan.keep.length, 'version')
  if (dryRun)
    return `cleanup of ${r.image} (dry run): would delete ${plural(r.plan.delete.length, 'version')}, keep ${kept}`
  const failed = r.failed.length ? `, ${r.failed.length} not deleted` : ''
  return `cleanup of ${r.image}: deleted ${plural(r.deleted.length, 'version')}${failed}, kept ${kept}`
}

const cell = text // the summary's escaping (markdown.ts): tags and reasons hold outside text
const code = codeCell
/** A summary shows this many rows per table; the log has them all. */
const ROWS = 200

function table(head: string, rows: string[][]): string[] {
  const shown = rows.slice(0, ROWS).map(tableRow)
  const more = rows.length > ROWS ? [``, `… and ${rows.length - ROWS} more (see the log)`] : []
  return [head, `|${' --- |'.repeat(head.split('|').length - 2)}`, ...shown, ...more]
}

/** The clean-up's part of the job summary: what was deleted (or would be), what was kept and why. */
export function cleanupMarkdown(
  results: PackageCleanup[],
  cleanup: CleanupSettings,
  alone: boolean
): string {
  const out: string[] = alone
    ? ['## ghcr-build-push', '', '**clean-up only**: nothing built or pushed', '']
    : []
  for (const r of results) {
    out.push(`### Clean-up of ${inlineCode(r.image)}${cleanup.dryRun ? ' (dry run)' : ''}`, '')
    out.push(`policy: ${cell(describePolicy(cleanup.policy))}`, '')
    for (const w of r.warnings) out.push(`- **warning**: ${w.map(cell).join('<br>')}`)
    if (r.warnings.length) out.push('')
    if (!r.plan) {
      out.push(`skipped: ${cell(r.skipped ?? '')}`, '')
      continue
    }
    const row = (d: Deletion, what: string): string[] => [
      what,
      code(d.version.digest),
      cell(d.version.tags.join(', ')),
      cell(d.reason)
    ]
    const gone = cleanup.dryRun
      ? r.plan.delete.map(d => row(d, 'would delete'))
      : [
          ...r.deleted.map(d => row(d, 'deleted')),
          ...r.failed.map(f => [...row(f.item, 'not deleted').slice(0, 3), cell(f.problem)])
        ]
    const head = cleanup.dryRun
      ? `**would delete ${plural(r.plan.delete.length, 'version')}**`
      : `**deleted ${plural(r.deleted.length, 'version')}**${r.failed.length ? `, ${r.failed.length} not deleted` : ''}`
    out.push(`${head}, kept ${plural(r.plan.keep.length, 'version')}`, '')
    if (gone.length) out.push(...table('| | version | tags | why |', gone), '')
    out.push(
      `<details><summary>kept: ${plural(r.plan.keep.length, 'version')}, and why</summary>`,
      '',
      ...table(
        '| version | tags | why kept |',
        r.plan.keep.map(k => [
          code(k.version.digest),
          cell(k.version.tags.join(', ')),
          cell(k.reason)
        ])
      ),
      '',
      '</details>',
      ''
    )
  }
  return out.join('\n')
}
