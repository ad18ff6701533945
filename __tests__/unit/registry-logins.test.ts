// registry-auth (docker/login-action's YAML list) and which credentials each registry gets.
// The reader is our own; every value it accepts is checked against a real YAML parser.
import { parse as parseYaml } from 'yaml'
import { contextFromEnv } from '../../src/context.js'
import { credentialsFor } from '../../src/credentials.js'
import { parseInputs } from '../../src/inputs.js'
import { computePlan, type Plan } from '../../src/plan.js'
import { parseRegistryAuth, resolveLogins } from '../../src/registry-logins.js'

describe('parseRegistryAuth reads what YAML reads', () => {
  test.each([
    [
      "login-action's README form",
      '- registry: docker.io\n  username: ${{ vars.U }}\n  password: dckr_pat_abc\n- registry: ghcr.io\n  username: octo\n  password: ghs_xyz'
    ],
    ['keys on the lines after a bare dash', '-\n  registry: quay.io\n  username: u\n  password: p'],
    [
      'indented list, comments, blank lines',
      '  # Docker Hub\n  - registry: docker.io   # hub\n\n    username: u\n    password: p # trailing'
    ],
    [
      'a plain value with # not after a space',
      '- registry: quay.io\n  username: u\n  password: p#ss:w0rd'
    ],
    ['single quotes', "- registry: quay.io\n  username: 'u'\n  password: 'it''s: #not a comment'"],
    [
      'double quotes with escapes',
      '- registry: quay.io\n  username: "u"\n  password: "a\\"b\\\\c \\u00e9"'
    ],
    ['no registry: Docker Hub', '- username: u\n  password: p'],
    ['CRLF line ends', '- registry: quay.io\r\n  username: u\r\n  password: p\r\n'],
    ['empty', '']
  ])('%s', (_name, text) => {
    const expected = ((parseYaml(text) as Array<Record<string, string>> | null) ?? []).map(e => ({
      registry: e.registry ?? 'docker.io',
      username: String(e.username),
      password: String(e.password)
    }))
    expect(parseRegistryAuth(text)).toEqual(expected)
  })

  test('hosts are normalized like the registry input', () => {
    const text =
      '- registry: https://index.docker.io/v1/\n  username: a\n  password: p\n- registry: GHCR.io\n  username: b\n  password: q'
    expect(parseRegistryAuth(text).map(e => e.registry)).toEqual(['docker.io', 'ghcr.io'])
  })

  test('a given but empty password (a secret that is not set, as on a fork PR) is read as empty', () => {
    expect(parseRegistryAuth('- registry: docker.io\n  username: u\n  password: ')).toEqual([
      { registry: 'docker.io', username: 'u', password: '' }
    ])
  })

  // Every one of these is refused; none of the messages may show the secret.
  test.each([
    [
      'a mapping, not a list',
      'registry: quay.io\nusername: u\npassword: s3cr3tvalue',
      /^registry-auth: line 1 is not a key of a list entry/
    ],
    [
      'keys out of line',
      '- registry: quay.io\n    username: u\n  password: s3cr3tvalue',
      /^registry-auth: line 2 is not a key/
    ],
    [
      'an anchor',
      '- registry: quay.io\n  username: u\n  password: &s3cr3tvalue',
      /^registry-auth: line 3 \(password\): YAML does not read this value as plain text/
    ],
    [
      'a block scalar',
      '- registry: quay.io\n  username: u\n  password: |\n    s3cr3tvalue',
      /^registry-auth: line 3 \(password\): YAML does not read/
    ],
    [
      'an unclosed quote',
      "- registry: quay.io\n  username: u\n  password: 's3cr3tvalue",
      /^registry-auth: line 3 \(password\): unclosed quote/
    ],
    [
      'a flow list',
      '[{registry: quay.io, username: u, password: s3cr3tvalue}]',
      /^registry-auth: line 1 is not a key/
    ],
    [
      'a repeated key',
      '- registry: quay.io\n  password: s3cr3tvalue\n  password: s3cr3tvalue',
      /^registry-auth: line 3 repeats password/
    ],
    [
      'an unknown key',
      '- registry: quay.io\n  user: u\n  password: s3cr3tvalue',
      /^registry-auth: the entry at line 1 has the unknown key "user": use registry, username and password$/
    ],
    [
      'no username',
      '- registry: quay.io\n  password: s3cr3tvalue',
      /^registry-auth: the entry at line 1 \(quay.io\) has no username/
    ],
    [
      'scope',
      '- registry: docker.io\n  scope: acme/app@push\n  username: u\n  password: s3cr3tvalue',
      /sets scope, which this step does not support/
    ]
  ])('%s', (_name, text, message) => {
    expect(() => parseRegistryAuth(text)).toThrow(message)
    try {
      parseRegistryAuth(text)
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cr3tvalue')
    }
  })
})

