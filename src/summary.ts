// The job summary (GitHub-flavoured Markdown with a little HTML): of a run that got through, of a
// dry run and of a failed run. Pure. Every value from outside (tags, labels, registry answers,
// docker's words) is escaped: it shows as the text it is.
import type { BuildResult } from './build.js'
import type { CheckResult } from './check-only.js'
import { cleanText, type GitHubContext } from './context.js'
import type { FailureReport } from './errors.js'
import { code, codeCell, fence, tableRow, text } from './markdown.js'
import { annotationArg } from './annotations.js'
import type { Plan } from './plan.js'
import { labelAnnotations, shownRule } from './report.js'

/** What the summary needs of the run's context to link each image to its package page. */
export interface SummaryContext {
  /** GITHUB_SERVER_URL. */
  serverUrl: string
  /** The repository: `owner/repo`, case kept. */
  repository: string
  /** Owner logins (lowercase) whose kind the event payload names. */
  owners: Record<string, 'orgs' | 'users'>
}

export function summaryContext(ctx: GitHubContext): SummaryContext {
  const owners: Record<string, 'orgs' | 'users'> = {}
  const owner = ctx.payload?.repository?.owner as { login?: unknown; type?: unknown } | undefined
  if (
    typeof owner?.login === 'string' &&
    (owner.type === 'Organization' || owner.type === 'User')
  ) {
    owners[owner.login.toLowerCase()] = owner.type === 'Organization' ? 'orgs' : 'users'
  }
  const org = ctx.payload?.organization?.login
  if (typeof org === 'string') owners[org.toLowerCase()] = 'orgs'
  return { serverUrl: ctx.serverUrl, repository: `${ctx.owner}/${ctx.repo}`, owners }
}

/**
 * The image's package page on GitHub: `…/orgs/ORG/packages/container/package/NAME` or
 * `…/users/USER/…` (a NAME with slashes is one path segment, `a%2Fb`); when the payload does not
 * say which the owner is, the repository's own package page for an image of its owner. Only
 * GHCR (and `containers.HOST` of a GitHub Enterprise Server) has one.
 */
export function packagePage(image: string, where: SummaryContext): string | undefined {
  const [host, owner, ...path] = image.split('/')
  if (!owner || !path.length) return undefined
  const server = where.serverUrl.replace(/\/+$/, '')
  const web =
    host === 'ghcr.io'
      ? 'https://github.com'
      : host === `containers.${server.replace(/^https?:\/\//, '')}`
        ? server
        : undefined
  if (!web) return undefined
  const name = encodeURIComponent(path.join('/'))
  const kind = where.owners[owner]
  if (kind) return `${web}/${kind}/${owner}/packages/container/package/${name}`
  const [repoOwner, repo] = where.repository.split('/')
  if (repo && repoOwner.toLowerCase() === owner) {
    return `${web}/${repoOwner}/${repo}/pkgs/container/${name}`
  }
  return undefined
}

/** The job summary of a run that got through: images, status, digest, pull line, tags, labels. */
export function summaryMarkdown(
  plan: Plan,
  result: BuildResult | undefined,
  pushed: boolean,
  dryRun: boolean,
  where: SummaryContext
): string {
  const reason = prose(plan.pushReason)
  const status = dryRun
    ? `**dry run**: nothing was built or pushed · would push: ${plan.push ? 'yes' : 'no'} (${reason})`
    : `**${pushed ? 'pushed' : 'built, not pushed'}** (${reason})`
  const digest = pushed ? result?.digest : undefined
  const out = [...head(plan), status, '', ...facts(plan, digest, where), '']
  const pull = plan.images.map(i => `docker pull ${i}@${digest}`)
  if (digest) out.push(...fence(pull, 'sh'), '')
  out.push(...tagTable(plan), '', `latest: ${prose(plan.latestReason)}`, '')
  out.push(...labelDetails(plan))
  return out.join('\n')
}

/** The job summary of a failed run: what failed, in which phase, cause, fix, what landed. */
export function failureSummaryMarkdown(
  report: FailureReport,
  plan: Plan | undefined,
  where: SummaryContext | undefined
): string {
  const out = [...head(plan), `**failed in the ${report.phase} phase**: ${prose(report.headline)}`]
  out.push('')
  // "nothing was pushed" is what the tags line says too
  const nothing =
    report.landed?.length === 0 && /^nothing was (?:built or )?pushed$/.test(report.note ?? '')
  if (report.note && !nothing) out.push(`- ${prose(report.note)}`)
  if (report.reason) out.push(`- **cause**: ${prose(report.reason)}`)
  if (report.fix) out.push(`- **fix**: ${prose(report.fix)}`)
  out.push(`- **tags**: ${landedText(report, plan)}`)
  if (plan && where) out.push(...packageLinks(plan, where))
  out.push('')
  if (report.said?.length) out.push('**docker said:**', '', ...fence(report.said, 'text'), '')
  return out.join('\n')
}

