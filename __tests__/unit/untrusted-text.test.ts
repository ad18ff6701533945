// Text from outside never becomes a workflow command or shows a credential (issue 10, points 1
// and 7), module by module: the context and the repository API answer are cleaned of control
// characters; the log functions and the exec seam keep the runner from reading commands in
// text the step did not write; credentials are redacted. The runner's reading of the output is
// modelled by runnerCommands (fake-docker.ts).
import { contextFromEnv, cleanText } from '../../src/context.js'
import { runCommand } from '../../src/exec.js'
import { fetchRepoInfo } from '../../src/github-api.js'
import { setHttp } from '../../src/http.js'
import { redact } from '../../src/registry-auth.js'
import * as core from '../../src/workflow-commands.js'
import { runnerCommands } from './fake-docker.js'

/** Runs `fn` and returns what it wrote to stdout. */
async function stdoutOf(fn: () => unknown): Promise<string> {
  let out = ''
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    out += String(chunk)
    const done = rest.find(r => typeof r === 'function') as (() => void) | undefined
    done?.()
    return true
  }) as typeof process.stdout.write
  try {
    await fn()
  } finally {
    process.stdout.write = write
  }
  return out
}

const ATTACKS = [
  '::add-mask::main',
  '  ::save-state name=isPost::PWN',
  'text ##[set-output name=PWN]1',
  'first line\n::stop-commands::PWN',
  'first line\r::warning::PWN',
  'a\r\n::group::PWN'
]

describe('cleanText and the context', () => {
  test.each([
    ['a\nb', 'a b'],
    ['a\r\nb', 'a  b'],
    ['a\u2028b\u2029c', 'a b c'],
    ['a\u0000b\u001b[31mc\u007f\u0085', 'a b [31mc  '],
    ['bidi \u202eevil\u2066', 'bidi  evil '],
    ['plain ünïcode ✓', 'plain ünïcode ✓']
  ])('%j → %j', (input, output) => {
    expect(cleanText(input)).toBe(output)
  })

  test('every string of the event payload and the GITHUB_* values is cleaned', () => {
    const ctx = contextFromEnv(
      {
        GITHUB_REF: 'refs/heads/x\n::add-mask::a',
        GITHUB_HEAD_REF: 'h\rb',
        GITHUB_REPOSITORY: 'o/r'
      },
      {
        pull_request: {
          title: 'T\n::save-state name=x::y',
          head: { ref: 'f\n::add-mask::b', repo: { full_name: 'a/b' } },
          labels: [{ name: 'l\nx' }],
          number: 7,
          draft: false
        },
        'key\nx': 'v'
      }
    )
    expect(ctx.ref).toBe('refs/heads/x ::add-mask::a')
    expect(ctx.headRef).toBe('h b')
    expect(ctx.payload).toEqual({
      pull_request: {
        title: 'T ::save-state name=x::y',
        head: { ref: 'f ::add-mask::b', repo: { full_name: 'a/b' } },
        labels: [{ name: 'l x' }],
        number: 7,
        draft: false
      },
      'key x': 'v'
    })
  })

  test("the repository API's answer is cleaned", async () => {
    const restore = setHttp(async () => ({
      status: 200,
      headers: {},
      body: JSON.stringify({
        name: 'app\n::x::',
        html_url: 'https://github.com/o/app',
        description: 'desc\n::add-mask::main\r::save-state name=a::b',
        default_branch: 'main\n',
        license: { spdx_id: 'MIT\n' }
      })
    }))
    try {
      const answer = await fetchRepoInfo(contextFromEnv({ GITHUB_REPOSITORY: 'o/app' }, {}), 'tok')
      expect(answer.repo).toEqual({
        name: 'app ::x::',
        htmlUrl: 'https://github.com/o/app',
        description: 'desc ::add-mask::main ::save-state name=a::b',
        defaultBranch: 'main ',
        license: 'MIT '
      })
    } finally {
      setHttp(restore)
    }
  })
})

