// The security table (issue 10, README "Security"): each attack is a row, input or payload →
// what must not happen. Every row runs the bundled dist/index.js the way the runner does
// (__tests__/e2e/harness.ts: INPUT_*, GITHUB_* and STATE_* variables, the runner's files), with a
// fake `docker` first on PATH (fake-docker.ts) and local HTTP servers: the GitHub API stand-in
// and, where a row needs one, a registry written for the attack. Besides its own checks, every
// row must keep the invariants in `checkInvariants`: the runner carries out no command the step
// did not mean, no credential shows, docker's children see no INPUT_* value, nothing is left in
// RUNNER_TEMP, GITHUB_STATE stays empty, the summary renders without links or images.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGitHubApi, type GitHubApi } from '../servers/github-api.js'
import { runnerCommands } from './fake-docker.js'
import { renderGfm as render, visible } from './gfm.js'
import {
  builds,
  checkInvariants,
  errors,
  GH_TOKEN,
  inputError,
  notPushed,
  prRow,
  pushEnv,
  PWN,
  run as runRow,
  TOKEN,
  type Row
} from './security-run.js'

let api: GitHubApi
beforeAll(async () => {
  api = await startGitHubApi({ tokens: { [GH_TOKEN]: {} }, repos: {} })
})
afterAll(() => api.stop())
const run = (row: Row) => runRow(api, row)

const INJECTION = [
  'A nice app',
  `::save-state name=isPost::${PWN}`,
  '::add-mask::main',
  `::stop-commands::${PWN}`,
  `  ##[set-output name=${PWN}]1`,
  `::warning::${PWN}\r::group::${PWN}`,
  '</code>',
  '```',
  '</details><a href="https://evil.example">x</a><img src=x onerror=alert(1)>'
].join('\n')

