import { diagnose, errorLine } from '../../src/diagnose.js'

describe('diagnose', () => {
  test.each([
    ['push', 'denied: installation not allowed to Write organization package', /packages: write/],
    [
      'push',
      'denied: installation not allowed to Create organization package',
      /package creation.*GitHub App/
    ],
    ['push', 'denied: permission_denied: write_package', /Manage Actions access/],
    ['login', 'Error response from daemon: Get "https://ghcr.io/v2/": denied: denied', /SSO/],
    [
      'login',
      'login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized',
      /check the token secret/
    ],
    ['push', 'ERROR: no basic auth credentials', /write:packages/],
    ['push', 'failed to push: 403 Forbidden', /write access/],
    ['push', 'invalid reference format: repository name must be lowercase', /lowercase image name/]
  ] as const)('%s: %s', (phase, text, fix) => {
    expect(diagnose(text, phase, 'ghcr.io')?.fix).toMatch(fix)
  })

  test('unknown text has no diagnosis', () => {
    expect(diagnose('failed to solve: dockerfile parse error', 'build', 'ghcr.io')).toBeUndefined()
  })

  test('errorLine picks the last error line', () => {
    expect(errorLine('#1 building\n#2 DONE\nERROR: failed to push x: denied\nsome trailer')).toBe(
      'ERROR: failed to push x: denied'
    )
  })
})
