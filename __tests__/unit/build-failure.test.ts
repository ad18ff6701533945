// A failed `docker buildx build` through the whole step (issue 11, point 3): a failure of the
// build itself is a build error, with its step, Dockerfile line, docker's report and a cause, even
// when the command also pushes; only a failure after the build is a push failure. Buildx's
// output is the real one of the e2e engines (__tests__/fixtures/buildx).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FakeRegistry } from './fake-registry.js'
import { prepareStep, versionProbe } from './step-env.js'
import { setCommandRunner } from '../../src/exec.js'
import { setHttp } from '../../src/http.js'
import { runStep } from '../../src/main.js'

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'buildx', `${name}.txt`), 'utf8')

let builds: number

async function run(
  buildxOutput: string,
  inputs: Record<string, string> = {}
): Promise<{ error: string; log: string; summary: string }> {
  const { dir } = prepareStep({ username: 'octo', token: 'ghs_jobtoken', ...inputs })
  const summaryFile = join(dir, 'summary.md')
  writeFileSync(summaryFile, '')
  process.env.GITHUB_STEP_SUMMARY = summaryFile
  builds = 0
  setCommandRunner(async (_command, args) => {
    const probe = versionProbe(args)
    if (probe) return probe
    if (args[0] === 'buildx' && args[1] === 'build') {
      builds++
      return { code: 1, stdout: '', stderr: buildxOutput }
    }
    return { code: 0, stdout: '', stderr: '' }
  })
  setHttp(new FakeRegistry({ auth: 'none' }).http)
  const chunks: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((c: string) => (chunks.push(String(c)), true)) as typeof write
  try {
    await runStep()
  } finally {
    process.stdout.write = write
  }
  const log = chunks.join('')
  const error = (/^::error::(.*)$/m.exec(log)?.[1] ?? '').replace(/%0A/g, '\n')
  return { error, log, summary: readFileSync(summaryFile, 'utf8') }
}

let savedEnv: NodeJS.ProcessEnv
beforeEach(() => {
  savedEnv = { ...process.env }
})
afterEach(() => {
  process.env = savedEnv
  process.exitCode = undefined
})

// [fixture, inputs, the error's first line, lines the error holds, the summary's phase]
const CASES: Array<[string, Record<string, string>, RegExp, RegExp[], string]> = [
  [
    'trixie-run-fails',
    {},
    /^the build failed at Dockerfile:3, step \[3\/3\] RUN echo building .* && false: exit code: 1$/,
    [
      /^nothing was pushed$/m,
      /^cause: a command of the Dockerfile failed/m,
      /^docker said:$/m,
      /^ {2}0\.055 building$/m,
      /^ {2} {3}3 \| >>> RUN echo building/m
    ],
    'build'
  ],
  [
    'bookworm-run-fails',
    {},
    /^the build failed at step \[3\/3\] RUN echo building .*: exit code: 1$/,
    [/^nothing was pushed$/m, /^ {2}0\.046 to stderr$/m],
    'build'
  ],
  [
    'trixie-copy-missing',
    {},
    /^the build failed at Dockerfile:3, step \[2\/2\] COPY missing.txt \/missing.txt: "\/missing.txt": not found$/,
    [/^cause: a file or directory that this COPY or ADD names is not in the build context$/m],
    'build'
  ],
  [
    'bookworm-cache-to',
    {}, // buildx's own refusal (the input that leads to it may be refused before the build)
    /^the build failed: Cache export is not supported for the docker driver\.$/,
    [/^cause: .*docker driver on the classic image store/m, /^ {2}Switch to a different driver/m],
    'build'
  ],
  // a foreign-platform RUN without an emulator: what the step printed says why
  [
    [
      '#7 [linux/arm64 2/2] RUN uname -m > /arch',
      '#7 0.060 exec /bin/sh: exec format error',
      '#7 ERROR: process "/bin/sh -c uname -m > /arch" did not complete successfully: exit code: 1',
      '------',
      ' > [linux/arm64 2/2] RUN uname -m > /arch:',
      '0.060 exec /bin/sh: exec format error',
      '------',
      'ERROR: failed to solve: process "/bin/sh -c uname -m > /arch" did not complete successfully: exit code: 1'
    ].join('\n'),
    {},
    /^the build failed at step \[linux\/arm64 2\/2\] RUN uname -m > \/arch: exit code: 1$/,
    [/^cause: a RUN step ran a program built for another architecture/m],
    'build'
  ],
  // not pushing: the same build error, without "nothing was pushed"
  [
    'trixie-run-fails',
    { push: 'false' },
    /^the build failed at Dockerfile:3, step \[3\/3\] RUN/,
    [/^cause: a command of the Dockerfile failed/m],
    'build'
  ],
  // after the build, the push itself
  [
    'bookworm-push-unauthorized',
    { retries: '0' },
    /^the push failed: ERROR: no basic auth credentials$/,
    [/^pushed: none$/m, /^not pushed: ghcr.io\/acme\/app:main, /m],
    'push'
  ]
]

test.each(CASES)('%s %j', async (name, inputs, headline, lines, phase) => {
  const output = name.includes('\n') ? name : fixture(name)
  const { error, summary } = await run(output, inputs)
  expect(process.exitCode).toBe(1)
  const [first, ...rest] = error.split('\n')
  expect(first).toMatch(headline)
  for (const line of lines) expect(rest.join('\n')).toMatch(line)
  if (phase === 'build') {
    // never read as a push failure, never retried (retries default to 3)
    expect(error).not.toMatch(/push failed|^pushed: |^not pushed: /m)
    expect(builds).toBe(1)
  }
  if (inputs.push === 'false') expect(error).not.toMatch(/nothing was pushed/)
  expect(summary).toContain(`**failed in the ${phase} phase**`)
  expect(summary.split('\n')[0]).toBe('## ghcr\\.io/acme/app')
})
