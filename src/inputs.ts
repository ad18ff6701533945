// All inputs become one validated Settings object, before any side effect.
// Pure: takes a reader for the raw input values so tests need no environment.
import { InputError } from './errors.js'

export type PushMode = 'auto' | 'true' | 'false'

export interface Settings {
  registry: string // as given; normalized by the plan
  images: string[]
  username: string
  token: string
  githubToken: string // for the repository API (labels), as metadata-action's github-token
  tags: string[]
  flavor: string[]
  labels: string[]
  annotations: string[]
  context: string
  file: string
  buildArgs: string[]
  target: string
  platforms: string[]
  cacheFrom: string[]
  cacheTo: string[]
  noCache: boolean
  pull: boolean
  network: string
  builder: string
  provenance: string
  sbom: string
  push: PushMode
  dryRun: boolean
  summary: boolean
  logout: boolean
}

/** Returns the raw (untrimmed) value of an input, '' when unset. */
export type InputReader = (name: string) => string

/** Reads inputs the way the runner passes them: INPUT_<NAME> with spaces as underscores. */
export function envInputReader(env: Record<string, string | undefined>): InputReader {
  return name => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? ''
}

/** Non-empty lines, trimmed, without `#` comment lines. */
export function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l !== '' && !l.startsWith('#'))
}

/** Comma- or newline-separated list (platforms, cache entries keep their own commas: see below). */
function commaList(value: string): string[] {
  return lines(value.replace(/,/g, '\n'))
}

function bool(read: InputReader, name: string, dflt: boolean): boolean {
  const v = read(name).trim().toLowerCase()
  if (v === '') return dflt
  if (v === 'true') return true
  if (v === 'false') return false
  throw new InputError(`${name}: "${read(name).trim()}" is not a boolean: use true or false`)
}

const PLATFORM = /^[a-z0-9_]+\/[a-z0-9_]+(\/[a-z0-9_.]+)?$/

/** Parses and validates every input. Throws InputError with a one-line message naming the fix. */
export function parseInputs(read: InputReader): Settings {
  const get = (name: string): string => read(name).trim()

  const push = (get('push') || 'auto').toLowerCase()
  if (push !== 'auto' && push !== 'true' && push !== 'false') {
    throw new InputError(`push: "${get('push')}" is not valid: use auto, true or false`)
  }

  const platforms = commaList(get('platforms'))
  for (const p of platforms) {
    if (!PLATFORM.test(p)) {
      throw new InputError(
        `platforms: "${p}" is not a platform: use os/arch[/variant], e.g. linux/amd64,linux/arm64`
      )
    }
  }

  const buildArgs = lines(read('build-args'))
  for (const a of buildArgs) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
      throw new InputError(`build-args: "${a}" is not NAME=value: write one NAME=value per line`)
    }
  }

  const settings: Settings = {
    registry: get('registry') || 'ghcr.io',
    images: lines(read('images')),
    username: get('username'),
    token: read('token').trim(),
    githubToken: read('github-token').trim(),
    tags: lines(read('tags')),
    flavor: lines(read('flavor')),
    labels: lines(read('labels')),
    annotations: lines(read('annotations')),
    context: get('context') || '.',
    file: get('file'),
    buildArgs,
    target: get('target'),
    platforms,
    cacheFrom: lines(read('cache-from')),
    cacheTo: lines(read('cache-to')),
    noCache: bool(read, 'no-cache', false),
    pull: bool(read, 'pull', false),
    network: get('network'),
    builder: get('builder'),
    provenance: get('provenance'),
    sbom: get('sbom'),
    push: push as PushMode,
    dryRun: bool(read, 'dry-run', false),
    summary: bool(read, 'summary', true),
    logout: bool(read, 'logout', true)
  }

  for (const [name, value] of [
    ['labels', settings.labels],
    ['annotations', settings.annotations]
  ] as const) {
    for (const l of value) {
      if (!/^[^=\s]+=/.test(l)) {
        throw new InputError(`${name}: "${l}" is not key=value: write one key=value per line`)
      }
    }
  }
  if (/[\s]/.test(settings.username)) {
    throw new InputError('username: must not contain whitespace: use the registry account name')
  }
  if (!settings.dryRun) {
    if (settings.username === '') {
      throw new InputError(
        'username: empty: leave the input unset to use github.actor, or set it to the registry user'
      )
    }
    if (settings.token === '') {
      throw new InputError(
        'token: empty: leave the input unset to use github.token, or pass a secret, e.g. token: ${{ secrets.GHCR_TOKEN }}'
      )
    }
  }
  return settings
}
