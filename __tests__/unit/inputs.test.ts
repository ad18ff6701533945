import { parseInputs, lines, envInputReader } from '../../src/inputs.js'

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? ''
const base = { username: 'octo', token: 't0ken' }

describe('parseInputs', () => {
  test('defaults', () => {
    const s = parseInputs(reader(base))
    expect(s).toMatchObject({
      registry: '', // the plan picks ghcr.io, or the GHES Container registry
      images: [],
      context: '.',
      push: 'auto',
      dryRun: false,
      summary: true,
      logout: true,
      platforms: []
    })
  })

  test('lists drop blanks and comments; platforms split on commas and newlines', () => {
    const s = parseInputs(
      reader({
        ...base,
        tags: 'a\n\n# c\n b ',
        platforms: 'linux/amd64, linux/arm64/v8\nlinux/386'
      })
    )
    expect(s.tags).toEqual(['a', 'b'])
    expect(s.platforms).toEqual(['linux/amd64', 'linux/arm64/v8', 'linux/386'])
  })

  test('the runner reader maps names to INPUT_ variables', () => {
    expect(envInputReader({ 'INPUT_DRY-RUN': 'true' })('dry-run')).toBe('true')
    expect(lines('x\r\ny')).toEqual(['x', 'y'])
    // a lone CR ends a line for the runner too
    expect(lines('x\ry')).toEqual(['x', 'y'])
  })

  test('an empty token is accepted here: main decides once it knows whether anything is pushed', () => {
    expect(parseInputs(reader({ ...base, token: '' })).token).toBe('')
  })

  // Issue 10: a line break in a single-value input would reach the log as a line of its own.
  test.each([
    'registry',
    'username',
    'token',
    'github-token',
    'context',
    'file',
    'target',
    'network',
    'builder',
    'provenance',
    'sbom',
    'buildx-url'
  ])('%s with a line break → error that does not show the value', name => {
    for (const value of ['a\n::add-mask::b', 'a\r::add-mask::b', 'a\u2028b', 'a\u0000b']) {
      const run = () => parseInputs(reader({ ...base, [name]: value }))
      expect(run).toThrow(
        expect.objectContaining({
          name: 'InputError',
          message: `${name}: holds a line break or another control character, but takes a single value: write it on one line`
        })
      )
    }
  })

  test.each([
    [
      { secrets: '.=value' },
      'secrets: the id on line 1 must start with a letter, a digit or "_": rename it'
    ],
    [
      { secrets: 'ok=1\n..=value' },
      'secrets: the id on line 2 must start with a letter, a digit or "_": rename it'
    ],
    [
      { 'secret-files': '.hidden=/x' },
      'secret-files: id ".hidden" must start with a letter, a digit or "_": rename it'
    ],
    [
      { 'secret-envs': '-x=HOME' },
      'secret-envs: id "-x" must start with a letter, a digit or "_": rename it'
    ],
    [
      { 'secret-envs': 'id=A-B' },
      'secret-envs: "A-B" (id "id") is not an environment variable name: use letters, digits and "_", not starting with a digit'
    ],
    [
      { 'secret-envs': 'id=9X' },
      'secret-envs: "9X" (id "id") is not an environment variable name: use letters, digits and "_", not starting with a digit'
    ]
  ])('%j → error', (values, message) => {
    expect(() => parseInputs(reader({ ...base, ...values }))).toThrow(
      expect.objectContaining({ name: 'InputError', message })
    )
  })

  test('ids and variable names that are fine stay fine', () => {
    const s = parseInputs(
      reader({ ...base, secrets: '_a.b-c=v', 'secret-envs': 'gh=GITHUB_TOKEN\nx=_X1' })
    )
    expect(s.secrets.map(x => x.id)).toEqual(['_a.b-c'])
    expect(s.secretEnvs).toEqual([
      { id: 'gh', env: 'GITHUB_TOKEN' },
      { id: 'x', env: '_X1' }
    ])
  })

  test.each([
    [{ push: 'yes' }, 'push: "yes" is not valid: use auto, true or false'],
    [{ 'dry-run': 'maybe' }, 'dry-run: "maybe" is not a boolean: use true or false'],
    [
      { platforms: 'linux' },
      'platforms: "linux" is not a platform: use os/arch[/variant], e.g. linux/amd64,linux/arm64'
    ],
    [
      { 'build-args': 'no equals' },
      'build-args: "no equals" is not NAME=value: write one NAME=value per line'
    ],
    [{ labels: 'justakey' }, 'labels: "justakey" is not key=value: write one key=value per line'],
    [{ username: '' }, expect.stringMatching(/^username: empty: leave the input unset/)],
    [{ username: 'a b' }, 'username: must not contain whitespace: use the registry account name']
  ])('%j → error', (values, message) => {
    expect(() => parseInputs(reader({ ...base, ...values }))).toThrow(
      expect.objectContaining({ name: 'InputError', message })
    )
  })
})

// On the runner, `token`, `password` and `job-token` all default to the job token (J): what the
// runner passes for each workflow, and what the step logs in with.
describe('login-action’s password: accepted as token, never together with it', () => {
  const J = 'ghs_jobtoken'
  const onRunner = (set: Record<string, string>) => ({
    username: 'octo',
    token: J,
    password: J,
    'job-token': J,
    ...set
  })
  test.each([
    ['nothing set: the job token', onRunner({}), J, 'token'],
    ['token set', onRunner({ token: 'ghp_pat' }), 'ghp_pat', 'token'],
    ['password set (login-action habit)', onRunner({ password: 'hub-pw' }), 'hub-pw', 'password'],
    ['password: ${{ github.token }} counts as unset', onRunner({ password: J }), J, 'token'],
    [
      'password: github.token next to a token: the token',
      onRunner({ token: 'ghp_pat', password: J }),
      'ghp_pat',
      'token'
    ],
    ['outside the runner (no defaults): token', { username: 'u', token: 't' }, 't', 'token'],
    [
      'outside the runner (no defaults): password',
      { username: 'u', password: 'p' },
      'p',
      'password'
    ]
  ])('%s', (_, values, token, tokenInput) => {
    expect(parseInputs(reader(values))).toMatchObject({ token, tokenInput })
  })

  test.each([
    [
      'both set',
      onRunner({ token: 'ghp_pat', password: 'hub-pw' }),
      "password: set together with token: keep one of them (password is docker/login-action's name for token)"
    ],
    [
      'both set to the same value',
      onRunner({ token: 'ghp_pat', password: 'ghp_pat' }),
      "password: set together with token: keep one of them (password is docker/login-action's name for token)"
    ]
  ])('%s → error', (_, values, message) => {
    expect(() => parseInputs(reader(values))).toThrow(
      expect.objectContaining({ name: 'InputError', message })
    )
  })

  test.each([
    ['an empty password secret (a fork’s pull request)', { password: '' }, 'password'],
    ['an empty token secret', { token: '' }, 'token']
  ])('%s stays empty, never the job token (the plan decides)', (_, set, tokenInput) => {
    expect(parseInputs(reader(onRunner(set)))).toMatchObject({ token: '', tokenInput })
  })
})