/** The job summary of `check-only`: every check with its result, the cause and fix of each failure. */
export function checkSummaryMarkdown(plan: Plan, results: CheckResult[]): string {
  const count = (result: CheckResult['result']): number =>
    results.filter(r => r.result === result).length
  const failed = results.filter(r => r.result === 'failed')
  const tally = `${count('passed')} passed, ${failed.length} failed, ${count('not checked')} not checked`
  const out = [
    ...head(plan),
    `**credential check** (check-only): ${failed.length ? 'failed' : 'passed'} · ${tally}; nothing was built or pushed`,
    '',
    tableRow(['check', 'result', 'detail']),
    tableRow(['---', '---', '---']),
    ...results.map(r =>
      tableRow([
        prose(r.check, true),
        r.result === 'failed' ? '**failed**' : r.result,
        prose(r.detail, true)
      ])
    ),
    ''
  ]
  for (const r of failed) {
    if (!r.reason && !r.fix) continue
    out.push(`**${prose(r.check)}**`, '')
    if (r.reason) out.push(`- **cause**: ${prose(r.reason)}`)
    if (r.fix) out.push(`- **fix**: ${prose(r.fix)}`)
    out.push('')
  }
  return out.join('\n')
}

/** Which tags landed, as far as the failure tells. */
function landedText(r: FailureReport, plan: Plan | undefined): string {
  // With one image (the title), a tag says it all; with several, the whole ref.
  const single = plan?.images.length === 1 ? `${plan.images[0]}:` : undefined
  const refs = (list: string[]): string =>
    list
      .map(ref => code(single && ref.startsWith(single) ? ref.slice(single.length) : ref))
      .join(', ')
  if (r.landed && r.notPushed) {
    const pushed = r.landed.length ? `pushed ${refs(r.landed)}` : 'none pushed'
    return r.notPushed.length ? `${pushed}; not pushed ${refs(r.notPushed)}` : pushed
  }
  if (r.landed?.length === 0) {
    return plan?.refs.length
      ? `nothing was pushed (this run was to push ${refs(plan.refs)})`
      : 'nothing was pushed'
  }
  return 'not known: look at the registry'
}

/** The title (the image names) of a summary, or the step's name before there is a plan. */
function head(plan: Plan | undefined): string[] {
  return [`## ${plan ? plan.images.map(text).join(' · ') : 'ghcr-build-push'}`, '']
}

/** The pushed digest, the platforms and the images' package pages, as list items. */
function facts(plan: Plan, digest: string | undefined, where: SummaryContext): string[] {
  const out: string[] = []
  if (digest) out.push(`- **digest**: ${code(digest)}`)
  out.push(
    `- **platforms**: ${plan.platforms.length ? plan.platforms.map(code).join(', ') : "the builder's own (`platforms` not set)"}`
  )
  return [...out, ...packageLinks(plan, where)]
}

/** The GHCR package page of each image that has one, as one list item. */
function packageLinks(plan: Plan, where: SummaryContext): string[] {
  const links = plan.images.flatMap(image => {
    const page = packagePage(image, where)
    return page ? [`[${text(image)}](${page})`] : []
  })
  if (!links.length) return []
  return [`- **${links.length > 1 ? 'packages' : 'package'}**: ${links.join(', ')}`]
}

function tagTable(plan: Plan): string[] {
  if (plan.tags.length === 0 && plan.noTag) return [`no tag: ${prose(plan.noTag)}`]
  return [
    tableRow(['tag', 'rule']),
    tableRow(['---', '---']),
    ...plan.tags.map(t => {
      const rule = shownRule(plan, t.rule)
      return tableRow([codeCell(t.name), rule === 'default set' ? rule : codeCell(rule)])
    })
  ]
}

/** The labels, and the annotations that are not just the labels again, behind a <details>. */
function labelDetails(plan: Plan): string[] {
  const { same, levels } = labelAnnotations(plan)
  const others = plan.annotations.filter(a => !same.includes(a)).map(annotationArg)
  if (!plan.labels.length && !others.length) return []
  const what = [
    `${plan.labels.length} labels`,
    levels.length && `also annotations on the ${levels.join(' and ')}`,
    others.length && `${others.length} more annotation${others.length === 1 ? '' : 's'}`
  ].filter(Boolean)
  const lines = [
    ...plan.labels.map(([k, v]) => `${k}=${v}`),
    ...(others.length ? ['', '# annotations', ...others] : [])
  ]
  return [
    `<details><summary>${what.join(', ')}</summary>`,
    '',
    ...fence(lines, 'text'),
    '',
    '</details>',
    ''
  ]
}

/**
 * One of our own sentences, which may hold values from outside (a registry's words, a tag): its
 * `code` spans stay code, everything else is text.
 */
function prose(sentence: string, inCell = false): string {
  return cleanText(sentence)
    .split(/`([^`]*)`/)
    .map((part, i) => (i % 2 ? (inCell ? codeCell : code)(part) : text(part)))
    .join('')
}
