// Moving over from the docker actions (issue 11), end to end against the real engine and
// registry: login-action's `password` in place of `token`, both set, a refused docker-action
// input, and build-push-action's pass-through inputs in a real build. The runner fills in `token`, `password` and `job-token` with the job token when the
// workflow leaves them out, so these runs pass them as the runner would.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@jest/globals'
import { docker, pushBusyboxBase } from './base-image.js'
import { e2eEnv, runStep, trixieEnv, visibleLog } from './harness.js'
import { freshContext, githubEnv, pushEvent, randomSha } from './fixtures.js'
import { RegistryApi } from './registry-api.js'

const env = e2eEnv()
const api = new RegistryApi(env)
const REPO = 'Acme-Org/Hello-App'
/** What `${{ github.token }}` would be: the default the runner gives the three inputs. */
const JOB_TOKEN = 'ghs_e2eJobToken0000000000000000000000000'
const runnerDefaults = { token: JOB_TOKEN, password: JOB_TOKEN, 'job-token': JOB_TOKEN }

function step(image: string, inputs: Record<string, string>) {
  const sha = randomSha()
  return runStep({
    inputs: {
      ...runnerDefaults,
      registry: env.E2E_REGISTRY,
      username: env.E2E_USER,
      images: `${env.E2E_REGISTRY}/${image}`,
      ...inputs
    },
    env: githubEnv(REPO, 'push', 'refs/heads/main', sha),
    event: pushEvent(REPO, 'refs/heads/main', sha),
    cwd: freshContext()
  }).then(r => ({ ...r, sha }))
}

const ranDocker = (stdout: string): boolean => /\[command\].*docker/.test(stdout)
const errorLines = (stdout: string): string[] =>
  stdout.split('\n').filter(l => l.startsWith('::error::'))

test("login-action's password instead of token: logged in with it, pushed, every tag verified", async () => {
  const repo = 'acme-org/password-app'
  const { main, sha } = await step(repo, { password: env.E2E_PASSWORD })
  expect(main.code).toBe(0)
  const tags = ['main', `sha-${sha.slice(0, 7)}`, 'latest']
  expect(await api.tags(repo)).toEqual([...tags].sort())
  for (const tag of tags) expect(await api.digest(repo, tag)).toBe(main.outputs.digest)
  expect(main.outputs.pushed).toBe('true')
  expect(main.stdout).toContain(`::add-mask::${env.E2E_PASSWORD}`)
  const shown = [visibleLog(main.stdout), main.stderr, JSON.stringify(main.outputs), main.summary]
  for (const text of shown) expect(text).not.toContain(env.E2E_PASSWORD)
})

test('password and token both set: one line naming both, nothing run, nothing pushed', async () => {
  const repo = 'acme-org/password-and-token'
  const { main } = await step(repo, { password: env.E2E_PASSWORD, token: 'ghp_someOtherToken' })
  expect(main.code).toBe(1)
  expect(errorLines(main.stdout)).toEqual([
    "::error::password: set together with token: keep one of them (password is docker/login-action's name for token)"
  ])
  expect(ranDocker(main.stdout)).toBe(false)
  expect(await api.tags(repo)).toEqual([])
})

test("a refused docker-action input (metadata-action's sep-tags): one line with the fix, nothing pushed", async () => {
  const repo = 'acme-org/sep-tags-app'
  const { main } = await step(repo, { password: env.E2E_PASSWORD, 'sep-tags': ',' })
  expect(main.code).toBe(1)
  expect(errorLines(main.stdout)).toEqual([
    "::error::sep-tags: docker/metadata-action's input, not supported here: the tags output is always one per line here: drop sep-tags and join the lines where another separator is needed"
  ])
  expect(ranDocker(main.stdout)).toBe(false)
  expect(await api.tags(repo)).toEqual([])
})

// The docker driver of Docker Engine 20.10 (the bookworm stack) ignores shm-size and ulimit;
// the newer engine applies them, as GitHub's runners do.
test("build-push-action's add-hosts, shm-size, ulimit, ssh and load reach the build (newer engine)", async () => {
  const tx = trixieEnv()
  const base = await pushBusyboxBase(tx)
  const key = join(mkdtempSync(join(tmpdir(), 'ghcr-e2e-ssh-')), 'id_ed25519')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])
  const repo = 'acme-org/build-options'
  const cwd = mkdtempSync(join(tmpdir(), 'ghcr-e2e-ctx-'))
  writeFileSync(
    join(cwd, 'Dockerfile'),
    [
      `FROM ${base}`,
      'RUN grep -w e2e-host /etc/hosts > /hosts; df -k /dev/shm | tail -1 > /shm; ulimit -n > /nofile',
      'RUN --mount=type=ssh,id=deploy test -S "$SSH_AUTH_SOCK" && echo agent > /ssh',
      ''
    ].join('\n')
  )
  const sha = randomSha()
  const { main } = await runStep({
    inputs: {
      ...runnerDefaults,
      registry: tx.E2E_REGISTRY,
      username: tx.E2E_USER,
      password: tx.E2E_PASSWORD,
      images: `${tx.E2E_REGISTRY}/${repo}`,
      tags: 'type=raw,value=t1',
      network: 'none', // the stack's engine has no bridge network
      'add-hosts': 'e2e-host:10.11.12.13',
      'shm-size': '96m',
      ulimit: 'nofile=1234:1234',
      ssh: `deploy=${key}`,
      load: 'true'
    },
    env: { ...githubEnv(REPO, 'push', 'refs/heads/main', sha), DOCKER_HOST: tx.DOCKER_HOST },
    event: pushEvent(REPO, 'refs/heads/main', sha),
    cwd
  })
  if (main.code !== 0) throw new Error(`the step failed:\n${main.stdout}\n${main.stderr}`)
  expect(await new RegistryApi(tx).tags(repo)).toEqual(['t1'])
  // load: the image is in the engine's store too; read what the RUN steps wrote from there
  const config = mkdtempSync(join(tmpdir(), 'ghcr-e2e-docker-config-'))
  const ref = `${tx.E2E_REGISTRY}/${repo}:t1`
  const id = await docker(tx, config, ['image', 'inspect', '--format', '{{.Id}}', ref])
  // the containerd store names an image by its manifest digest, the classic store by its config
  expect([main.outputs.digest, main.outputs.imageid]).toContain(id.output.trim())
  const ran = await docker(tx, config, [
    ...['run', '--rm', '--network', 'none', ref],
    ...['cat', '/hosts', '/shm', '/nofile', '/ssh']
  ])
  const [hosts, shm, nofile, ssh] = ran.output
    .trim()
    .split('\n')
    .filter(l => !l.startsWith('WARNING'))
  expect(hosts).toMatch(/^10\.11\.12\.13\s+e2e-host$/)
  expect(shm.split(/\s+/)[1]).toBe(String(96 * 1024)) // the tmpfs size in KiB
  expect(nofile).toBe('1234')
  expect(ssh).toBe('agent')
  await docker(tx, config, ['image', 'rm', ref])
}, 60_000)
