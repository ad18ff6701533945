// The inputs a workflow passes that this step does not declare, as tables over the runner's
// environment (every `with:` key arrives as INPUT_<NAME>, upper case, dashes kept).
import { checkInputNames, closestInput, editDistance, givenInputs } from '../../src/input-names.js'

/** What the runner would set for these `with:` keys (spaces as underscores, upper case). */
const env = (withKeys: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(withKeys).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v])
  )
const check = (withKeys: Record<string, string>) => checkInputNames(givenInputs(env(withKeys)))

describe('givenInputs reads every INPUT_* variable back as an input name', () => {
  test.each([
    [{ INPUT_TOKEN: 't', PATH: '/bin' }, [{ name: 'token', value: 't' }]],
    [{ 'INPUT_SEP-TAGS': ',' }, [{ name: 'sep-tags', value: ',' }]],
    [{ INPUT_SEP_TAGS: ',' }, [{ name: 'sep_tags', value: ',' }]],
    [{ INPUT_: 'x', GITHUB_INPUT_X: 'y' }, []]
  ])('%j', (vars, given) => {
    expect(givenInputs(vars)).toEqual(given)
  })
})

describe('a refused docker-action input fails the step with one line and its fix', () => {
  test.each([
    [
      { 'sep-tags': ',' },
      "sep-tags: docker/metadata-action's input, not supported here: the tags output is always one per line here: drop sep-tags and join the lines where another separator is needed"
    ],
    [
      { outputs: 'type=local,dest=out' },
      "outputs: docker/build-push-action's input, not supported here: the step exports to the registry only, where it verifies every tag: drop outputs (load: true keeps the image in the local image store), or export in a step of its own"
    ],
    [
      { call: 'check' },
      "call: docker/build-push-action's input, not supported here: a call (check, outline, targets) evaluates the build instead of running it, so nothing could be pushed: run docker buildx build --call=check in a step of its own"
    ],
    [
      { ecr: 'true' },
      "ecr: docker/login-action's input, not supported here: the AWS ECR login is not built in: get a password with aws ecr get-login-password in an earlier step and pass it as token, with username: AWS"
    ],
    [
      { version: 'v0.12.0' },
      "version: docker/setup-buildx-action's input, not supported here: the Buildx to install has another name here: rename it to buildx-version (installed only when the runner has no Buildx 0.13 or newer)"
    ],
    [{ 'bake-target': 'app' }, /^bake-target: docker\/metadata-action's input.*: drop bake-target/],
    [{ scope: 'repository:a/b:push' }, /^scope: docker\/login-action's input.*: drop scope/],
    [{ install: 'true' }, /^install: docker\/setup-buildx-action's input.*: drop install$/],
    [{ 'keep-state': 'true' }, /^keep-state: .*: drop keep-state$/],
    [{ 'cache-binary': 'false' }, /^cache-binary: .*: drop cache-binary$/],
    [{ endpoint: 'tcp://b:1234' }, /^endpoint: .*pass its name as builder$/],
    [{ Sep_Tags: ';' }, /^sep-tags: docker\/metadata-action's input/],
    [
      { 'sep-labels': ',', 'bake-target': 'x' },
      /^bake-target: [^;]*: drop bake-target[^;]*; sep-labels: .*: drop sep-labels [^;]*$/
    ]
  ])('%j', (withKeys, message) => {
    const { error } = check(withKeys)
    const text = typeof message === 'string' ? message : expect.stringMatching(message)
    expect(error).toEqual(expect.objectContaining({ name: 'InputError', message: text }))
    expect(error?.message).not.toContain('\n')
  })
})

describe('what passes without a word', () => {
  test.each([
    ['this step’s own inputs', { token: 't', 'build-args': 'A=1', 'job-token': 'j' }],
    ['login-action’s password, accepted as token', { password: 'p' }],
    ['a docker action’s default, which changes nothing', { ecr: 'auto', install: 'false' }],
    ['… in any case', { use: 'TRUE', cleanup: 'True', 'keep-state': 'false' }],
    ['an empty value, as a reusable workflow passes it', { outputs: '', 'sep-tags': '  ' }],
    [
      "the builder's and registry-auth (issue 13)",
      { driver: 'docker-container', 'registry-auth': '- x' }
    ],
    ['… also those of no docker action', { qemu: 'auto', 'qemu-image': 'tonistiigi/binfmt' }]
  ])('%s', (_, withKeys) => {
    expect(check(withKeys)).toEqual({ error: undefined, warnings: [] })
  })
})

describe('an input no docker action knows gets a warning naming the closest input', () => {
  test.each([
    ['platfrom', 'platforms'],
    ['tag', 'tags'],
    ['build_args', 'build-args'], // the runner would pass INPUT_BUILD_ARGS: never read
    ['Build Args', 'build-args'],
    ['dry_run', 'dry-run'],
    ['cache_to', 'cache-to'],
    ['secret', 'secrets'],
    ['pushh', 'push']
  ])('%s → %s', (name, near) => {
    expect(check({ [name]: 'x' })).toEqual({
      error: undefined,
      warnings: [
        `${name.toLowerCase().replace(/ /g, '_')}: not an input of this step or of the docker actions, ignored: did you mean ${near}?`
      ]
    })
  })

  test('nothing close: the warning points to the README', () => {
    expect(check({ 'kubernetes-namespace': 'x' }).warnings).toEqual([
      'kubernetes-namespace: not an input of this step or of the docker actions, ignored: see the inputs in the README'
    ])
  })
})

test.each([
  ['', '', 0],
  ['tag', 'tags', 1],
  ['platfrom', 'platforms', 2], // a swap and a missing letter
  ['ab', 'ba', 1],
  ['kitten', 'sitting', 3],
  ['abc', '', 3]
])('editDistance(%j, %j) = %i', (a, b, d) => {
  expect(editDistance(a, b)).toBe(d)
  expect(editDistance(b, a)).toBe(d)
})

test.each([
  ['verfy', 'verify'],
  ['summery', 'summary'],
  ['xyz', undefined]
])('closestInput(%j) = %j', (name, near) => {
  expect(closestInput(name)).toBe(near)
})
