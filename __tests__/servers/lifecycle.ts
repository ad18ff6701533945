// Shared plumbing of the test servers: listening on 127.0.0.1 only, closing servers for good,
// and the last-resort clean-up of child processes when the test process goes away.
import { createServer, type Server } from 'node:http'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { runInThisContext } from 'node:vm'

export const LOOPBACK = '127.0.0.1'

/** Listens on 127.0.0.1 (port 0 = any free port) and returns the port. */
export function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    server.once('error', onError)
    server.listen(port, LOOPBACK, () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/** Stops accepting, drops every open connection (keep-alive ones too) and waits for 'close'. */
export function closeServer(server: Server): Promise<void> {
  return new Promise(resolve => {
    if (!server.listening) {
      server.closeAllConnections()
      resolve()
      return
    }
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** A port nobody listens on right now (it may be taken by the time it is used: retry then). */
export async function freePort(): Promise<number> {
  const probe = createServer()
  const port = await listen(probe)
  await closeServer(probe)
  return port
}

// ----------------------------------------------------------------------------- exit safety net
// Child processes must never outlive the tests. stop() is the normal path; these handlers run when
// the test process exits without calling it. (A SIGKILLed process runs no handler at all: the
// registry wrapper in token-auth-registry.ts also watches its stdin pipe for that case.)
const exitHooks = new Set<() => void>()
let installed = false

// Jest gives every test file a copy of `process` with its own listener table: an 'exit' listener
// added to that copy never runs. Code evaluated in the main context sees the real process (outside
// Jest it is the same object).
const hostProcess = runInThisContext('process') as NodeJS.Process

function runExitHooks(): void {
  for (const hook of [...exitHooks]) {
    try {
      hook()
    } catch {
      // best effort: the process is going away
    }
  }
  exitHooks.clear()
}

/** Registers a synchronous clean-up for process exit; returns the function that unregisters it. */
export function onProcessExit(hook: () => void): () => void {
  if (!installed) {
    installed = true
    hostProcess.on('exit', runExitHooks)
  }
  exitHooks.add(hook)
  return () => {
    exitHooks.delete(hook)
  }
}

/** True while a process with this PID exists and is not a zombie. */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    // "pid (comm) S ...": a zombie (Z) has exited and only waits for its parent to reap it
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true // no /proc (not Linux): kill(0) succeeded
  }
}

/** Sends a signal, ignoring "no such process". */
export function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return
  try {
    process.kill(pid, sig)
  } catch {
    // already gone
  }
}

export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

/** JSON response helper. */
export function json(
  res: import('node:http').ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {}
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers
  })
  res.end(text)
}
