// `check-only: true`: the credential checks of a real run, and nothing else. A classic PAT's
// scopes, `docker login` to each registry and the push preflight of each image each run to
// their end, whatever the others said, so that one run tells everything that is wrong; then the
// step stops: nothing is built or pushed. The checks are credentials.ts's own.
import { checkToken, credentialsFor, login, preflightImage } from './credentials.js'
import { failureReport, StepError, type Phase } from './errors.js'
import type { Settings } from './inputs.js'
import type { Plan } from './plan.js'
import * as core from './workflow-commands.js'

export interface CheckResult {
  /** What was checked: `token scopes`, `login to ghcr.io as octo`, `push to ghcr.io/acme/app`. */
  check: string
  /** passed, failed, or not checked (a token whose rights are not scopes). */
  result: 'passed' | 'failed' | 'not checked'
  /** What proved it, why it failed (the failure's headline), or why it was not checked. */
  detail: string
  /** A failed check's phase, cause and fix. */
  phase?: Phase
  reason?: string
  fix?: string
}

/** Runs every check; never throws for a failed check (an unexpected error still throws). */
export function runChecks(
  settings: Settings,
  plan: Plan,
  api: { apiUrl: string; serverUrl: string },
  configDir: string
): Promise<CheckResult[]> {
  return core.group('Check the credentials (check-only)', () =>
    checks(settings, plan, api, configDir)
  )
}

async function checks(
  settings: Settings,
  plan: Plan,
  api: { apiUrl: string; serverUrl: string },
  configDir: string
): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  const attempt = async (check: string, run: () => Promise<CheckResult['detail'] | Skip>) => {
    try {
      const got = await run()
      results.push(
        typeof got === 'string'
          ? { check, result: 'passed', detail: got }
          : { check, result: 'not checked', detail: got.skipped }
      )
    } catch (e) {
      if (!(e instanceof StepError)) throw e
      const r = failureReport(e, e.phase)
      const { phase, headline: detail, reason, fix } = r
      results.push({ check, result: 'failed', detail, phase, reason, fix })
    }
    const last = results[results.length - 1]
    // a failure's headline says itself what failed
    core.info(
      last.result === 'failed'
        ? `check failed: ${last.detail}`
        : `check ${last.result === 'passed' ? 'passed' : 'skipped'}: ${check}: ${last.detail}`
    )
  }
  await attempt('token scopes', async () => {
    const pat = await checkToken(settings, plan, api.apiUrl, api.serverUrl)
    return pat.checked ? 'a classic PAT with write:packages' : { skipped: pat.reason }
  })
  for (const { registry } of plan.logins) {
    const { username } = credentialsFor(settings, plan, registry)
    await attempt(`login to ${registry} as ${username}`, async () => {
      await login(settings, plan, registry, configDir)
      return 'logged in'
    })
  }
  for (const image of plan.images) {
    await attempt(`push to ${image}`, async () => {
      const via = await preflightImage(settings, plan, image)
      const { username } = credentialsFor(settings, plan, image.slice(0, image.indexOf('/')))
      return `${username} may push (${via}; an upload was opened and cancelled)`
    })
  }
  return results
}

interface Skip {
  skipped: string
}

/** The step's failure when a check failed: the first failure, and how many there were. */
export function checksFailure(results: CheckResult[]): StepError | undefined {
  const failed = results.filter(r => r.result === 'failed')
  if (!failed.length) return undefined
  const [first] = failed
  const more = failed.length > 1 ? ` (${failed.length - 1} more failed: see the summary)` : ''
  return new StepError(first.phase ?? 'preflight', `check-only: ${first.detail}${more}`, {
    reason: first.reason,
    fix: first.fix,
    note: 'nothing was built or pushed'
  })
}
