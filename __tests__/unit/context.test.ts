// The event payload file: the runner's, or a hand-made run's (where a bad file is a user error).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadContext } from '../../src/context.js'
import { StepError } from '../../src/errors.js'

const dir = mkdtempSync(join(tmpdir(), 'context-test-'))
const env = { GITHUB_REPOSITORY: 'acme/app', GITHUB_EVENT_NAME: 'push' }

describe('loadContext', () => {
  it('reads the payload from GITHUB_EVENT_PATH', () => {
    const path = join(dir, 'ok.json')
    writeFileSync(path, '{"repository":{"default_branch":"trunk"}}')
    const ctx = loadContext({ ...env, GITHUB_EVENT_PATH: path })
    expect(ctx.payload.repository.default_branch).toBe('trunk')
  })

  it.each([
    ['not JSON', 'bad.json', '{"ref": '],
    ['missing', 'missing.json', undefined]
  ])('a payload file that is %s is an input-phase error naming the variable', (_, name, text) => {
    const path = join(dir, name)
    if (text !== undefined) writeFileSync(path, text)
    let error: unknown
    try {
      loadContext({ ...env, GITHUB_EVENT_PATH: path })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(StepError)
    expect((error as StepError).phase).toBe('inputs')
    expect((error as Error).message).toMatch(
      new RegExp(`^GITHUB_EVENT_PATH=${path}: cannot read the event payload \\(.+\\): point it at`)
    )
  })
})
