import { parseInputs, lines, envInputReader } from '../../src/inputs.js'

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? ''
const base = { username: 'octo', token: 't0ken' }

describe('parseInputs', () => {
  test('defaults', () => {
    const s = parseInputs(reader(base))
    expect(s).toMatchObject({
      registry: 'ghcr.io',
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
    [{ token: '' }, expect.stringMatching(/^token: empty: leave the input unset/)],
    [{ username: '' }, expect.stringMatching(/^username: empty: leave the input unset/)],
    [{ username: 'a b' }, 'username: must not contain whitespace: use the registry account name']
  ])('%j → error', (values, message) => {
    expect(() => parseInputs(reader({ ...base, ...values }))).toThrow(
      expect.objectContaining({ name: 'InputError', message })
    )
  })
})
