// The build for the builder at hand, as tables: (inputs, builder) → argv and who pushes.
// Which builder it is: builder-choice.test.ts.
import { buildCommand, type BuilderFacts } from '../../src/build-command.js'
import { builderNeeds, needsBuilderFacts } from '../../src/builder-choice.js'
import { contextFromEnv } from '../../src/context.js'
import { parseInputs } from '../../src/inputs.js'
import { computePlan, type Plan } from '../../src/plan.js'

const DOCKER_CLASSIC: BuilderFacts = { driver: 'docker', classicStore: true }
const DOCKER_CONTAINERD: BuilderFacts = { driver: 'docker', classicStore: false }
const CONTAINER: BuilderFacts = { driver: 'docker-container', classicStore: false }

function plan(inputs: Record<string, string> = {}): Plan {
  const settings = parseInputs(name => ({ username: 'u', token: 't', ...inputs })[name] ?? '')
  const ctx = contextFromEnv(
    {
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: 'c'.repeat(40)
    },
    { repository: { default_branch: 'main' } }
  )
  return computePlan({
    settings,
    ctx,
    now: new Date('2026-01-01T00:00:00Z'),
    metadataFile: '/w/m.json',
    iidFile: '/w/iid',
    secretsDir: '/w/secrets',
    localTag: 'local-1'
  })
}

describe('builderNeeds: what the docker driver on the classic store cannot do', () => {
  test.each([
    [{}, []],
    [{ platforms: 'linux/amd64' }, []],
    [{ platforms: 'linux/amd64,linux/arm64' }, ['platforms: linux/amd64,linux/arm64']],
    [{ provenance: 'mode=max' }, ['provenance: mode=max']],
    [{ sbom: 'true' }, ['sbom: true']],
    [{ sbom: 'false' }, []],
    [{ 'cache-to': 'type=inline' }, []],
    [{ 'cache-to': 'type=gha,mode=max' }, ['cache-to: type=gha,mode=max']],
    [{ 'cache-to': 'ghcr.io/acme/app:cache' }, ['cache-to: ghcr.io/acme/app:cache']], // a bare ref is a registry cache
    [
      { 'cache-to': 'type=inline\nmode=max,type=registry,ref=ghcr.io/a/b:c' },
      ['cache-to: mode=max,type=registry,ref=ghcr.io/a/b:c']
    ],
    [
      { platforms: 'linux/amd64,linux/386', provenance: 'true' },
      ['platforms: linux/amd64,linux/386', 'provenance: true']
    ],
    [{ attests: 'type=sbom' }, ['attests: type=sbom']],
    [
      { attests: 'type=sbom\ntype=provenance,mode=max' },
      ['attests: type=sbom; type=provenance,mode=max']
    ],
    [{ attests: 'type=sbom,disabled=true' }, []]
  ])('%j → %j', (inputs: Record<string, string>, needs) => {
    const values: Record<string, string> = { token: 't', username: 'u', ...inputs }
    expect(builderNeeds(parseInputs(n => values[n] ?? ''))).toEqual(needs)
  })
})

