// What buildx's output says after a failed build or push, as tables. The outputs are real ones
// of both e2e engines (__tests__/fixtures/buildx/README.md).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  buildFailureHeadline,
  type BuildxFailure,
  failedInstruction,
  isTransientPushFailure,
  landedRefs,
  readBuildxFailure,
  sourceHost,
  writtenImageId
} from '../../src/buildx-output.js'
import { diagnose } from '../../src/diagnose.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'buildx')
const fixture = (name: string): string => readFileSync(join(FIXTURES, `${name}.txt`), 'utf8')

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

// (fixture, stage, step, Dockerfile location, headline, the diagnosis' cause or null)
const FAILURES: Array<[string, 'build' | 'push', string, string, RegExp, RegExp | null]> = [
  [
    'bookworm-run-fails',
    'build',
    '[3/3] RUN echo building && echo to stderr >&2 && false',
    '',
    /^the build failed at step \[3\/3\] RUN echo building .*: exit code: 1$/,
    /RUN instruction named above exited with an error/
  ],
  [
    'trixie-run-fails',
    'build',
    '[3/3] RUN echo building && echo to stderr >&2 && false',
    'Dockerfile:3',
    /^the build failed at Dockerfile:3, step \[3\/3\] RUN echo building .*: exit code: 1$/,
    /not in the registry or the credentials/
  ],
  [
    'bookworm-cmd-not-found',
    'build',
    '[2/2] RUN nosuchcommand --flag',
    '',
    /: exit code: 127$/,
    /did not find a command/
  ],
  [
    'trixie-cmd-not-found',
    'build',
    '[2/2] RUN nosuchcommand --flag',
    'Dockerfile:2',
    /^the build failed at Dockerfile:2, step \[2\/2\] RUN nosuchcommand --flag: exit code: 127$/,
    /did not find a command/
  ],
  [
    'trixie-continuation',
    'build',
    '[2/2] RUN echo a &&     echo b &&     false',
    'Dockerfile:2',
    /exit code: 1$/,
    /RUN instruction/
  ],
  [
    'bookworm-multistage',
    'build',
    '[build 3/3] RUN cat /nope',
    '',
    /step \[build 3\/3\] RUN cat \/nope: exit code: 1$/,
    /RUN instruction/
  ],
  [
    'trixie-multistage',
    'build',
    '[build 3/3] RUN cat /nope',
    'Dockerfile:3',
    /Dockerfile:3, step \[build 3\/3\] RUN cat \/nope: exit code: 1$/,
    /RUN instruction/
  ],
  [
    'trixie-multiplatform',
    'build',
    '[2/2] RUN ["/bin/busybox", "sh", "-c", "echo checking; exit 2"]',
    'Dockerfile:3',
    /exit code: 2$/,
    /RUN instruction/
  ],
  [
    'bookworm-copy-missing',
    'build',
    '[2/2] COPY missing.txt /missing.txt',
    '',
    /^the build failed at step \[2\/2\] COPY missing.txt \/missing.txt: "\/missing.txt" not found: not found$/,
    /not in the build context/
  ],
  [
    'trixie-copy-missing',
    'build',
    '[2/2] COPY missing.txt /missing.txt',
    'Dockerfile:3',
    /^the build failed at Dockerfile:3, step \[2\/2\] COPY missing.txt \/missing.txt: "\/missing.txt": not found$/,
    /not in the build context/
  ],
  [
    'bookworm-syntax',
    'build',
    '',
    '',
    /^the build failed: dockerfile parse error line 3: unknown instruction: RUNN$/,
    /syntax error/
  ],
  [
    'trixie-syntax',
    'build',
    '',
    'Dockerfile:3',
    /^the build failed at Dockerfile:3: dockerfile parse error on line 3: unknown instruction: RUNN \(did you mean RUN\?\)$/,
    /syntax error/
  ],
  [
    'bookworm-no-dockerfile',
    'build',
    '',
    '',
    /^the build failed: failed to read dockerfile: open .*Nope.Dockerfile: no such file or directory$/,
    /no Dockerfile at the path/
  ],
  [
    'trixie-no-dockerfile',
    'build',
    '',
    '',
    /^the build failed: failed to read dockerfile: open Nope.Dockerfile/,
    /no Dockerfile at the path/
  ],
  [
    'bookworm-from-missing',
    'build',
    '[internal] load metadata for 127.0.0.1:5001/nope/nothing:1',
    '',
    /load metadata for 127.0.0.1:5001\/nope\/nothing:1: 127.0.0.1:5001\/nope\/nothing:1: not found$/,
    /base image \(FROM\) is not on 127.0.0.1:5001/
  ],
  [
    'trixie-from-missing',
    'build',
    '[internal] load metadata for 127.0.0.1:5002/nope/nothing:1',
    'Dockerfile:1',
    /^the build failed at Dockerfile:1, step \[internal\] load metadata for /,
    /base image \(FROM\) is not on 127.0.0.1:5002/
  ],
  [
    'bookworm-from-unknown-host',
    'build',
    '[internal] load metadata for nosuchhost.invalid/nope:1',
    '',
    /no such host$/,
    /could not read an image from nosuchhost.invalid/
  ],
  [
    'trixie-from-unknown-host',
    'build',
    '[internal] load metadata for nosuchhost.invalid/nope:1',
    'Dockerfile:1',
    /no such host$/,
    /could not read an image from nosuchhost.invalid/
  ],
  [
    'trixie-attest',
    'build',
    'resolve image config for docker-image://docker.io/docker/buildkit-syft-scanner:stable-1',
    '',
    /no such host$/,
    /could not read an image from docker.io: .*SBOM scanner/
  ],
  [
    'bookworm-cache-to',
    'build',
    '',
    '',
    /^the build failed: Cache export is not supported for the docker driver.$/,
    /exports only an inline cache/
  ],
  [
    'bookworm-attest',
    'build',
    '',
    '',
    /^the build failed: Attestation is not supported for the docker driver.$/,
    /cannot attach provenance or SBOM/
  ],
  [
    'bookworm-multiplatform',
    'build',
    '',
    '',
    /^the build failed: Multi-platform build is not supported/,
    /one platform at a time/
  ],
  [
    'bookworm-push-denied',
    'push',
    'pushing 127.0.0.1:1/acme/x:1 with docker',
    '',
    /connection refused$/,
    /nothing answers/
  ],
  [
    'trixie-push-denied',
    'push',
    'exporting to image',
    '',
    /connection refused$/,
    /nothing answers/
  ],
  [
    'bookworm-push-unauthorized',
    'push',
    'pushing 127.0.0.1:5001/acme/noauth:1 with docker',
    '',
    /no basic auth credentials$/,
    /found no login/
  ],
  [
    'trixie-push-unauthorized',
    'push',
    'exporting to image',
    '',
    /401 Unauthorized$/,
    /did not accept the credentials/
  ],
  [
    'trixie-cache-export-fails',
    'push',
    'exporting cache to registry',
    '',
    /connection refused$/,
    /nothing answers/
  ]
]

