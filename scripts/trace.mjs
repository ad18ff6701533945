// A per-line timestamp trace of one run of the step, for profiling (docs/benchmarks.md):
//   node --import ./scripts/trace.mjs dist/index.js
// Loaded before the bundle, it changes nothing the step does; it notes, in milliseconds since
// the process started (performance.now()), each line the step prints, each child process it
// starts and ends, and each HTTP request (node's http diagnostics channels: sent, answered). The
// trace goes to TRACE_FILE (one event a line), or to stderr.
import { appendFileSync } from 'node:fs'
import childProcess from 'node:child_process'
import { subscribe } from 'node:diagnostics_channel'
import { syncBuiltinESMExports } from 'node:module'

const file = process.env.TRACE_FILE
const note = what => {
  const line = `${performance.now().toFixed(1).padStart(7)} ${what}\n`
  if (file) appendFileSync(file, line)
  else process.stderr.write(line)
}
note(
  `trace loaded (node bootstrap complete at ${performance.nodeTiming.bootstrapComplete.toFixed(1)})`
)

const write = process.stdout.write
let partial = ''
process.stdout.write = function (chunk, ...rest) {
  const lines = (partial + String(chunk)).split('\n')
  partial = lines.pop()
  for (const line of lines) note(`out  ${line.slice(0, 120)}`)
  return write.call(this, chunk, ...rest)
}

const spawn = childProcess.spawn
childProcess.spawn = function (command, args, ...rest) {
  const child = spawn.call(this, command, args, ...rest)
  const name = [command, ...(Array.isArray(args) ? args : [])].slice(0, 3).join(' ')
  note(`run  ${name}`)
  child.on('exit', code => note(`done ${name} (exit ${code})`))
  return child
}
syncBuiltinESMExports()

// node's http client (src/http.ts): a request sent, its answer's headers
subscribe('http.client.request.start', ({ request }) =>
  note(`http ${request.method} ${request.host}${request.path.slice(0, 80)}`)
)
subscribe('http.client.response.finish', ({ request, response }) =>
  note(`http ${response.statusCode} ← ${request.method} ${request.path.slice(0, 80)}`)
)
process.once('beforeExit', () => note('nothing left to do'))
process.on('exit', code => note(`exit ${code}`))
