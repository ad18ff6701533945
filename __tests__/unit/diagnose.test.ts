import { diagnose, diagnosisTable, errorLine, PHASES } from '../../src/diagnose.js'
import { REGISTRY_RULES } from '../../src/diagnose-registry.js'
import type { Phase } from '../../src/errors.js'

// (phase, what the registry or docker said, expected fix, expected cause)
const TABLE: Array<[Phase, string, RegExp, RegExp]> = [
  [
    'push',
    'ERROR: denied: installation not allowed to Write organization package',
    /permissions: packages: write/,
    /GITHUB_TOKEN may not write packages/
  ],
  [
    'preflight',
    'HTTP 403: DENIED: permission_denied: installation not allowed to Write organization package',
    /permissions: packages: write/,
    /GitHub App token/
  ],
  [
    'push',
    'denied: installation not allowed to Create organization package',
    /package creation.*GitHub App/,
    /may not create a package/
  ],
  [
    'push',
    'ERROR: denied: permission_denied: write_package',
    /Manage Actions access/,
    /never linked/
  ],
  [
    'push',
    'denied: permission_denied: The token provided does not match expected scopes.',
    /classic PAT with the write:packages scope/,
    /fine-grained PAT/
  ],
  [
    'login',
    'Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.',
    /Configure SSO/,
    /SAML single sign-on/
  ],
  [
    'login',
    'Error response from daemon: Get "https://ghcr.io/v2/": unauthorized: unauthenticated: User cannot be authenticated with the token provided.',
    /create a new token/,
    /expired, revoked or mistyped/
  ],
  [
    'push',
    'invalid reference format: repository name must be lowercase',
    /lowercase image name/,
    /uppercase/
  ],
  ['push', 'ERROR: invalid reference format', /at most 128/, /not valid/],
  [
    'push',
    'failed commit on ref: unexpected status from PUT request: 429 Too Many Requests\ntoomanyrequests: retry-after: 12.5ms, allowed: 2000/minute',
    /max-parallel/,
    /rate-limiting/
  ],
  [
    'push',
    '403 Forbidden: You have exceeded a secondary rate limit',
    /raise `retries`/,
    /rate-limiting/
  ],
  ['push', 'ERROR: no basic auth credentials', /DOCKER_CONFIG/, /no login for ghcr.io/],
  [
    'login',
    'Error response from daemon: Get "https://ghcr.io/v2/": denied: denied',
    /SSO/,
    /wrong, expired or revoked/
  ],
  [
    'preflight',
    'HTTP 403: DENIED: denied',
    /authorize the token for SSO/,
    /refused the username and token/
  ],
  [
    'login',
    'login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized',
    /check the token secret/,
    /rejected the username or token/
  ],
  [
    'preflight',
    'HTTP 401: UNAUTHORIZED: authentication required',
    /check the token secret/,
    /rejected/
  ],
  [
    'push',
    'ERROR: unauthorized: authentication required',
    /packages: read can pull, not push/,
    /did not accept the credentials/
  ],
  [
    'verify',
    'HTTP 401: UNAUTHORIZED: authentication required',
    /write:packages scope/,
    /did not accept/
  ],
  ['push', 'failed to push: 403 Forbidden', /write access/, /refused this token/],
  [
    'verify',
    'name unknown: repository name not known to registry',
    /check the image name/,
    /no repository by that name/
  ],
  ['verify', 'MANIFEST_UNKNOWN: manifest unknown', /re-run the job/, /did not land/],
  [
    'push',
    'manifest invalid: manifest invalid',
    /provenance: false/,
    /rejected the image manifest/
  ],
  [
    'login',
    'Get "https://reg.example:5000/v2/": http: server gave HTTP response to HTTPS client',
    /insecure-registries/,
    /plain HTTP/
  ],
  [
    'login',
    'Get "https://reg/v2/": x509: certificate signed by unknown authority',
    /ca\.crt/,
    /not trusted/
  ],
  [
    'login',
    'Get "https://ghcr.iox/v2/": dial tcp: lookup ghcr.iox: no such host',
    /spelling/,
    /does not resolve/
  ],
  ['preflight', 'ECONNREFUSED', /host and port/, /nothing answers/],
  [
    'push',
    'unexpected status from PUT request to https://ghcr.io/v2/o/a/manifests/1: 502 Bad Gateway',
    /githubstatus/,
    /failing on its side/
  ],
  [
    'preflight',
    'preflight: opening an upload failed (HTTP 503: Service Unavailable)',
    /githubstatus/,
    /failing on its side/
  ],
  [
    'push',
    'write tcp 172.17.0.2:41546->140.82.113.34:443: write: connection reset by peer',
    /re-run the job/,
    /network/
  ],
  [
    'build',
    'ERROR: Attestation is not supported for the docker driver.',
    /provenance: false/,
    /docker driver/
  ],
  [
    'build',
    'ERROR: Multi-platform build is not supported for the docker driver.',
    /docker-container builder/,
    /one platform/
  ],
  [
    'build',
    'ERROR: Cache export is not supported for the docker driver.\nSwitch to a different driver, or turn on the containerd image store, and try again.',
    /driver: auto.*type=inline/,
    /inline cache/
  ],
  [
    'build',
    '#8 0.105 exec /bin/sh: exec format error\nERROR: process "/bin/sh -c uname -m > /arch" did not complete successfully: exit code: 1',
    /qemu: auto.*qemu: true/,
    /another architecture/
  ],
  [
    'push',
    'ERROR: failed to push docker.io/acme/app:1: no basic auth credentials',
    /registry-auth/,
    /no login/
  ],
  [
    'build',
    'ERROR: BuildKit is enabled but the buildx component is missing or broken.',
    /buildx-version/,
    /not installed/
  ]
]

