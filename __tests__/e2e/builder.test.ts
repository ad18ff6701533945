// The builder end to end (issue 13 §1, issue 11 §3) on the old engine (classic image store),
// where the docker driver cannot build two platforms: with driver: auto the step creates a
// docker-container builder, whose image (moby/buildkit) cannot be pulled on these machines. What
// the user sees then is one error before the build, naming the image and the fix; the builder is
// gone afterwards. With a user-given builder or driver: docker the step may not create one: it
// refuses before the build, naming the input and the fix. Nothing reaches the registry.
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freshContext, githubEnv, pushEvent, randomSha } from './fixtures.js'
import { e2eEnv, runStep, type StepResult } from './harness.js'
import { RegistryApi } from './registry-api.js'

const env = e2eEnv()
const api = new RegistryApi(env)
const REPOSITORY = 'Acme-Org/Builder-App'
const TIMEOUT = 120_000

async function step(repo: string, inputs: Record<string, string>): Promise<StepResult> {
  const sha = randomSha()
  const { main } = await runStep({
    inputs: {
      registry: env.E2E_REGISTRY,
      username: env.E2E_USER,
      token: env.E2E_PASSWORD,
      images: `${env.E2E_REGISTRY}/${repo}`,
      retries: '0',
      ...inputs
    },
    env: { ...githubEnv(REPOSITORY, 'push', 'refs/heads/main', sha), DOCKER_HOST: env.DOCKER_HOST },
    event: pushEvent(REPOSITORY, 'refs/heads/main', sha),
    cwd: freshContext()
  })
  return main
}

const errorsOf = (r: StepResult): string[] =>
  r.stdout.split('\n').filter(l => l.startsWith('::error'))
const built = (r: StepResult): boolean => /\[command\].*buildx build/.test(r.stdout)

/** The engine's containers and the builders buildx knows, as a fresh docker config sees them. */
function leftovers(): { containers: string[]; builders: string } {
  const config = mkdtempSync(join(tmpdir(), 'ghcr-e2e-ls-'))
  const run = (args: string[]): string =>
    execFileSync('docker', args, {
      env: { ...process.env, DOCKER_HOST: env.DOCKER_HOST, DOCKER_CONFIG: config },
      encoding: 'utf8'
    })
  const containers = run(['ps', '--all', '--format', '{{.Names}}'])
    .split('\n')
    .filter(n => n.startsWith('buildx_buildkit_ghcr-build-push-'))
  return { containers, builders: run(['buildx', 'ls']) }
}

test(
  'driver: auto, two platforms: the builder image cannot be pulled → one error before the build, naming the image and the fix; the builder is removed',
  async () => {
    const repo = 'acme-org/auto-builder'
    const main = await step(repo, { platforms: 'linux/amd64,linux/386' })
    expect(main.code).toBe(1)
    const errors = errorsOf(main)
    expect(errors).toHaveLength(1)
    const [error] = errors
    expect(error).toMatch(
      /^::error::builder: the docker-container builder cannot start: its image moby\/buildkit:buildx-stable-1 cannot be pulled: /
    )
    expect(error).toContain(
      'fix: mirror moby/buildkit:buildx-stable-1 to a registry the runner reaches and pass driver-opts: image=<the copy>, or create a builder before this step and pass its name as builder'
    )
    // it was created and started (the pull failed), then removed
    const name = /builder: creating (ghcr-build-push-[0-9a-f]{8}) \(docker-container/.exec(
      main.stdout
    )?.[1]
    expect(name).toBeDefined()
    expect(main.stdout).toContain(`builder: removed ${name}`)
    expect(built(main)).toBe(false)
    const left = leftovers()
    expect(left.containers).toEqual([])
    expect(left.builders).not.toContain(name)
    expect(await api.tags(repo)).toEqual([])
  },
  TIMEOUT
)

test(
  'driver-opts image=: the mirror named in the error is the one given',
  async () => {
    const main = await step('acme-org/mirror-builder', {
      'cache-to': 'type=registry,ref=' + `${env.E2E_REGISTRY}/acme-org/mirror-builder:cache`,
      'driver-opts': `image=${env.E2E_REGISTRY}/mirror/buildkit:absent`
    })
    expect(main.code).toBe(1)
    expect(errorsOf(main)).toHaveLength(1)
    expect(errorsOf(main)[0]).toMatch(
      new RegExp(
        `its image ${env.E2E_REGISTRY.replace(/\./g, '\\.')}/mirror/buildkit:absent cannot be pulled`
      )
    )
    expect(built(main)).toBe(false)
  },
  TIMEOUT
)

test.each([
  [
    'a user-given builder',
    { builder: 'default' },
    /^::error::platforms: linux\/amd64,linux\/386: the builder "default" uses the docker driver on Docker's classic image store, which cannot do this: leave builder empty/
  ],
  [
    'driver: docker',
    { driver: 'docker' },
    /^::error::platforms: linux\/amd64,linux\/386: driver: docker on Docker's classic image store cannot do this: set driver: auto \(the default\)/
  ]
])(
  '%s on the classic store, two platforms: refused before the build, naming the input and the fix; no builder created',
  async (_name, inputs, message) => {
    const repo = `acme-org/refused-${Object.keys(inputs)[0]}`
    const main = await step(repo, { platforms: 'linux/amd64,linux/386', ...inputs })
    expect(main.code).toBe(1)
    const errors = errorsOf(main)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(message)
    expect(errors[0]).not.toContain('%0A')
    expect(main.stdout).not.toContain('builder: creating')
    expect(built(main)).toBe(false)
    expect(await api.tags(repo)).toEqual([])
  },
  TIMEOUT
)
