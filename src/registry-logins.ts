// Which registries the step logs in to, and with which credentials. Pure.
// `registry-auth` takes docker/login-action's syntax: a YAML list of `registry`, `username`,
// `password` entries. Only that shape is read (block list, plain or quoted scalars, comments),
// with a small reader of our own; anything else is an input error naming the line, and no
// error ever shows a value (a password may be on any line).
import { InputError } from './errors.js'
import { DOCKER_HUB, normalizeRegistry, type Notice } from './image-names.js'

/** One `registry-auth` entry; `password` is a secret. */
export interface RegistryAuthEntry {
  registry: string // normalized host; docker.io when the entry names none (login-action's default)
  username: string
  password: string
}

/** Where a registry's credentials come from (shown in the plan; the plan never holds the secret). */
export type LoginSource = 'registry-auth' | 'inputs' | 'github'

export interface Login {
  registry: string
  username: string
  source: LoginSource
}

const fail = (message: string): never => {
  throw new InputError(message)
}
const SYNTAX =
  'write a YAML list as docker/login-action takes it: "- registry: docker.io", then "username:" and "password:" indented under it'

/** A scalar after `key:`, as YAML reads it: quoted, or plain with a ` #` comment dropped. */
function scalar(text: string, where: string): string {
  const v = text.trim()
  if (v.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'\s*(?:#.*)?$/.exec(v)
    return m ? m[1].replace(/''/g, "'") : fail(`registry-auth: ${where}: unclosed quote: ${SYNTAX}`)
  }
  if (v.startsWith('"')) {
    const m = /^("(?:[^"\\]|\\.)*")\s*(?:#.*)?$/.exec(v)
    try {
      if (m) return JSON.parse(m[1]) as string
    } catch {
      // an escape that JSON does not know: refused below
    }
    return fail(
      `registry-auth: ${where}: a double-quoted value YAML would read otherwise: use single quotes`
    )
  }
  const plain = v.replace(/(^|\s)#.*$/, '').trim()
  if (/^[&*!|>{}[\]%@`]/.test(plain) || /:\s/.test(plain)) {
    fail(
      `registry-auth: ${where}: YAML does not read this value as plain text: put it in single quotes`
    )
  }
  return plain
}

/** Parses `registry-auth`; entries are checked (known keys, no duplicates, nothing missing). */
export function parseRegistryAuth(text: string, notices: Notice[] = []): RegistryAuthEntry[] {
  const raw: Array<{ line: number; fields: Map<string, string> }> = []
  let keyColumn = -1
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const where = `line ${i + 1}`
    if (/^\s*(#.*)?$/.test(line)) continue
    let rest = line
    let column: number
    const item = /^(\s*)-(\s+|$)/.exec(line)
    if (item) {
      raw.push({ line: i + 1, fields: new Map() })
      rest = line.slice(item[0].length)
      column = item[0].length
      keyColumn = column
      if (rest.trim() === '') {
        keyColumn = -2 // the keys follow on the next lines, at their own column
        continue
      }
    } else {
      column = /^\s*/.exec(line)![0].length
      if (keyColumn === -2) keyColumn = column
    }
    const entry = raw.at(-1)
    const m = /^([A-Za-z][\w-]*)\s*:(?:\s+(.*))?$/.exec(rest.trim())
    if (!entry || !m || column !== keyColumn)
      fail(`registry-auth: ${where} is not a key of a list entry: ${SYNTAX}`)
    const [, key, value = ''] = m!
    if (entry!.fields.has(key))
      fail(`registry-auth: ${where} repeats ${key}: give it once per entry`)
    entry!.fields.set(key, scalar(value, `${where} (${key})`))
  }
  const entries = raw.map(({ line, fields }) => {
    const where = `the entry at line ${line}`
    for (const key of fields.keys()) {
      if (key === 'ecr' || key === 'scope') {
        fail(
          `registry-auth: ${where} sets ${key}, which this step does not support: log in to ECR with aws-actions/amazon-ecr-login and pass its username and password here`
        )
      }
      if (!['registry', 'username', 'password'].includes(key)) {
        fail(
          `registry-auth: ${where} has the unknown key "${key}": use registry, username and password`
        )
      }
    }
    const registry = normalizeRegistry(
      fields.get('registry') || DOCKER_HUB,
      notices,
      'registry-auth'
    )
    // Given but empty is a secret that is not set (a fork's pull request gets none): refused
    // only when pushing to that registry (credentials.ts).
    const username = fields.get('username') ?? ''
    const password = fields.get('password') ?? ''
    if (!fields.has('username') || !fields.has('password')) {
      const missing = !fields.has('username') ? 'username' : 'password'
      fail(
        `registry-auth: ${where} (${registry}) has no ${missing}: give registry, username and password`
      )
    }
    return { registry, username, password }
  })
  const seen = new Set<string>()
  for (const e of entries) {
    if (seen.has(e.registry))
      fail(`registry-auth: ${e.registry} is listed twice: keep one entry per registry`)
    seen.add(e.registry)
  }
  return entries
}

/**
 * Every registry the step logs in to, with the source of its credentials: a `registry-auth`
 * entry; else, for the `registry` input's host, the `username` and `token` inputs; else, for
 * the job token's own registry (ghcr.io; on GHES its `containers.` host), `github.actor` and
 * `github-token`. Registries of `registry-auth` that no image is on are logged in to as well
 * (base images, caches), as login-action does. Throws when an image's registry has no
 * credentials and the step pushes.
 */
export function resolveLogins(args: {
  images: string[] // host/repository
  primary: string
  registryAuth: RegistryAuthEntry[]
  username: string
  actor: string
  /** The registry the job token logs in to: ghcr.io, or containers.<host> on GHES. */
  jobTokenRegistry: string
  push: boolean
}): Login[] {
  const { images, primary, registryAuth, username, actor, jobTokenRegistry, push } = args
  const hostOf = (image: string): string => image.slice(0, image.indexOf('/'))
  const all = [...new Set([...images.map(hostOf), ...registryAuth.map(e => e.registry)])]
  const logins: Login[] = []
  for (const registry of all) {
    const entry = registryAuth.find(e => e.registry === registry)
    if (entry) logins.push({ registry, username: entry.username, source: 'registry-auth' })
    else if (registry === primary) logins.push({ registry, username, source: 'inputs' })
    else if (registry === jobTokenRegistry) {
      logins.push({ registry, username: actor, source: 'github' })
    } else if (push) {
      const image = images.find(i => hostOf(i) === registry)
      fail(
        `images: ${image} is on ${registry}, which the step has no credentials for: add ${registry} to registry-auth (a "- registry: ${registry}" entry with username and password), or set registry: ${registry} with username and token`
      )
    }
  }
  return logins
}
