// The real command runner (node's spawn), run on real child processes (node itself): what it
// returns, what it writes to the log, what the child gets.
import { describe, expect, test } from '@jest/globals'
import { childEnv, runCommand } from '../../src/exec.js'

async function logOf<T>(fn: () => Promise<T>): Promise<{ log: string; result: T }> {
  let log = ''
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    log += String(chunk)
    return true
  }) as typeof process.stdout.write
  try {
    return { result: await fn(), log }
  } finally {
    process.stdout.write = write
  }
}

const node = (script: string, opts = {}) =>
  runCommand(process.execPath, ['-e', script], { silent: true, ...opts })

describe('runCommand', () => {
  test('returns the exit code and stdout and stderr apart, whole', async () => {
    const r = await node(
      'process.stdout.write("out ünïcödé\\n".repeat(5000)); process.stderr.write("err"); process.exit(3)'
    )
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('out ünïcödé\n'.repeat(5000))
    expect(r.stderr).toBe('err')
  })

  test('writes the input to stdin and ends it; without input the child reads an empty stdin', async () => {
    const echo =
      'let s = ""; process.stdin.on("data", d => (s += d)).on("end", () => console.log(`<${s}>`))'
    expect((await node(echo, { input: 'the-token' })).stdout).toBe('<the-token>\n')
    expect((await node(echo)).stdout).toBe('<>\n')
  })

  test('a command that is not on PATH rejects, naming it', async () => {
    await expect(runCommand('no-such-command-xyz', [], { silent: true })).rejects.toThrow(
      'no-such-command-xyz: command not found'
    )
  })

  test('shown replaces the echoed command line; the output follows it; silent shows nothing', async () => {
    const { log } = await logOf(() =>
      runCommand(process.execPath, ['-e', 'console.log("hello")', 'secret-arg'], {
        shown: 'node ‹x›'
      })
    )
    expect(log).toMatch(/^::stop-commands::\w+\n\[command\]node ‹x›\nhello\n::\w+::\n$/)
    expect(log).not.toContain('secret-arg')
    const silent = await logOf(() => node('console.log("hello")'))
    expect(silent.log).toBe('')
    expect(silent.result.stdout).toBe('hello\n')
  })

  test('closes the stop-commands block on a line of its own when the output does not end one', async () => {
    const { log } = await logOf(() =>
      runCommand(process.execPath, ['-e', 'process.stdout.write("no newline")'])
    )
    expect(log).toMatch(/no newline\n::\w+::\n$/)
  })

  test("the child's environment has no INPUT_* variable, and gets env on top", async () => {
    process.env.INPUT_TOKEN = 'do-not-pass'
    try {
      const r = await node('console.log(JSON.stringify(process.env))', {
        env: { DOCKER_CONFIG: '/x' }
      })
      const env = JSON.parse(r.stdout) as Record<string, string>
      expect(Object.keys(env).filter(k => k.toUpperCase().startsWith('INPUT_'))).toEqual([])
      expect(env.DOCKER_CONFIG).toBe('/x')
      expect(env.PATH).toBe(process.env.PATH)
    } finally {
      delete process.env.INPUT_TOKEN
    }
  })

  test('childEnv drops INPUT_* whatever its case, keeps the rest', () => {
    expect(childEnv({ B: '2' }, { input_x: 'a', INPUT_Y: 'b', A: '1' })).toEqual({ A: '1', B: '2' })
  })
})