describe('buildCommand', () => {
  const flagValues = (argv: string[], flag: string) =>
    argv.flatMap((a, i) => (a === flag ? [argv[i + 1]] : []))

  test('a plain push: every ref tagged, --push, the context after --; our push may stand in', () => {
    const p = plan()
    const c = buildCommand(p, undefined)
    expect(flagValues(c.argv, '--tag')).toEqual(p.refs)
    expect(c.argv).toContain('--push')
    expect(c.argv.slice(-2)).toEqual(['--', '.'])
    expect(c.ownPush).toBe('fallback')
  })

  test.each([
    ['several platforms', { platforms: 'linux/amd64,linux/arm64' }],
    ['provenance', { provenance: 'mode=min' }],
    ['sbom', { sbom: 'true' }]
  ])(
    '%s: docker save would not hold the image whole, so our push never stands in',
    (_n, inputs) => {
      expect(buildCommand(plan(inputs), { name: 'b', facts: CONTAINER }).ownPush).toBe('never')
    }
  )

  test('no push: no --push, nothing for our client to do', () => {
    const c = buildCommand(plan({ push: 'false' }), undefined)
    expect(c.argv).not.toContain('--push')
    expect(c.ownPush).toBe('never')
  })

  test('a context named like a flag stays a path', () => {
    expect(buildCommand(plan({ context: '--push' }), undefined).argv.slice(-2)).toEqual([
      '--',
      '--push'
    ])
  })

  test('push-by-digest on the docker driver: a local-only tag, no output, our client pushes', () => {
    const p = plan({ 'push-by-digest': 'true', platforms: 'linux/amd64' })
    const c = buildCommand(p, { name: '', facts: DOCKER_CLASSIC })
    expect(flagValues(c.argv, '--tag')).toEqual(['ghcr.io/acme/app:local-1'])
    expect(c.argv).not.toContain('--output')
    expect(c.argv).not.toContain('--push')
    expect(c.ownPush).toBe('always')
  })

  test('push-by-digest on another driver: buildx pushes by digest, nothing tagged', () => {
    const p = plan({ 'push-by-digest': 'true', platforms: 'linux/amd64' })
    const c = buildCommand(p, { name: 'b', facts: CONTAINER })
    expect(flagValues(c.argv, '--tag')).toEqual([])
    expect(flagValues(c.argv, '--output')).toEqual([
      'type=image,"name=ghcr.io/acme/app",push-by-digest=true,name-canonical=true,oci-mediatypes=true,push=true'
    ])
    expect(c.argv.slice(-2)).toEqual(['--', '.'])
    expect(c.ownPush).toBe('never')
  })

  test.each([
    ['the docker driver', { driver: 'docker', classicStore: true }, 'fallback'],
    ['the docker driver, not probed', undefined, 'fallback'],
    ['a docker-container builder (nothing in the local store)', CONTAINER, 'never']
  ])('one plain image on %s: our push stands in → %s', (_n, facts, ownPush) => {
    expect(buildCommand(plan(), { name: '', facts }).ownPush).toBe(ownPush)
  })

  test('a cache export does not change what docker save holds', () => {
    const on = { name: '', facts: DOCKER_CONTAINERD }
    expect(buildCommand(plan({ 'cache-to': 'type=gha' }), on).ownPush).toBe('fallback')
  })

  test('the builder the step chose is named, whatever the builder input said', () => {
    const c = buildCommand(plan(), { name: 'ghcr-build-push-1234', facts: CONTAINER })
    expect(c.argv.slice(0, 4)).toEqual(['buildx', 'build', '--builder', 'ghcr-build-push-1234'])
    expect(buildCommand(plan(), { name: '' }).argv).not.toContain('--builder')
  })

  test('a named builder is passed first', () => {
    expect(buildCommand(plan({ builder: 'ci' }), undefined).argv.slice(0, 4)).toEqual([
      'buildx',
      'build',
      '--builder',
      'ci'
    ])
  })
})

describe('load: the image stays in the local image store too', () => {
  const argvTail = (inputs: Record<string, string>, facts: BuilderFacts | undefined) =>
    buildCommand(plan(inputs), facts && { name: '', facts }).argv.filter(
      a => a === '--push' || a === '--load'
    )
  test.each([
    // the docker driver's push already leaves the image in the engine (and old BuildKit
    // refuses a second output: "multiple outputs currently unsupported")
    ['docker driver, pushing', {}, DOCKER_CLASSIC, ['--push']],
    ['docker driver, containerd store, pushing', {}, DOCKER_CONTAINERD, ['--push']],
    ['docker-container driver, pushing: a second output', {}, CONTAINER, ['--push', '--load']],
    ['not pushing', { push: 'false' }, DOCKER_CLASSIC, ['--load']],
    ['not pushing, docker-container', { push: 'false' }, CONTAINER, ['--load']],
    ['a dry run (no builder facts) shows it', {}, undefined, ['--push', '--load']]
  ])('%s', (_, inputs, facts, expected) => {
    expect(argvTail({ load: 'true', ...inputs }, facts)).toEqual(expected)
  })

  test('without load, no --load', () => {
    expect(argvTail({}, CONTAINER)).toEqual(['--push'])
  })

  test('load with a push needs to know the builder; without a push it does not', () => {
    expect(needsBuilderFacts(plan({ load: 'true' }))).toBe(true)
    expect(needsBuilderFacts(plan({ load: 'true', push: 'false' }))).toBe(false)
    expect(needsBuilderFacts(plan({}))).toBe(false)
  })
})
