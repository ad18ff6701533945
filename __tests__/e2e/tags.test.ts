// The tag language end to end: a custom block on a tag push leaves exactly the expected tags.
import { e2eEnv, runStep } from './harness.js'
import { freshContext, githubEnv, pushEvent, randomSha } from './fixtures.js'
import { RegistryApi } from './registry-api.js'

const env = e2eEnv()
const api = new RegistryApi(env)

test('tag push with a custom tags/flavor block: exactly the expected tag set', async () => {
  const sha = randomSha()
  const ref = 'refs/tags/v3.4.5'
  const repo = 'acme-org/custom-tags'
  const { main } = await runStep({
    inputs: {
      registry: env.E2E_REGISTRY,
      username: env.E2E_USER,
      token: env.E2E_PASSWORD,
      images: `${env.E2E_REGISTRY}/${repo}`,
      tags: [
        'type=semver,pattern={{version}}',
        'type=semver,pattern={{major}}.{{minor}}',
        'type=semver,pattern=v{{major}}',
        'type=raw,value=stable,enable={{is_default_branch}}',
        'type=raw,value=release',
        'type=sha,format=long'
      ].join('\n'),
      flavor: 'prefix=app-\nsuffix=-linux'
    },
    env: githubEnv('Acme-Org/Custom-Tags', 'push', ref, sha),
    event: pushEvent('Acme-Org/Custom-Tags', ref, sha),
    cwd: freshContext()
  })
  expect(main.code).toBe(0)
  // A tag push is not the default branch: no `stable`. flavor latest=auto adds latest for the
  // semver release; the flavor prefix/suffix apply to every tag but latest (onlatest is false),
  // except where a rule has its own: type=sha's prefix is `sha-`, so only the suffix applies.
  const expected = [
    'app-3.4.5-linux',
    'app-3.4-linux',
    'app-v3-linux',
    'app-release-linux',
    `sha-${sha}-linux`,
    'latest'
  ]
  expect(await api.tags(repo)).toEqual([...expected].sort())
  for (const t of expected) expect(await api.digest(repo, t)).toBe(main.outputs.digest)
  expect(main.outputs.version).toBe('app-3.4.5-linux') // as metadata-action: the flavor is part of it
  // Every tag is explained in the log and the summary.
  expect(main.stdout).toMatch(/app-3\.4-linux +← type=semver,pattern=\{\{major\}\}\.\{\{minor\}\}/)
  expect(main.summary).toContain('type=sha,format=long')
})

test('branch push with a release-only block: built, nothing pushed, green', async () => {
  const sha = randomSha()
  const ref = 'refs/heads/dev'
  const repo = 'acme-org/release-only'
  const { main } = await runStep({
    inputs: {
      registry: env.E2E_REGISTRY,
      username: env.E2E_USER,
      token: env.E2E_PASSWORD,
      images: `${env.E2E_REGISTRY}/${repo}`,
      tags: 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}'
    },
    env: githubEnv('Acme-Org/Release-Only', 'push', ref, sha),
    event: pushEvent('Acme-Org/Release-Only', ref, sha),
    cwd: freshContext()
  })
  expect(main.code).toBe(0)
  expect([main.outputs.pushed, main.outputs.tags]).toEqual(['false', ''])
  expect(main.stdout).toContain(
    'no tag applies to this push event (ref refs/heads/dev): type=semver,pattern={{version}}: not a tag push'
  )
  expect(main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/) // built, as for a fork PR
  expect(await api.tags(repo)).toEqual([])
})

test('full image references in tags: exactly those refs', async () => {
  const sha = randomSha()
  const ref = 'refs/heads/main'
  const repo = 'acme-org/refs-app'
  const image = `${env.E2E_REGISTRY}/${repo}`
  const { main } = await runStep({
    inputs: {
      registry: env.E2E_REGISTRY,
      username: env.E2E_USER,
      token: env.E2E_PASSWORD,
      images: image,
      // A leftover ${{ steps.meta.outputs.tags }}: references, comma- and newline-separated.
      tags: `${image}:latest,${image}:1.0\n${image}:stable`
    },
    env: githubEnv('Acme-Org/Refs-App', 'push', ref, sha),
    event: pushEvent('Acme-Org/Refs-App', ref, sha),
    cwd: freshContext()
  })
  expect(main.code).toBe(0)
  expect(await api.tags(repo)).toEqual(['1.0', 'latest', 'stable'])
  for (const t of ['1.0', 'latest', 'stable']) {
    expect(await api.digest(repo, t)).toBe(main.outputs.digest)
  }
})