describe('diagnose', () => {
  test.each(TABLE)('%s: %s', (phase, text, fix, cause) => {
    const d = diagnose(text, phase, 'ghcr.io')
    expect(d).toBeDefined()
    expect(d!.fix).toMatch(fix)
    expect(d!.cause).toMatch(cause)
  })

  test('the registry name appears in the cause', () => {
    expect(diagnose('unauthorized', 'login', '127.0.0.1:5000')?.cause).toContain('127.0.0.1:5000')
  })

  test('phase-bound rules stay in their phase', () => {
    // a build failure that merely says "unauthorized" somewhere is not a login problem
    expect(diagnose('failed to fetch: unauthorized', 'build', 'ghcr.io')).toBeUndefined()
    expect(diagnose('ERROR: no basic auth credentials', 'login', 'ghcr.io')).toBeUndefined()
  })

  test('unknown text has no diagnosis', () => {
    expect(diagnose('failed to solve: the frobnicator broke', 'build', 'ghcr.io')).toBeUndefined()
    // a RUN's command may say anything: a build rule names the instruction, not the registry
    expect(
      diagnose(
        '[2/2] RUN curl https://x.invalid || echo no such host\nprocess "/bin/sh -c curl https://x.invalid || echo no such host" did not complete successfully: exit code: 6',
        'build',
        'ghcr.io'
      )?.cause
    ).toMatch(/RUN instruction/)
  })
})

describe('diagnosisTable', () => {
  // The clean-up's and the build's rules have their messages in cleanup and buildx-output tests.
  test('every registry rule is reached by a message of the table above', () => {
    const reached = new Set(
      TABLE.map(([phase, text]) => diagnose(text, phase, 'the registry')?.cause)
    )
    const missed = REGISTRY_RULES.filter(
      rule => !reached.has(rule.diagnosis('the registry').cause)
    ).map(rule => rule.says)
    expect(missed).toEqual([])
  })

  test('one row per known message, each with phases, cause and fix, for the README', () => {
    for (const row of diagnosisTable) {
      expect(row.says).not.toBe('')
      expect(row.cause).not.toBe('')
      expect(row.fix).not.toBe('')
      expect(row.phases.length).toBeGreaterThan(0)
      for (const p of row.phases) expect(PHASES).toContain(p)
    }
    expect(diagnosisTable.map(r => r.says)).toContain('denied: permission_denied: write_package')
  })

  test('every row is reachable: its own message finds it', () => {
    for (const row of diagnosisTable) {
      const example = row.says.split(' / ')[0].replace(/ \(.*\)$/, '')
      const phase = row.phases[0]
      expect({ example, got: diagnose(example, phase, 'the registry') }).toEqual({
        example,
        got: { cause: row.cause, fix: row.fix }
      })
    }
  })
})

describe('errorLine', () => {
  test('picks the last error line', () => {
    expect(errorLine('#1 building\n#2 DONE\nERROR: failed to push x: denied\nsome trailer')).toBe(
      'ERROR: failed to push x: denied'
    )
  })

  test.each([
    // docker login: its log record of the attempt, then the error on a line of its own
    [
      'time="2026-12-03T14:00:00Z" level=info msg="Error logging in to endpoint, trying next endpoint" endpoint="{false http://127.0.0.1:9 false false false 0xc000302d20}" error="Get \\"http://127.0.0.1:9/v2/\\": dial tcp 127.0.0.1:9: connect: connection refused"\nGet "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused',
      'Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused'
    ],
    // nothing but records: the last one is still better than nothing
    ['time="x" level=warning msg="a"\ntime="y" level=info msg="b"', 'time="y" level=info msg="b"'],
    // an error record is an error
    ['time="x" level=error msg="boom"\ndone', 'time="x" level=error msg="boom"']
  ])('docker log records: %j → %j', (output, line) => {
    expect(errorLine(output)).toBe(line)
  })

  test('falls back to the last line, and caps the length', () => {
    expect(errorLine('a\nb\n')).toBe('b')
    expect(errorLine('error ' + 'x'.repeat(900))).toHaveLength(500)
  })
})