const ROWS: Array<[string, Row]> = [
  // ------------------------------------------------------------ 1. workflow-command injection
  [
    '1 API description with newlines, workflow commands and HTML → no command, one label line, a summary that holds it',
    {
      description: INJECTION,
      check: r => {
        expect(r.main.code).toBe(0)
        const labels = r.main.outputs.labels.split('\n')
        expect(labels.every(l => /^org\.opencontainers\.image\.[a-z]+=/.test(l))).toBe(true)
        const description = labels.find(l => l.includes('.description='))
        expect(description).toContain('::save-state name=isPost::PWN')
        for (const call of r.docker) expect(call.args.join(' ')).not.toMatch(/[\r\n]/)
        // the summary shows the description as text, inside its block
        const html = render(r.main.summary)
        expect(visible(html)).toContain('</details><a href="https://evil.example">x</a><img src=x')
        expect(html).toMatch(/<details>[\s\S]*A nice app[\s\S]*<\/details>/)
      }
    }
  ],
  [
    '1 the same description in a dry run (plan and command: line) → no command',
    {
      description: INJECTION,
      inputs: { 'dry-run': 'true' },
      check: r => {
        expect(r.main.code).toBe(0)
        expect(r.main.stdout).toContain('command: docker buildx build')
        expect(r.docker).toEqual([])
      }
    }
  ],
  [
    "1 docker's output (a RUN line) prints workflow commands → shown, not carried out",
    {
      dockerSays: [
        '::add-mask::main',
        `::save-state name=isPost::${PWN}`,
        `#5 0.2 ##[set-output name=${PWN}]1`,
        `::stop-commands::${PWN}`,
        '::endgroup::',
        `::error::${PWN}` // no newline at the end
      ].join('\n'),
      check: r => {
        expect(r.main.code).toBe(0)
        expect(r.main.stdout).toContain(`::save-state name=isPost::${PWN}`)
        // the step's own commands after the build still count
        const names = runnerCommands(r.main.stdout).commands.map(c => c.name)
        expect(names.filter(n => n === 'group').length).toBe(
          names.filter(n => n === 'endgroup').length
        )
      }
    }
  ],
  [
    '1 pull request payload: head ref and GITHUB_HEAD_REF with a newline and a command → one label line',
    {
      ...prRow('pull_request', { full_name: 'acme/app' }, 'feature\n::add-mask::main'),
      inputs: { labels: 'pr.head={{head_ref}}', push: 'false' },
      check: r => {
        expect(r.main.code).toBe(0)
        expect(r.main.outputs.labels.split('\n')).toContain('pr.head=feature ::add-mask::main')
      }
    }
  ],
  [
    '1 branch name with HTML and an autolink → no link or image in the summary',
    {
      env: pushEnv('refs/heads/www.evil.example/<img/src=x>'),
      inputs: { labels: 'branch={{branch}}', push: 'false' },
      check: r => {
        expect(r.main.code).toBe(0)
        expect(r.main.outputs.labels.split('\n')).toContain('branch=www.evil.example/<img/src=x>')
        expect(visible(render(r.main.summary))).toContain('branch=www.evil.example/<img/src=x>')
      }
    }
  ],
  ...['context', 'builder', 'file', 'registry', 'target', 'username', 'token'].map(
    (input): [string, Row] => [
      `1 ${input} with a line break and a command → input error, before any docker call`,
      {
        inputs: { [input]: `x\n::save-state name=isPost::${PWN}` },
        check: inputError(input, /line break/)
      }
    ]
  ),
  // ------------------------------------------------------------ 2. forks and pull_request_target
  [
    '2 pull_request_target from a fork, push: auto → not pushed',
    {
      ...prRow('pull_request_target', { full_name: 'attacker/app' }),
      check: notPushed(/pull_request_target/)
    }
  ],
  [
    '2 pull_request_target from the same repository, push: auto → not pushed',
    {
      ...prRow('pull_request_target', { full_name: 'acme/app' }),
      check: notPushed(/pull_request_target/)
    }
  ],
  [
    '2 pull_request whose head repository was deleted (head.repo null) → not pushed',
    { ...prRow('pull_request', null), check: notPushed(/from a fork the payload does not name/) }
  ],
  [
    '2 pull_request_review from a fork → not pushed',
    {
      ...prRow('pull_request_review', { full_name: 'attacker/app' }),
      check: notPushed(/fork attacker\/app/)
    }
  ],
  [
    '2 pull_request_review_comment from a fork → not pushed',
    {
      ...prRow('pull_request_review_comment', { full_name: 'attacker/app' }),
      check: notPushed(/fork attacker\/app/)
    }
  ],
  // ------------------------------------------------------------ 3. a fork's empty secret token
  [
    '3 fork pull request with an empty token → built without a login, a warning, no error',
    {
      ...prRow('pull_request', { full_name: 'attacker/app' }),
      inputs: { token: '' },
      check: r => {
        expect(r.main.code).toBe(0)
        expect(r.docker.filter(c => c.args[0] === 'login')).toEqual([])
        expect(builds(r)).toHaveLength(1)
        expect(errors(r)).toEqual([])
        const warnings = runnerCommands(r.main.stdout).commands.filter(c => c.name === 'warning')
        expect(warnings.map(w => w.data)).toContainEqual(expect.stringMatching(/token is empty/))
      }
    }
  ],
  [
    '3 fork pull request, "Docker Hub too" with its secret empty (registry-auth password: ) → built without logins, a warning naming docker.io',
    {
      ...prRow('pull_request', { full_name: 'attacker/app' }),
      inputs: {
        token: '',
        images: 'ghcr.io/acme/app\ndocker.io/acme/app',
        'registry-auth': '- registry: docker.io\n  username: acmebot\n  password: '
      },
      check: r => {
        expect(r.main.code).toBe(0)
        expect(errors(r)).toEqual([])
        expect(r.docker.filter(c => c.args[0] === 'login')).toEqual([])
        expect(builds(r)).toHaveLength(1)
        const warnings = runnerCommands(r.main.stdout).commands.filter(c => c.name === 'warning')
        expect(warnings.map(w => w.data)).toContainEqual(
          expect.stringMatching(/^registry-auth: the docker\.io entry's password is empty/)
        )
      }
    }
  ],
  [
    '3 a push with an empty registry-auth password → input error naming registry-auth and docker.io',
    {
      inputs: {
        images: 'ghcr.io/acme/app\ndocker.io/acme/app',
        'registry-auth': '- registry: docker.io\n  username: acmebot\n  password: '
      },
      check: inputError('registry-auth', /docker\.io entry's password is empty/)
    }
  ],
  // ------------------------------------------------------------ 4. state from a (former) post step
  [
    '4 STATE_workDir, STATE_registry, STATE_isPost → nothing outside its own directory removed, no flag to docker',
    {
      env: files => ({
        STATE_isPost: 'true',
        STATE_workDir: join(files.dir, 'victim'),
        STATE_registry: '--help'
      }),
      setup: (_cwd, files) => {
        mkdirSync(join(files.dir, 'victim'))
        writeFileSync(join(files.dir, 'victim', 'keep.txt'), 'keep')
        mkdirSync(join(files.runnerTemp, 'ghcr-build-push-old'))
        writeFileSync(join(files.runnerTemp, 'ghcr-build-push-old', 'keep.txt'), 'keep')
      },
      check: r => {
        expect(r.main.code).toBe(0)
        expect(existsSync(join(r.files.dir, 'victim', 'keep.txt'))).toBe(true)
        expect(existsSync(join(r.files.runnerTemp, 'ghcr-build-push-old', 'keep.txt'))).toBe(true)
        for (const call of r.docker) expect(call.args).not.toContain('--help')
        expect(r.docker.map(c => c.args[0])).not.toContain('logout')
        // the one directory it removed is the one it made: every docker call used it
        const configs = new Set(r.docker.map(c => c.env.DOCKER_CONFIG))
        expect(configs.size).toBe(1)
        const [config] = configs
        expect(config).toMatch(
          new RegExp(`^${r.files.runnerTemp}/ghcr-build-push-[0-9a-f]{8}/docker-config$`)
        )
        expect(existsSync(config)).toBe(false)
      }
    }
  ],
  // ------------------------------------------------------------ 5. inputs that become flags
  [
    '5 registry: --help → input error',
    { inputs: { registry: '--help' }, check: inputError('registry', /not a registry host/) }
  ],
  [
    '5 images: -x/app → input error',
    { inputs: { images: '-x/app' }, check: inputError('images', /not a valid image name/) }
  ],
  [
    '5 a context directory named --push → passed after --, never a flag',
    {
      inputs: { context: '--push', push: 'false' },
      setup: cwd => {
        mkdirSync(join(cwd, '--push'))
        writeFileSync(join(cwd, '--push', 'Dockerfile'), 'FROM scratch\n')
      },
      check: r => {
        expect(r.main.code).toBe(0)
        const args = builds(r)[0].args
        expect(args.slice(-2)).toEqual(['--', '--push'])
        expect(args.indexOf('--push')).toBe(args.length - 1)
      }
    }
  ],
  ...['.', '..'].map((id): [string, Row] => [
    `5 secrets id "${id}" → input error, not EISDIR`,
    {
      inputs: { secrets: `${id}=s3cr3t-build-value` },
      secrets: ['s3cr3t-build-value'],
      check: inputError('secrets', /must start with a letter/)
    }
  ]),
  [
    '5 secret-files id ".." → input error',
    {
      inputs: { 'secret-files': '..=/etc/hostname' },
      check: inputError('secret-files', /must start with a letter/)
    }
  ],
  ...['NOT-A-NAME', '$(touch pwned)', '1X'].map((env): [string, Row] => [
    `5 secret-envs variable "${env}" → input error`,
    {
      inputs: { 'secret-envs': `id=${env}` },
      check: inputError('secret-envs', /not an environment variable name/)
    }
  ]),
  // ------------------------------------------------------------ 6. tokens in child environments
  [
    "6 the tokens and build secrets → only on docker login's stdin, in no child's environment",
    {
      inputs: { secrets: 'npm=npm-build-secret-value' },
      secrets: ['npm-build-secret-value'],
      check: r => {
        expect(r.main.code).toBe(0)
        const logins = r.docker.filter(c => c.args[0] === 'login')
        expect(logins).toHaveLength(1)
        expect(logins[0].stdin).toBe(TOKEN)
        expect(logins[0].args.slice(-2)).toEqual(['--', 'ghcr.io'])
        const masks = runnerCommands(r.main.stdout).commands.filter(c => c.name === 'add-mask')
        expect(masks.map(m => m.data)).toEqual(
          expect.arrayContaining([TOKEN, GH_TOKEN, 'npm-build-secret-value'])
        )
      }
    }
  ]
]

describe('security table: the bundled step under attack', () => {
  test.each(ROWS)('%s', async (_name, row) => {
    const r = await run(row)
    checkInvariants(r)
    row.check(r)
  })
})

// ------------------------------------------------------------ 7. redaction
/** A registry that hands out `issued` as its bearer token and quotes what it is given in errors. */
async function reflectingRegistry(issued: string, refuseTokenRequest: boolean) {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    const port = (server.address() as AddressInfo).port
    const auth = req.headers.authorization ?? ''
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(body))
    }
    const basic = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString()
    if (req.url?.startsWith('/token')) {
      if (refuseTokenRequest) {
        send(401, { errors: [{ code: 'UNAUTHORIZED', message: `wrong password ${basic}` }] })
      } else send(200, { token: issued })
    } else if (req.url === '/v2/' && !auth) {
      send(
        401,
        {},
        { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="reg"` }
      )
    } else send(403, { errors: [{ code: 'DENIED', message: `${auth} may not push here` }] })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>(resolve => server.close(() => resolve()))
  }
}

describe('security table: redaction (7)', () => {
  test.each([
    [
      "a registry that quotes its own bearer token in the preflight's error",
      'regtok_Issued42',
      false,
      TOKEN
    ],
    ['a registry that quotes a short token in its refusal', 'regtok_NeverIssued', true, 'Zq7']
  ])('7 %s → the error says ***, never the value', async (_name, issued, refuse, token) => {
    const registry = await reflectingRegistry(issued, refuse)
    try {
      const r = await run({
        inputs: { registry: registry.host, preflight: 'true', token },
        secrets: [issued, token],
        check: () => undefined
      })
      checkInvariants(r)
      expect(r.main.code).toBe(1)
      expect(errors(r)).toEqual([expect.stringContaining('***')])
      if (!refuse) {
        const masks = runnerCommands(r.main.stdout).commands.filter(c => c.name === 'add-mask')
        expect(masks.map(m => m.data)).toContain(issued)
      }
    } finally {
      await registry.stop()
    }
  })
})
