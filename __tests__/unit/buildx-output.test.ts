// What buildx's output says after a failed build or push, as tables.
import { isTransientPushFailure, landedRefs, writtenImageId } from '../../src/buildx-output.js'

const MAIN = 'ghcr.io/acme/app:main'
const LATEST = 'ghcr.io/acme/app:latest'

describe('landedRefs', () => {
  test.each([
    [
      'docker driver: a step that is DONE landed, one that errored did not',
      [
        '#6 pushing ghcr.io/acme/app:main with docker',
        '#6 DONE 0.1s',
        '#7 pushing ghcr.io/acme/app:latest with docker',
        '#7 ERROR: denied'
      ],
      [MAIN]
    ],
    [
      'docker driver: nothing DONE',
      ['#6 pushing ghcr.io/acme/app:main with docker', '#6 ERROR: denied'],
      []
    ],
    [
      'other drivers: the manifest push of a ref reported done',
      ['#9 pushing manifest for ghcr.io/acme/app:latest@sha256:abc123 0.4s done', '#9 ERROR: 503'],
      [LATEST]
    ],
    [
      'a ref that only prefixes another is not matched',
      ['#6 pushing ghcr.io/acme/app:main-x with docker', '#6 DONE 0.1s'],
      []
    ]
  ])('%s', (_name, output, landed) => {
    expect(landedRefs(output.join('\n'), [MAIN, LATEST])).toEqual(landed)
  })
})

test.each([
  [`#5 writing image sha256:${'e'.repeat(64)} done`, `sha256:${'e'.repeat(64)}`],
  ['#5 exporting layers done', undefined],
  ['#5 writing image sha256:short', undefined]
])('writtenImageId(%j) = %j', (output, id) => {
  expect(writtenImageId(output)).toBe(id)
})

describe('isTransientPushFailure', () => {
  test.each([
    ['ERROR: failed to push: 503 Service Unavailable', false, true],
    ['ERROR: failed to push: denied: permission_denied: write_package', true, false],
    // after a proven preflight, an auth error in the push is a registry hiccup: retried
    ['ERROR: failed to push: unauthorized: authentication required', true, true],
    ['ERROR: failed to push: unauthorized: authentication required', false, false],
    // only docker's last error line counts: a RUN step may print these words itself
    [
      'connection refused\nERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
      false,
      false
    ]
  ])('%j (preflight proven: %s) → %s', (output, proven, transient) => {
    expect(isTransientPushFailure(output, proven)).toBe(transient)
  })
})