describe('the log functions', () => {
  test.each(ATTACKS)('info(%j) is shown, and no command in it is carried out', async attack => {
    const out = await stdoutOf(() => core.info(`before ${attack} after`))
    const { commands, stoppedAtEnd } = runnerCommands(out)
    expect(
      commands.filter(c => c.name !== 'stop-commands' && !/^[0-9a-f]{32}$/.test(c.name))
    ).toEqual([])
    expect(stoppedAtEnd).toBe(false)
    expect(out).toContain(attack)
  })

  test('a plain line is written as it is', async () => {
    expect(await stdoutOf(() => core.info('labels: a=b :: c'))).toBe('labels: a=b :: c\n')
  })

  test.each(ATTACKS)('warning/notice/error/group with %j stay one command each', async attack => {
    const out = await stdoutOf(() => {
      core.warning(attack)
      core.notice(attack)
      core.error(attack)
      core.startGroup(attack)
      core.endGroup()
    })
    expect(runnerCommands(out).commands.map(c => [c.name, c.data])).toEqual([
      ['warning', attack],
      ['notice', attack],
      ['error', attack],
      ['group', attack],
      ['endgroup', '']
    ])
  })

  test('stopCommands: nothing in between counts; the closing command starts its own line', async () => {
    const out = await stdoutOf(() => {
      const resume = core.stopCommands()
      process.stdout.write('::add-mask::main\n::save-state name=a::PWN') // no newline at the end
      resume(false)
      core.warning('after')
    })
    expect(
      runnerCommands(out).commands.filter(c => c.name === 'warning' || c.data === 'PWN')
    ).toEqual([{ name: 'warning', data: 'after' }])
    expect(runnerCommands(out).stoppedAtEnd).toBe(false)
  })

  test('a mask registered inside a stop-commands block is still carried out', async () => {
    const out = await stdoutOf(() => {
      const resume = core.stopCommands()
      process.stdout.write('::add-mask::PWN\n')
      core.setSecret('registry-token-1234')
      process.stdout.write('::save-state name=a::PWN\n')
      resume()
    })
    const { commands, stoppedAtEnd } = runnerCommands(out)
    expect(commands.filter(c => c.name === 'add-mask')).toEqual([
      { name: 'add-mask', data: 'registry-token-1234' }
    ])
    expect(commands.filter(c => c.data.includes('PWN'))).toEqual([])
    expect(stoppedAtEnd).toBe(false)
  })
})

describe('the exec seam', () => {
  test("a command's echoed line and output (stdout and stderr) are inside a stop-commands block", async () => {
    const script = [
      'process.stdout.write("::add-mask::main\\n##[set-output name=PWN]1\\n")',
      'process.stderr.write("::save-state name=isPost::PWN\\n")',
      'process.stdout.write("::stop-commands::PWN")'
    ].join(';')
    let result
    const out = await stdoutOf(async () => {
      result = await runCommand(process.execPath, ['-e', script, '::add-mask::argv'])
      core.notice('after the command')
    })
    expect(result).toMatchObject({ code: 0 })
    expect(out).toContain('[command]')
    expect(out).toContain('::save-state name=isPost::PWN')
    const { commands, stoppedAtEnd } = runnerCommands(out)
    expect(commands.filter(c => c.name === 'add-mask' || c.data.includes('PWN'))).toEqual([])
    expect(commands).toContainEqual({ name: 'notice', data: 'after the command' })
    expect(stoppedAtEnd).toBe(false)
  })

  test('a silent command writes nothing', async () => {
    const out = await stdoutOf(() =>
      runCommand(process.execPath, ['-e', 'console.log("::add-mask::x")'], { silent: true })
    )
    expect(out).toBe('')
  })
})

describe('redaction (7)', () => {
  test("a registry's bearer token, once obtained, is redacted from the log and from registry text", async () => {
    const token = 'issued-bearer-token-0042'
    const out = await stdoutOf(() => {
      core.addCredential(token)
      core.info(`the registry said: ${token} is not allowed`)
      core.error(`failed: Bearer ${token}`)
    })
    expect(out.split('\n').filter(l => l.includes(token))).toEqual([`::add-mask::${token}`])
    expect(out).toContain('the registry said: *** is not allowed')
    expect(redact(`token ${token}`, { username: 'u', token: 'other' })).toBe('token ***')
  })

  test("a short token is redacted from a registry's words, whatever its length", () => {
    const basic = Buffer.from('octo:Zq7').toString('base64')
    expect(
      redact(`password Zq7 for octo (Basic ${basic})`, { username: 'octo', token: 'Zq7' })
    ).toBe('password *** for octo (Basic ***)')
  })

  test("a short credential does not garble the step's own lines", async () => {
    const out = await stdoutOf(() => {
      core.addCredential('tok')
      core.info('token: empty')
    })
    expect(out).toBe('::add-mask::tok\ntoken: empty\n')
  })
})
