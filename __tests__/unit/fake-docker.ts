// A fake `docker` CLI for running the bundled step (dist/index.js) without an engine: put
// `bin` first on PATH. Every call is recorded with its argv, its environment and (for
// `login`) its stdin; `buildx build` writes the metadata and image-id files that buildx writes
// and prints FAKE_DOCKER_SAY, as a Dockerfile's RUN line could.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface DockerCall {
  args: string[]
  env: Record<string, string>
  stdin: string
}

export interface FakeDocker {
  /** Put first on PATH. */
  bin: string
  /** Variables the step must pass on to docker (it passes its environment less INPUT_*). */
  env: Record<string, string>
  calls(): DockerCall[]
}

export const FAKE_DIGEST = `sha256:${'b'.repeat(64)}`

// CommonJS, in a directory without package.json: Node runs it as a script whatever the project is.
const SCRIPT = `#!/usr/bin/env node
const fs = require('fs')
const args = process.argv.slice(2)
const stdin = args[0] === 'login' ? fs.readFileSync(0, 'utf8') : ''
fs.appendFileSync(process.env.FAKE_DOCKER_LOG, JSON.stringify({ args, env: process.env, stdin }) + '\\n')
const value = flag => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined }
const say = s => process.stdout.write(s)
if (args[0] === 'version') say('28.2.2\\n')
else if (args[0] === 'login') say('Login Succeeded\\n')
else if (args[0] === 'info') say('[]\\n')
else if (args[0] === 'buildx' && args[1] === 'version') say('github.com/docker/buildx v0.20.0 abcdef\\n')
else if (args[0] === 'buildx' && args[1] === 'inspect') say('Name: default\\nDriver: docker-container\\n')
else if (args[0] === 'buildx' && args[1] === 'build') {
  const meta = value('--metadata-file'), iid = value('--iidfile')
  if (meta) fs.writeFileSync(meta, JSON.stringify({ 'containerimage.digest': '${FAKE_DIGEST}' }))
  if (iid) fs.writeFileSync(iid, 'sha256:${'c'.repeat(64)}')
  say('#1 [internal] load build definition from Dockerfile\\n')
  say(process.env.FAKE_DOCKER_SAY || '')
}
`

export function fakeDocker(): FakeDocker {
  const bin = mkdtempSync(join(tmpdir(), 'fake-docker-'))
  const log = join(bin, 'calls.jsonl')
  writeFileSync(join(bin, 'docker'), SCRIPT)
  chmodSync(join(bin, 'docker'), 0o755)
  return {
    bin,
    env: { FAKE_DOCKER_LOG: log },
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map(l => JSON.parse(l) as DockerCall)
        : []
  }
}

/** The workflow commands the runner would carry out for this output. */
export interface RunnerCommand {
  name: string // lowercased, as the runner compares them
  data: string
}

/**
 * What the Actions runner does with a step's output, as far as commands go: a line is one ended
 * by \r\n, \r or \n (.NET's ReadLine); `::name props::data` counts when it starts the line after
 * blanks; the legacy `##[name props]data` counts anywhere in the line; after
 * `::stop-commands::TOKEN` nothing counts until `::TOKEN::`. (actions/runner:
 * ActionCommandManager.TryProcessCommand, ActionCommand.TryParseV2 / TryParse.)
 */
export function runnerCommands(output: string): {
  commands: RunnerCommand[]
  /** The output ended inside a stop-commands block: the runner would ignore what follows. */
  stoppedAtEnd: boolean
} {
  const commands: RunnerCommand[] = []
  let stopToken: string | undefined
  for (const line of output.split(/\r\n|\r|\n/)) {
    const v2 = /^::([^\s:]+)(?: [^:]*)?::(.*)$/.exec(line.trimStart())
    const at = line.indexOf('##[')
    const end = at >= 0 ? line.indexOf(']', at) : -1
    const cmd = v2
      ? { name: v2[1], data: v2[2] }
      : end > at && at >= 0
        ? { name: line.slice(at + 3, end).split(' ')[0], data: line.slice(end + 1) }
        : undefined
    if (!cmd) continue
    const found = { name: cmd.name.toLowerCase(), data: unescapeData(cmd.data) }
    if (stopToken !== undefined) {
      if (found.name === stopToken.toLowerCase()) stopToken = undefined
      continue
    }
    if (found.name === 'stop-commands') stopToken = found.data
    commands.push(found)
  }
  return { commands, stoppedAtEnd: stopToken !== undefined }
}

const unescapeData = (s: string): string =>
  s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%')
