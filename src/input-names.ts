// Which inputs the workflow passed that this step does not declare, and what to say about each:
// a refused docker-action input fails the step with its fix, a name no docker action knows gets
// a warning naming the closest input of this step. Pure, over the environment: the runner
// passes every `with:` key as an INPUT_* variable, declared or not.
import { CLEANUP_INPUTS } from './cleanup-options.js'
import { DOCKER_ACTION_INPUTS } from './docker-action-inputs.js'
import { InputError } from './errors.js'

/** This step's inputs, as action.yml declares them (a unit test keeps the two equal). */
export const STEP_INPUTS: readonly string[] = [
  'registry',
  'images',
  'username',
  'token',
  'password',
  'job-token',
  'github-token',
  'tags',
  'flavor',
  'labels',
  'annotations',
  'context',
  'file',
  'build-args',
  'build-contexts',
  'target',
  'platforms',
  'cache-from',
  'cache-to',
  'secrets',
  'secret-files',
  'secret-envs',
  'no-cache',
  'no-cache-filters',
  'pull',
  'network',
  'add-hosts',
  'allow',
  'attests',
  'cgroup-parent',
  'shm-size',
  'ssh',
  'ulimit',
  'load',
  'builder',
  'provenance',
  'sbom',
  'push',
  'dry-run',
  'check-only',
  'summary',
  'logout',
  'preflight',
  'retries',
  'verify',
  'push-by-digest',
  'merge-digests',
  'buildx-version',
  'buildx-url',
  'buildx-sha256',
  'driver',
  'driver-opts',
  'buildkitd-flags',
  'buildkitd-config-inline',
  'qemu',
  'qemu-image',
  'registry-auth',
  ...CLEANUP_INPUTS
]

/** An input the workflow passed: its name as the runner wrote it (lower-cased back) and value. */
export interface GivenInput {
  name: string
  value: string
}

/**
 * Every INPUT_* variable as a given input. The runner upper-cases names and writes spaces as
 * underscores, so `Sep Tags` arrives as `sep_tags`; dashes are kept.
 */
export function givenInputs(env: Record<string, string | undefined>): GivenInput[] {
  return Object.entries(env)
    .filter(([k]) => k.startsWith('INPUT_') && k.length > 'INPUT_'.length)
    .map(([k, v]) => ({ name: k.slice('INPUT_'.length).toLowerCase(), value: v ?? '' }))
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment): how many typing slips turn `a` into `b`.
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0))
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
      }
    }
  }
  return d[a.length][b.length]
}

/** The step input closest to `name`, or undefined when none is close enough to be a typo. */
export function closestInput(
  name: string,
  inputs: readonly string[] = STEP_INPUTS
): string | undefined {
  const typed = name.replace(/_/g, '-')
  let best: string | undefined
  let bestDistance = Infinity
  for (const input of inputs) {
    const d = editDistance(typed, input)
    if (d < bestDistance) [best, bestDistance] = [input, d]
  }
  return bestDistance <= Math.max(2, Math.floor(typed.length / 3)) ? best : undefined
}

/**
 * What the given inputs that this step does not declare mean: a refused docker-action input
 * fails the step (one line, each refused input with its fix), an input no docker action knows
 * gets a warning naming the closest input of this step. Empty values and a docker action's
 * default change nothing and pass.
 */
export function checkInputNames(
  given: GivenInput[],
  inputs: readonly string[] = STEP_INPUTS
): { error?: InputError; warnings: string[] } {
  const problems: string[] = []
  const warnings: string[] = []
  // Only the unknown names are sorted: localeCompare's collator costs ~9 ms at start-up.
  const unknown = given.filter(g => !inputs.includes(g.name))
  for (const { name, value } of unknown.sort((a, b) => a.name.localeCompare(b.name))) {
    // `sep_tags` is still the refused sep-tags; but `build_args` is a typo of ours, never read.
    const dashed = name.replace(/_/g, '-')
    const known =
      DOCKER_ACTION_INPUTS.find(d => d.name === dashed && d.becomes.kind === 'refused') ??
      DOCKER_ACTION_INPUTS.find(d => d.name === name)
    if (!known) {
      const near = closestInput(name, inputs)
      warnings.push(
        `${name}: not an input of this step or of the docker actions, ignored: ${near ? `did you mean ${near}?` : 'see the inputs in the README'}`
      )
      continue
    }
    const b = known.becomes
    const v = value.trim()
    if (b.kind !== 'refused' || v === '' || v.toLowerCase() === b.dflt) continue
    problems.push(`${known.name}: ${known.action}'s input, not supported here: ${b.why}: ${b.fix}`)
  }
  return { error: problems.length ? new InputError(problems.join('; ')) : undefined, warnings }
}