describe('resolveLogins: every registry, with the source of its credentials', () => {
  const base = {
    primary: 'ghcr.io',
    registryAuth: [] as ReturnType<typeof parseRegistryAuth>,
    username: 'octo',
    actor: 'octo-actor',
    jobTokenRegistry: 'ghcr.io',
    push: true
  }
  test.each([
    [
      'one image on ghcr.io: the inputs',
      { images: ['ghcr.io/a/b'] },
      [['ghcr.io', 'octo', 'inputs']]
    ],
    [
      'ghcr.io and Docker Hub: the inputs, and the registry-auth entry',
      {
        images: ['ghcr.io/a/b', 'docker.io/a/b'],
        registryAuth: [{ registry: 'docker.io', username: 'hub', password: 'p' }]
      },
      [
        ['ghcr.io', 'octo', 'inputs'],
        ['docker.io', 'hub', 'registry-auth']
      ]
    ],
    [
      'registry: docker.io, images on ghcr.io too: ghcr.io logs in as github.actor',
      { primary: 'docker.io', username: 'hub', images: ['docker.io/a/b', 'ghcr.io/a/b'] },
      [
        ['docker.io', 'hub', 'inputs'],
        ['ghcr.io', 'octo-actor', 'github']
      ]
    ],
    [
      'a registry-auth entry wins over the inputs for its registry',
      {
        images: ['ghcr.io/a/b'],
        registryAuth: [{ registry: 'ghcr.io', username: 'bot', password: 'p' }]
      },
      [['ghcr.io', 'bot', 'registry-auth']]
    ],
    [
      'a registry-auth registry without images is logged in to as well (base images, caches)',
      {
        images: ['ghcr.io/a/b'],
        registryAuth: [{ registry: 'quay.io', username: 'q', password: 'p' }]
      },
      [
        ['ghcr.io', 'octo', 'inputs'],
        ['quay.io', 'q', 'registry-auth']
      ]
    ],
    [
      'on GHES the job token is for containers.<host>: that registry gets it, ghcr.io does not',
      {
        primary: 'docker.io',
        username: 'hub',
        jobTokenRegistry: 'containers.ghes.example.com',
        images: ['docker.io/a/b', 'containers.ghes.example.com/a/b'],
        push: false
      },
      [
        ['docker.io', 'hub', 'inputs'],
        ['containers.ghes.example.com', 'octo-actor', 'github']
      ]
    ],
    [
      'not pushing: an image without credentials is no error',
      { images: ['ghcr.io/a/b', 'quay.io/a/b'], push: false },
      [['ghcr.io', 'octo', 'inputs']]
    ]
  ])('%s', (_name, args, expected) => {
    const logins = resolveLogins({ ...base, ...args })
    expect(logins.map(l => [l.registry, l.username, l.source])).toEqual(expected)
  })

  test('pushing to a registry without credentials: the input error names the image and the fix', () => {
    expect(() => resolveLogins({ ...base, images: ['ghcr.io/a/b', 'quay.io/a/b'] })).toThrow(
      'images: quay.io/a/b is on quay.io, which the step has no credentials for: add quay.io to registry-auth (a "- registry: quay.io" entry with username and password), or set registry: quay.io with username and token'
    )
  })
})

describe('credentialsFor: the token of each registry', () => {
  const ctx = contextFromEnv(
    {
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_ACTOR: 'the-actor'
    },
    {}
  )
  test.each([
    [{}, 'ghcr.io', { username: 'octo', token: 'job-token' }],
    [
      {
        images: 'ghcr.io/acme/app\ndocker.io/acme/app',
        'registry-auth': '- registry: docker.io\n  username: hub\n  password: hub-pat'
      },
      'docker.io',
      { username: 'hub', token: 'hub-pat' }
    ],
    [
      {
        registry: 'docker.io',
        username: 'hub',
        token: 'hub-pat',
        images: 'docker.io/acme/app\nghcr.io/acme/app'
      },
      'ghcr.io',
      { username: 'the-actor', token: 'gh-token' }
    ]
  ])('%j: %s', (inputs, registry, expected) => {
    const all: Record<string, string> = {
      username: 'octo',
      token: 'job-token',
      'github-token': 'gh-token',
      ...inputs
    }
    const settings = parseInputs(n => all[n] ?? '')
    const p: Plan = computePlan({
      settings,
      ctx,
      now: new Date(0),
      metadataFile: 'm',
      iidFile: 'i',
      secretsDir: 's',
      localTag: 'l'
    })
    expect(credentialsFor(settings, p, registry)).toEqual(expected)
  })
})
