// dry-run: the plan is printed and the outputs set; no docker command runs and no registry is
// contacted. A `docker` stub first on PATH records any call; the registry is an address where
// nothing listens.
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStep } from './harness.js'
import { freshContext, githubEnv, pushEvent, randomSha } from './fixtures.js'

test('dry-run prints the plan and touches neither docker nor the registry', async () => {
  const bin = mkdtempSync(join(tmpdir(), 'ghcr-e2e-bin-'))
  const marker = join(bin, 'docker-was-called')
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "$@" >> ${marker}\nexit 0\n`)
  chmodSync(join(bin, 'docker'), 0o755)
  const sha = randomSha()
  const { main } = await runStep({
    inputs: { registry: '127.0.0.1:9', 'dry-run': 'true', username: 'u', token: 'dry-token-123' },
    env: {
      ...githubEnv('Acme-Org/Hello-App', 'push', 'refs/tags/v1.2.3', sha),
      PATH: `${bin}:${process.env.PATH}`
    },
    event: pushEvent('Acme-Org/Hello-App', 'refs/tags/v1.2.3', sha),
    cwd: freshContext()
  })
  expect(main.code).toBe(0)
  expect(existsSync(marker)).toBe(false)
  expect(main.stdout).toMatch(/1\.2 +← type=semver,pattern=\{\{major\}\}\.\{\{minor\}\}/)
  expect(main.stdout).toContain('command: docker buildx build')
  expect(main.outputs.pushed).toBe('false')
  expect(main.outputs.digest).toBe('')
  expect(main.outputs.tags.split('\n')).toContain('127.0.0.1:9/acme-org/hello-app:1.2.3')
  expect(main.outputs.version).toBe('1.2.3')
})
