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
