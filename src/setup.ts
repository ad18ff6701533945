// The setup of a build, side by side: Buildx found or installed, the PAT check, `docker login`
// to each registry and the push preflight start from the draft plan, while the repository API
// call (inside `finalPlan`) runs; the plan waits only for the API's answer. What they print is
// held back until the plan is printed, then shown in the setup group. Only effects: what to log
// in to and what to prove comes from the plan.
import { needsBuilderFacts } from './builder-choice.js'
import type { BuilderFacts } from './build-command.js'
import { ensureBuildx } from './buildx-install.js'
import type { GitHubContext } from './context.js'
import {
  checkToken,
  credentialsFor,
  login,
  preflightImage,
  requireCredentials,
  skippedLogins
} from './credentials.js'
import * as docker from './docker.js'
import type { Phase } from './errors.js'
import type { Settings } from './inputs.js'
import type { Plan } from './plan.js'
import * as core from './workflow-commands.js'

export interface SetupInput {
  settings: Settings
  ctx: GitHubContext
  draft: Plan
  /** The private DOCKER_CONFIG. */
  configDir: string
  /** Asks the repository API (started on the first call), then computes and prints the plan. */
  finalPlan: () => Promise<Plan>
  /** Tells the caller which phase a failure from here on belongs to. */
  enter: (phase: Phase) => void
}

export interface Setup {
  plan: Plan
  /** The builder's facts, when the plan needs them (builderNeeds). */
  facts: BuilderFacts | undefined
  /** The preflight proved that every image can be pushed to. */
  pushProven: boolean
}

const ignore = (): void => undefined

export async function setUp(input: SetupInput): Promise<Setup> {
  const { settings, ctx, draft, configDir } = input
  const release = core.holdOutput()
  let plan: Plan
  const started = new Map<string, Promise<unknown>>()
  /** Each piece of work once, by key; awaited later, so a failure must not count as unhandled now. */
  const once = (key: string, work: () => Promise<unknown>): Promise<unknown> => {
    let p = started.get(key)
    if (!p) {
      p = work()
      p.catch(ignore)
      started.set(key, p)
    }
    return p
  }
  const tokenChecked = settings.token
    ? once('pat', () => checkToken(settings, draft, ctx.apiUrl, ctx.serverUrl))
    : undefined
  let lastLogin = tokenChecked
  // One at a time: each `docker login` rewrites the same config.json.
  const loginTo = (p: Plan): Promise<unknown> =>
    Promise.all(
      p.logins.map(({ registry }) => {
        const { username, token } = credentialsFor(settings, p, registry)
        if (!username || !token) return undefined
        return once(`login ${registry}`, () => {
          const after = lastLogin
          const run = (): Promise<void> => login(settings, p, registry, configDir)
          return (lastLogin = after ? after.then(run) : run())
        })
      })
    )
  /** In the images' order, so that the first image's failure is the one reported. */
  const preflight = async (p: Plan): Promise<void> => {
    const proofs = p.images.map(image =>
      once(`preflight ${image}`, () => preflightImage(settings, p, image))
    )
    for (const proof of proofs) await proof
  }
  try {
    // The docker commands first: each is a process of its own and starts at once, while node's
    // first HTTP request (the preflight's, the API's) costs this thread tens of milliseconds.
    const buildx = once('buildx', () =>
      ensureBuildx({
        configDir,
        version: settings.buildxVersion,
        downloadUrl: settings.buildxUrl,
        sha256: settings.buildxSha256
      })
    )
    loginTo(draft).catch(ignore)
    // One turn of the event loop lets the login start too (after the PAT check, at once for
    // anything but a classic PAT) before the first HTTP request holds this thread.
    await new Promise(resolve => setImmediate(resolve))
    // The preflight only asks the registry (it opens an upload and cancels it): it starts from
    // the draft, and counts only for the images the final plan pushes to.
    if (draft.push && settings.preflight) preflight(draft).catch(ignore)
    plan = await input.finalPlan()
    if (plan.push) requireCredentials(settings, plan)
    for (const skipped of skippedLogins(settings, plan)) core.warning(skipped)
    input.enter('login')
    const pushProven = plan.push && settings.preflight
    const final = plan
    const facts = await core.group(
      `Buildx, login to ${plan.logins.map(l => l.registry).join(', ')}${pushProven ? ', preflight' : ''}`,
      async () => {
        release()
        // Independent of each other, so run together; failures are reported in this order.
        const results = await Promise.allSettled([
          buildx.then(() =>
            needsBuilderFacts(final)
              ? docker.inspectBuilder(configDir, settings.builder)
              : undefined
          ),
          loginTo(final),
          pushProven ? preflight(final) : undefined
        ])
        const failed = results.find(r => r.status === 'rejected')
        if (failed) throw (failed as PromiseRejectedResult).reason
        return (results[0] as PromiseFulfilledResult<BuilderFacts | undefined>).value
      }
    )
    return { plan, facts, pushProven }
  } finally {
    release()
  }
}