describe('readBuildxFailure: real outputs of both engines', () => {
  test.each(FAILURES)('%s: %s failure', (name, stage, step, location, headline, cause) => {
    const f = readBuildxFailure(fixture(name))
    expect({ stage: f.stage, step: f.step, location: f.location }).toEqual({
      stage,
      step,
      location
    })
    expect(buildFailureHeadline(f)).toMatch(headline)
    // buildx's report ends with its ERROR line (and a refusal's two lines of advice)
    expect(f.report.some(l => /^ERROR: /.test(l))).toBe(true)
    expect(f.report.length).toBeLessThanOrEqual(40)
    const registry = sourceHost(f) ?? '127.0.0.1:5001'
    const d = diagnose(`${f.step}\n${f.message}`, stage, registry)
    if (cause === null) expect(d).toBeUndefined()
    else expect(d?.cause).toMatch(cause)
  })

  test("a RUN's report keeps its last output lines and the Dockerfile excerpt", () => {
    const f = readBuildxFailure(fixture('trixie-run-fails'))
    expect(f.report).toEqual(
      expect.arrayContaining([
        ' > [3/3] RUN echo building && echo to stderr >&2 && false:',
        '0.055 building',
        '0.056 to stderr',
        'Dockerfile:3',
        '   3 | >>> RUN echo building && echo to stderr >&2 && false'
      ])
    )
    expect(f.report.at(-1)).toMatch(/^ERROR: failed to solve: process .* exit code: 1$/)
    // nothing of the progress above the report
    expect(f.report.join('\n')).not.toMatch(/^#\d+ /m)
  })

  test('a RUN that prints "ERROR:" itself does not hide buildx\'s own error', () => {
    const f = readBuildxFailure(fixture('trixie-long-output'))
    expect(f.message).toMatch(/^process .* did not complete successfully: exit code: 1$/)
    expect(f.report).toContain('0.073 ERROR: from the script')
  })

  test.each([
    // newer buildx names the build before the solve
    [
      'ERROR: failed to build: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
      'process "/bin/sh -c make" did not complete successfully: exit code: 2'
    ],
    [
      '#7 ERROR: failed to push ghcr.io/a/b:1: 403 Forbidden',
      'failed to push ghcr.io/a/b:1: 403 Forbidden'
    ],
    ["docker: 'buildx' is not a docker command.", "docker: 'buildx' is not a docker command."]
  ])('message of %j', (output, message) => {
    expect(readBuildxFailure(output).message).toBe(message)
  })

  test.each([
    ['ERROR: failed to push: 503 Service Unavailable', 'push'],
    ['ERROR: failed to solve: failed to push ghcr.io/a/b:1: denied', 'push'],
    [
      'ERROR: failed to solve: process "/bin/sh -c docker push x" did not complete successfully: exit code: 1',
      'build'
    ],
    ['', 'build']
  ])('stage of %j is %s', (output, stage) => {
    expect(readBuildxFailure(output).stage).toBe(stage)
  })

  test("a long RUN line is cut in the headline, whole in docker's report", () => {
    const cmd = `RUN ${'make all && '.repeat(15)}true`
    const output = [
      `#5 [2/2] ${cmd}`,
      '#5 ERROR: process did not complete successfully: exit code: 2',
      '------',
      ` > [2/2] ${cmd}:`,
      '------',
      'ERROR: failed to solve: process did not complete successfully: exit code: 2'
    ].join('\n')
    const f = readBuildxFailure(output)
    const headline = buildFailureHeadline(f)
    expect(headline).toMatch(
      /^the build failed at step \[2\/2\] RUN make all && .*…: exit code: 2$/
    )
    expect(headline.length).toBeLessThan(150)
    expect(f.report).toEqual([
      ` > [2/2] ${cmd}:`,
      'ERROR: failed to solve: process did not complete successfully: exit code: 2'
    ])
  })

  test('an over-long report keeps its end', () => {
    const block = Array.from({ length: 80 }, (_, i) => `out ${i}`)
    const output = [
      '#5 [2/2] RUN x',
      '#5 ERROR: boom',
      '------',
      ' > [2/2] RUN x:',
      ...block,
      '------',
      'ERROR: failed to solve: boom'
    ].join('\n')
    const f = readBuildxFailure(output)
    expect(f.report).toHaveLength(40)
    expect(f.report[0]).toBe('…')
    expect(f.report.at(-1)).toBe('ERROR: failed to solve: boom')
  })
})

test.each([
  ['[internal] load metadata for ghcr.io/acme/base:1', 'ghcr.io'],
  ['[internal] load metadata for docker.io/library/node:22', 'docker.io'],
  ['[internal] load metadata for node:22', 'docker.io'],
  ['[internal] load metadata for localhost:5000/base:1', 'localhost:5000'],
  ['resolve image config for docker-image://docker.io/docker/dockerfile:1', 'docker.io'],
  ['[2/2] RUN make', undefined],
  // a first part without a dot, a port or the exact name localhost is a Docker Hub namespace
  ['[internal] load metadata for acme/base:1', 'docker.io'],
  ['[internal] load metadata for localhostx/base:1', 'docker.io'],
  ['[internal] load metadata for mylocalhost/base:1', 'docker.io'],
  ['[2/2] RUN echo [internal] load metadata for ghcr.io/a/b:1', undefined]
])('sourceHost of step %j is %j', (step, host) => {
  expect(sourceHost({ stage: 'build', step, location: '', message: '', report: [] })).toBe(host)
})

describe('isTransientPushFailure of real outputs', () => {
  test.each([
    // a RUN whose output mentions connection refusals is the build, never retried
    ['bookworm-run-fails', false],
    ['trixie-copy-missing', false],
    ['trixie-syntax', false],
    ['bookworm-from-unknown-host', false],
    // a push that found nothing listening is worth another attempt
    ['bookworm-push-denied', true],
    ['trixie-push-denied', true],
    ['trixie-push-unauthorized', false]
  ])('%s → %s', (name, transient) => {
    expect(isTransientPushFailure(fixture(name), false)).toBe(transient)
  })

  test('a base image that a registry hiccup kept away is worth another build', () => {
    const output = [
      '#3 [internal] load metadata for ghcr.io/acme/base:1',
      '#3 ERROR: failed to do request: Head "https://ghcr.io/v2/acme/base/manifests/1": net/http: TLS handshake timeout',
      '------',
      ' > [internal] load metadata for ghcr.io/acme/base:1:',
      '------',
      'ERROR: failed to solve: failed to do request: Head "https://ghcr.io/v2/acme/base/manifests/1": net/http: TLS handshake timeout'
    ].join('\n')
    expect(isTransientPushFailure(output, false)).toBe(true)
  })
})

describe('readBuildxFailure: the parts buildx output may lack', () => {
  test('no ` > step:` block: the step is the one whose progress says ERROR', () => {
    const f = readBuildxFailure(
      [
        '#4 [1/2] FROM docker.io/library/alpine',
        '#4 DONE 0.1s',
        '#5 [2/2] RUN make',
        '#5 ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2',
        'ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2'
      ].join('\n')
    )
    expect(f.step).toBe('[2/2] RUN make')
    expect(f.stage).toBe('build')
    expect(f.location).toBe('')
    expect(f.message).toBe('process "/bin/sh -c make" did not complete successfully: exit code: 2')
  })

  test.each(['trixie-run-fails', 'bookworm-copy-missing'])(
    "%s: the report drops buildx's ------ frames and never shows two blank lines in a row",
    name => {
      const report = readBuildxFailure(fixture(name)).report
      expect(report).not.toContain('------')
      expect(report[0]).not.toBe('')
      expect(report.some((l, i) => l === '' && report[i + 1] === '')).toBe(false)
    }
  )
})

// Exact parts, written by hand from the fixtures and from buildx's output format: each row pins
// one thing the looser tables above do not (a two-digit step id, a port in a RUN's output, a
// line at a limit).
describe('readBuildxFailure: exact message, step, location and report', () => {
  const RUN_FAILS =
    'ERROR: failed to solve: process "/bin/sh -c echo building && echo to stderr >&2 && false" did not complete successfully: exit code: 1'

  test('trixie-run-fails: the whole report, frames dropped, trailing spaces trimmed', () => {
    const f = readBuildxFailure(fixture('trixie-run-fails'))
    expect(f.message).toBe(
      'process "/bin/sh -c echo building && echo to stderr >&2 && false" did not complete successfully: exit code: 1'
    )
    expect(f.report).toEqual([
      ' > [3/3] RUN echo building && echo to stderr >&2 && false:',
      '0.055 building',
      '0.056 to stderr',
      'Dockerfile:3',
      '--------------------',
      '   1 |     FROM 127.0.0.1:5002/base/busybox:1',
      '   2 |     COPY hello.txt /hello.txt',
      '   3 | >>> RUN echo building && echo to stderr >&2 && false',
      '   4 |',
      '--------------------',
      RUN_FAILS
    ])
  })

  test("bookworm-cache-to: no step block, the refusal's two lines of advice are kept", () => {
    const f = readBuildxFailure(fixture('bookworm-cache-to'))
    expect(f.report).toEqual([
      'ERROR: Cache export is not supported for the docker driver.',
      'Switch to a different driver, or turn on the containerd image store, and try again.',
      'Learn more at https://docs.docker.com/go/build-cache-backends/'
    ])
  })

  test('at most three lines after the ERROR line are kept', () => {
    const output = ['#4 [1/1] RUN x', '#4 ERROR: boom', 'ERROR: boom', 'a', 'b', 'c', 'd', 'e']
    expect(readBuildxFailure(output.join('\n')).report).toEqual(['ERROR: boom', 'a', 'b', 'c'])
  })

  test('bookworm-push-denied: the push step and its message', () => {
    const f = readBuildxFailure(fixture('bookworm-push-denied'))
    expect(f.message).toBe(
      'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused'
    )
    expect(f.report).toEqual([
      ' > pushing 127.0.0.1:1/acme/x:1 with docker:',
      'ERROR: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused'
    ])
  })

  test('without an ERROR line the report is the error line docker printed', () => {
    const f = readBuildxFailure("docker: 'buildx' is not a docker command.")
    expect(f.report).toEqual(["docker: 'buildx' is not a docker command."])
    expect(f.step).toBe('')
  })

  test('two-digit step ids; a "#5 " inside a RUN\'s output is not progress; a port is not the location', () => {
    const output = [
      '#11 [1/2] FROM 127.0.0.1:5002/base/busybox:1',
      '#11 DONE 0.0s',
      '#12 [2/2] RUN ./serve',
      '#12 0.051 fixed in #5 already',
      '#12 0.052 listening on 127.0.0.1:8080',
      '#12 ERROR: process "/bin/sh -c ./serve" did not complete successfully: exit code: 3',
      '------',
      ' > [2/2] RUN ./serve:',
      '0.051 fixed in #5 already',
      '0.052 listening on 127.0.0.1:8080',
      '------',
      'Dockerfile:12',
      '--------------------',
      '  12 | >>> RUN ./serve',
      '--------------------',
      'ERROR: failed to solve: process "/bin/sh -c ./serve" did not complete successfully: exit code: 3'
    ]
    const f = readBuildxFailure(output.join('\n'))
    expect(f).toEqual({
      stage: 'build',
      step: '[2/2] RUN ./serve',
      location: 'Dockerfile:12',
      message: 'process "/bin/sh -c ./serve" did not complete successfully: exit code: 3',
      report: output.slice(7).filter(l => l !== '------')
    })
    expect(buildFailureHeadline(f)).toBe(
      'the build failed at Dockerfile:12, step [2/2] RUN ./serve: exit code: 3'
    )
  })

  test('no block: the step of a two-digit progress id that says ERROR', () => {
    const f = readBuildxFailure(
      [
        '#10 [2/2] RUN make',
        '#10 ERROR: exit code: 2',
        'ERROR: failed to solve: exit code: 2'
      ].join('\n')
    )
    expect(f.step).toBe('[2/2] RUN make')
    expect(f.report).toEqual(['ERROR: failed to solve: exit code: 2'])
  })

  test('a block names the step when no progress line says ERROR', () => {
    const f = readBuildxFailure(
      ['------', ' > exporting cache to registry:', '------', 'ERROR: failed to solve: EOF'].join(
        '\n'
      )
    )
    expect(f.step).toBe('exporting cache to registry')
    expect(f.stage).toBe('push')
  })

  test('a progress line with a two-digit id is taken apart like the last line', () => {
    expect(
      readBuildxFailure('#12 ERROR: failed to push ghcr.io/a/b:1: 403 Forbidden').message
    ).toBe('failed to push ghcr.io/a/b:1: 403 Forbidden')
  })

  test('blank lines: none first, never two in a row', () => {
    const output = [
      '#5 [2/2] RUN x',
      '#5 ERROR: boom',
      '------',
      '',
      '',
      ' > [2/2] RUN x:',
      '0.1 a',
      '',
      '',
      '',
      '0.2 b',
      '------',
      'ERROR: failed to solve: boom'
    ]
    expect(readBuildxFailure(output.join('\n')).report).toEqual([
      ' > [2/2] RUN x:',
      '0.1 a',
      '',
      '0.2 b',
      'ERROR: failed to solve: boom'
    ])
  })

  test('a report line is cut at 300 characters, one of exactly 300 is not', () => {
    const long = `0.1 ${'x'.repeat(400)}`
    const exact = `0.2 ${'y'.repeat(296)}`
    const output = [
      '#5 [2/2] RUN x',
      '#5 ERROR: boom',
      ' > [2/2] RUN x:',
      long,
      exact,
      'ERROR: boom'
    ]
    const report = readBuildxFailure(output.join('\n')).report
    expect(report[1]).toBe(`${long.slice(0, 299)}…`)
    expect(report[2]).toBe(exact)
  })

  test('a report of exactly 40 lines is kept whole', () => {
    const block = Array.from({ length: 38 }, (_, i) => `0.${i} out`)
    const output = ['#5 [2/2] RUN x', '#5 ERROR: boom', ' > [2/2] RUN x:', ...block, 'ERROR: boom']
    const report = readBuildxFailure(output.join('\n')).report
    expect(report).toHaveLength(40)
    expect(report[0]).toBe(' > [2/2] RUN x:')
  })

  test.each([
    // a base image that may not be read is the build's failure, whatever words the registry used
    [
      '[internal] load metadata for ghcr.io/acme/private:1',
      'failed to resolve source metadata for ghcr.io/acme/private:1: failed to authorize: failed to fetch oauth token: 403 Forbidden',
      'build'
    ],
    // a RUN that echoes push words is the build
    [
      '[2/2] RUN echo pushing images && false',
      'process "/bin/sh -c echo pushing images && false" did not complete successfully: exit code: 1',
      'build'
    ],
    // the image export failed on the machine, not in sending it
    [
      'exporting to image',
      'failed to export image: write /var/lib/docker/x: no space left on device',
      'build'
    ],
    // a registry refusal during the export is the push
    ['exporting to image', 'unexpected status: 401 Unauthorized', 'push']
  ])('step %j, message %j → %s', (step, message, stage) => {
    const output = ['#8 ' + step, '#8 ERROR: ' + message, 'ERROR: failed to solve: ' + message]
    expect(readBuildxFailure(output.join('\n')).stage).toBe(stage)
  })

  test('no step: only a message that starts with "failed to push" is the push', () => {
    const output =
      'ERROR: failed to solve: process "/bin/sh -c ./deploy || echo failed to push" did not complete successfully: exit code: 1'
    expect(readBuildxFailure(output).stage).toBe('build')
  })
})

describe('buildFailureHeadline: what it shortens, and what not', () => {
  const failure = (step: string, message: string): BuildxFailure => ({
    stage: 'build',
    step,
    location: '',
    message,
    report: []
  })

  test('a RUN whose message does not end with its exit code keeps the whole message', () => {
    const message = 'process "/bin/sh -c x" did not complete successfully: exit code: 137: killed'
    expect(buildFailureHeadline(failure('[2/2] RUN x', message))).toBe(
      `the build failed at step [2/2] RUN x: ${message}`
    )
  })

  test('a step of exactly 100 characters is kept whole', () => {
    const step = `[2/2] RUN ${'a'.repeat(90)}`
    expect(buildFailureHeadline(failure(step, 'exit code: 1'))).toBe(
      `the build failed at step ${step}: exit code: 1`
    )
  })
})

test.each([
  ['[10/12] RUN make', 'RUN'],
  ['[build 2/12] COPY a b', 'COPY'],
  ['[linux/arm64 2/2] RUN x', 'RUN'],
  ['exporting to image', '']
])('the instruction of step %j is %j', (step, instruction) => {
  const f: BuildxFailure = { stage: 'build', step, location: '', message: 'boom', report: [] }
  expect(failedInstruction(f)).toBe(instruction)
})

describe('isTransientPushFailure: a RUN is never retried', () => {
  test.each([
    // the command line itself names a transient error: still the user's RUN
    '[2/2] RUN curl -f https://example.com || (echo 503 Service Unavailable; exit 1)',
    '[2/2] RUN ./fetch --on-error "connection reset"'
  ])('%s', step => {
    const message = `process "/bin/sh -c ${step.slice(10)}" did not complete successfully: exit code: 1`
    const output = ['#6 ' + step, '#6 ERROR: ' + message, 'ERROR: failed to solve: ' + message]
    expect(isTransientPushFailure(output.join('\n'), true)).toBe(false)
  })
})
