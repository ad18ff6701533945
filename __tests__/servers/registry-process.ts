// One Distribution registry (`docker-registry serve`) as a child process of the tests, in its own
// temp dir, cleaned up however the test process ends. Used by the token-auth registry and the
// htpasswd registry of this directory.
//
// The registry runs under a small sh wrapper that owns it. A guard in the wrapper stops the
// registry as soon as the wrapper's stdin reaches EOF, i.e. when stop() ends the pipe or when the
// test process dies in any way (even SIGKILL, where no exit handler runs). The wrapper then waits
// for the guard, removes the registry's temp dir and exits; it reaps everything it started. The
// wrapper and the guard ignore the signals a test runner's process group gets (Ctrl-C, a killed
// job) so they are still there to clean up; the registry itself (started before the trap) does
// not. The first line on stdout is the registry's PID.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LOOPBACK, freePort, isAlive, onProcessExit, signal, sleep } from './lifecycle.js'

const WRAPPER = `exec 3<&0
"$1" serve "$2/config.yml" </dev/null >&2 3<&- &
reg=$!
trap '' HUP INT TERM
echo "$reg"
{ read -r _ <&3; kill -TERM "$reg" 2>/dev/null; } &
guard=$!
wait "$reg"
rc=$?
wait "$guard"
case "$2" in */gbp-*registry-*) rm -rf -- "$2" ;; esac
exit "$rc"`

export interface DistributionOptions {
  /** The config.yml for a port; the registry listens on 127.0.0.1:port whatever it says. */
  config: (port: number, dir: string) => string
  /** Files to write into the temp dir before starting (name -> content). */
  files?: Record<string, string>
  /** Temp dir prefix; must match gbp-*registry- (the wrapper only removes such dirs). */
  prefix?: string
  /** The registry binary (default `docker-registry` on PATH). */
  binary?: string
}

export interface Distribution {
  /** 127.0.0.1:port of the registry itself. */
  address: string
  port: number
  /** Its temp dir (config, files, data of a filesystem storage, registry.log). */
  dir: string
  logFile: string
  /** PID of the registry (undefined after stop()). */
  pid: number | undefined
  stop(): Promise<void>
}

interface RegistryProcess {
  child: ChildProcess
  pid: number
  /** The wrapper exited (after the registry, its guard and the temp dir). */
  exited: Promise<void>
  /** The same, and its pipes are closed. */
  closed: Promise<void>
}

/** Starts the registry with `dir`/config.yml; its output goes to `dir`/registry.log. */
async function spawnRegistry(
  binary: string,
  dir: string,
  listenAddr: string
): Promise<RegistryProcess> {
  const logFd = openSync(join(dir, 'registry.log'), 'a')
  // only what the registry needs: REGISTRY_* variables of the caller would override the config
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    REGISTRY_HTTP_ADDR: listenAddr
  }
  const child = spawn('sh', ['-c', WRAPPER, 'sh', binary, dir], {
    stdio: ['pipe', 'pipe', logFd],
    env
  })
  closeSync(logFd)
  child.stdin?.on('error', () => {}) // EPIPE if the wrapper is already gone: nothing to tell it
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const closed = new Promise<void>(resolve => child.once('close', () => resolve()))
  const pid = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (d: string) => {
      out += d
      const line = /^(\d+)\n/.exec(out)
      if (line) resolve(Number(line[1]))
    })
    child.once('error', reject)
    child.once('exit', code => reject(new Error(`registry wrapper exited (${code}) early`)))
  })
  child.stdout?.resume()
  return { child, pid, exited, closed }
}

async function stopRegistry(p: RegistryProcess, timeoutMs = 5000): Promise<void> {
  p.child.stdin?.end()
  let timer: NodeJS.Timeout | undefined
  const done = await Promise.race([
    p.closed.then(() => true),
    new Promise<boolean>(resolve => (timer = setTimeout(() => resolve(false), timeoutMs)))
  ])
  clearTimeout(timer)
  if (!done) {
    signal(p.pid, 'SIGKILL')
    p.child.kill('SIGKILL')
    await p.exited
  }
  // the wrapper reaped the registry before exiting; make sure of it anyway
  for (let i = 0; i < 50 && isAlive(p.pid); i++) await sleep(20)
  if (isAlive(p.pid)) signal(p.pid, 'SIGKILL')
}

/** Polls the registry until it answers HTTP (any status); false when it exited. */
async function waitReady(port: number, p: RegistryProcess, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && isAlive(p.pid)) {
    try {
      const res = await fetch(`http://${LOOPBACK}:${port}/v2/`, {
        signal: AbortSignal.timeout(1000)
      })
      await res.arrayBuffer()
      return true
    } catch {
      await sleep(30)
    }
  }
  return false
}

/** Starts a registry on a free port (retrying when the port is taken meanwhile). */
export async function startDistribution(options: DistributionOptions): Promise<Distribution> {
  const prefix = options.prefix ?? 'gbp-registry-'
  if (!/^gbp-.*registry-$/.test(prefix)) throw new Error(`bad temp dir prefix '${prefix}'`)
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), prefix))
    for (const [name, content] of Object.entries(options.files ?? {})) {
      writeFileSync(join(dir, name), content)
    }
    writeFileSync(join(dir, 'config.yml'), options.config(port, dir))
    let proc: RegistryProcess | undefined
    let unregister = (): void => {}
    try {
      proc = await spawnRegistry(options.binary ?? 'docker-registry', dir, `${LOOPBACK}:${port}`)
      const p = proc
      // at exit: kill the registry now; the wrapper sees EOF as this process ends, then cleans up
      unregister = onProcessExit(() => signal(p.pid, 'SIGKILL'))
      if (await waitReady(port, p)) {
        let stopped = false
        const handle: Distribution = {
          address: `${LOOPBACK}:${port}`,
          port,
          dir,
          logFile: join(dir, 'registry.log'),
          pid: p.pid,
          async stop() {
            if (stopped) return
            stopped = true
            await stopRegistry(p)
            handle.pid = undefined
            unregister()
            rmSync(dir, { recursive: true, force: true })
          }
        }
        return handle
      }
    } catch (err) {
      if (proc) await stopRegistry(proc)
      unregister()
      rmSync(dir, { recursive: true, force: true })
      throw err
    }
    const log = readFileSync(join(dir, 'registry.log'), 'utf8')
    await stopRegistry(proc)
    unregister()
    rmSync(dir, { recursive: true, force: true })
    if (attempt < 5 && /address already in use/.test(log)) continue
    throw new Error(`docker-registry did not start on ${LOOPBACK}:${port}:\n${log.slice(-3000)}`)
  }
}
