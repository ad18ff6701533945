// Emulators for foreign platforms in the e2e suite: the QEMU stand-in image that
// scripts/e2e-env.sh loads into both engines (E2E_QEMU_IMAGE, docker/setup-qemu-action's
// `--install` contract, made from Debian's qemu-user-static), and the machine's binfmt_misc
// handlers. binfmt_misc is global to the machine, so every test that registers emulators (itself
// or through the action), or needs them absent, does it inside an emulation section:
//
//   const section = await emulationSection(env)
//   try { ... } finally { await section.release() }   // unregisters what the section registered
//
// Sections of all runs on the machine take turns (a flock held by `e2e-env.sh emulation-lock`);
// if the test process dies, the lock holder still cleans up. See docs/e2e-harness.md.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { docker } from './base-image.js'
import { ROOT, type E2EEnv } from './harness.js'

export const BINFMT = '/proc/sys/fs/binfmt_misc'

export interface BinfmtHandler {
  name: string
  enabled: boolean
  interpreter: string
  /** e.g. 'PF' (P: keep argv[0], F: interpreter opened at registration) */
  flags: string
  /** hex, '' for extension handlers */
  magic: string
  /** Registered by the QEMU stand-in (its interpreter lives in E2E_BINFMT_MARK). */
  standIn: boolean
}

const STAND_IN_DIR = '/usr/libexec/gbp-e2e-qemu/'

/** The registered handlers (binfmt_misc is mounted on the host by `e2e-env.sh start`). */
export function binfmtHandlers(): BinfmtHandler[] {
  let names: string[]
  try {
    names = readdirSync(BINFMT).filter(n => n !== 'register' && n !== 'status')
  } catch {
    return []
  }
  const out: BinfmtHandler[] = []
  for (const name of names) {
    let text: string
    try {
      text = readFileSync(join(BINFMT, name), 'utf8')
    } catch {
      continue // removed meanwhile
    }
    const field = (key: string): string =>
      new RegExp(`^${key}:? (.*)$`, 'm').exec(text)?.[1]?.trim() ?? ''
    const interpreter = field('interpreter')
    out.push({
      name,
      enabled: /^enabled$/m.test(text),
      interpreter,
      flags: field('flags'),
      magic: field('magic'),
      standIn: interpreter.startsWith(STAND_IN_DIR)
    })
  }
  return out.sort((a, b) => a.name.localeCompare(b.name))
}

// ELF header bytes that tell an architecture: class (4), data (5), machine (18-19)
const ELF: Record<string, [string, string, string]> = {
  arm64: ['02', '01', 'b700'],
  arm: ['01', '01', '2800'],
  riscv64: ['02', '01', 'f300'],
  ppc64le: ['02', '01', '1500'],
  s390x: ['02', '02', '0016']
}

/** Enabled handlers that run ELF binaries of this architecture ('arm64' or 'linux/arm64'). */
export function emulatorsFor(arch: string): BinfmtHandler[] {
  const elf = ELF[arch.replace(/^linux\//, '').split('/')[0]]
  if (!elf) throw new Error(`no ELF signature known for '${arch}'`)
  return binfmtHandlers().filter(
    h =>
      h.enabled &&
      h.magic.startsWith('7f454c46') &&
      h.magic.slice(8, 10) === elf[0] &&
      h.magic.slice(10, 12) === elf[1] &&
      h.magic.slice(36, 40) === elf[2]
  )
}

/** Runs the stand-in: `docker run --rm --privileged E2E_QEMU_IMAGE --install <archs>`. */
export async function installEmulators(env: E2EEnv, archs: string): Promise<string> {
  return runStandIn(env, ['--install', archs])
}

/** `docker run --rm --privileged E2E_QEMU_IMAGE [args]`; throws with its output when it fails. */
export async function runStandIn(env: E2EEnv, args: string[]): Promise<string> {
  const image = env.E2E_QEMU_IMAGE
  if (!image) throw new Error('E2E_QEMU_IMAGE is empty: run scripts/e2e-env.sh install on amd64')
  const config = mkdtempSync(join(tmpdir(), 'gbp-e2e-qemu-'))
  try {
    const res = await docker(env, config, ['run', '--rm', '--privileged', image, ...args])
    if (res.code !== 0) throw new Error(`${image} ${args.join(' ')} failed:\n${res.output}`)
    return res.output
  } finally {
    rmSync(config, { recursive: true, force: true })
  }
}

export interface EmulationSection {
  /** Names of the handlers registered when the section began. */
  before: string[]
  /** Unregisters the stand-in's handlers registered since the section began; returns their names. */
  release(): Promise<string[]>
}

/** Waits for the machine-wide binfmt lock (other runs' sections) and holds it. */
export function emulationSection(env: E2EEnv, timeoutMs = 300_000): Promise<EmulationSection> {
  const state = env.E2E_STATE_DIR
  if (!state) throw new Error('E2E_STATE_DIR missing in the env file')
  const child = spawn('bash', [join(ROOT, 'scripts/e2e-env.sh'), 'emulation-lock', state], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, E2E_BINFMT_LOCK_TIMEOUT: String(Math.ceil(timeoutMs / 1000)) }
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  const exited = new Promise<number>(resolve => child.on('close', code => resolve(code ?? -1)))
  // a forgotten release must not keep the test process alive; at its exit the pipe closes and
  // the lock holder cleans up by itself
  child.unref()
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      if (!out.includes('locked\n')) return
      child.stdout.off('data', onData)
      const before = binfmtHandlers().map(h => h.name)
      let released: Promise<string[]> | undefined
      resolve({
        before,
        release() {
          released ??= (async () => {
            child.stdin.end()
            const code = await exited
            if (code !== 0) throw new Error(`emulation-lock failed (${code}):\n${err}`)
            const m = /^removed: (.*)$/m.exec(out)
            return (m?.[1] ?? '').split(' ').filter(Boolean)
          })()
          return released
        }
      })
    }
    child.stdout.on('data', onData)
    void exited.then(code => {
      if (!out.includes('locked\n')) reject(new Error(`emulation-lock exited (${code}):\n${err}`))
    })
  })
}

/**
 * Unregisters the stand-in's handlers that were not there when the run started (the stack's
 * snapshot, E2E_STATE_DIR/binfmt.before): a clean slate inside a section. Returns their names.
 */
export function unregisterEmulators(env: E2EEnv): string[] {
  const before = new Set(
    readFileSync(join(env.E2E_STATE_DIR, 'binfmt.before'), 'utf8').split('\n').filter(Boolean)
  )
  const removed: string[] = []
  for (const h of binfmtHandlers()) {
    if (!h.standIn || before.has(h.name)) continue
    try {
      writeFileSync(join(BINFMT, h.name), '-1')
      removed.push(h.name)
    } catch {
      // removed meanwhile
    }
  }
  return removed
}
