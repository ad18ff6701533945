// All inputs become one validated Settings object, before any side effect.
// Pure: takes a reader for the raw input values (and a file-existence check) so tests need no
// environment. Every error is one line that names the input and the fix.
import {
  checkAttestsAgainst,
  checkCacheRefs,
  checkSshSources,
  parseBuildOptions,
  type BuildOptions
} from './build-options.js'
import { parseBuilderInputs, type BuilderSettings } from './builder-inputs.js'
import { checkCleanupAgainst, parseCleanupOptions, type CleanupOptions } from './cleanup-options.js'
import { checkBuildxUrl, normalizeBuildxSha256, normalizeBuildxVersion } from './buildx-release.js'
import { checkInputNames, type GivenInput } from './input-names.js'
import {
  checkBuildArgs,
  checkKeyValueLines,
  checkNetwork,
  checkProvenance,
  checkSbom,
  checkSingleValues,
  checkTarget,
  idPairs,
  parseMergeDigests,
  parsePlatforms,
  parsePush,
  parseRetries,
  type PushMode
} from './input-formats.js'
import { bool, fail, lines, type InputReader } from './input-values.js'

export { envInputReader, lines, type InputReader } from './input-values.js'

export type { PushMode } from './input-formats.js'

/** Every input; the builder, emulator and registry-auth inputs are in BuilderSettings. */
export interface Settings extends BuildOptions, BuilderSettings, CleanupOptions {
  registry: string // as given, '' for the default of this GitHub server; normalized by the plan
  images: string[]
  username: string
  token: string // the registry token, from `token` or login-action's `password`
  tokenInput: 'token' | 'password' // the input it came from, for messages
  githubToken: string // for the repository API (labels), as metadata-action's github-token
  tags: string[]
  flavor: string[]
  labels: string[]
  annotations: string[]
  context: string
  file: string
  buildArgs: string[]
  buildContexts: string[]
  target: string
  platforms: string[]
  cacheFrom: string[]
  cacheTo: string[]
  secrets: Array<{ id: string; value: string }>
  secretFiles: Array<{ id: string; path: string }>
  secretEnvs: Array<{ id: string; env: string }>
  noCache: boolean
  pull: boolean
  network: string
  builder: string
  provenance: string
  sbom: string
  push: PushMode
  dryRun: boolean
  /** Run the credential checks (PAT scopes, login, push preflight), report them and stop. */
  checkOnly: boolean
  summary: boolean
  logout: boolean
  preflight: boolean
  retries: number
  verify: boolean
  pushByDigest: boolean
  mergeDigests: string[]
  buildxVersion: string // '' (any recent one) or vX.Y.Z
  buildxUrl: string // a checked template, '' for the default
  buildxSha256: string // '' or 64 lowercase hex digits
  /** About inputs this step does not have (a typo, most likely), for the log. */
  inputWarnings: string[]
}

/**
 * The registry token and the input it came from: `password` is docker/login-action's name for
 * `token`. The runner fills in `token`, `password` and `job-token` with the job token when the
 * workflow leaves them out, so an input counts as set when it holds anything else. An empty
 * secret (as on a pull request from a fork) is set, and never falls back to the job token.
 */
function registryToken(read: InputReader): Pick<Settings, 'token' | 'tokenInput'> {
  const jobToken = read('job-token').trim()
  const [token, password] = [read('token').trim(), read('password').trim()]
  if (password === jobToken) return { token, tokenInput: 'token' }
  if (token !== jobToken) {
    fail(
      "password: set together with token: keep one of them (password is docker/login-action's name for token)"
    )
  }
  return { token: password, tokenInput: 'password' }
}

/**
 * Parses and validates every input. `given`: every input the workflow passed (givenInputs), to
 * refuse docker-action inputs this step does not have. Throws InputError with a one-line
 * message naming the fix.
 */
export function parseInputs(read: InputReader, given: GivenInput[] = []): Settings {
  const names = checkInputNames(given)
  if (names.error) throw names.error
  const get = (name: string): string => read(name).trim()
  const list = (name: string): string[] => lines(read(name))
  checkSingleValues(get)
  const push = parsePush(get('push'))
  const platforms = parsePlatforms(get('platforms'))
  const buildArgs = list('build-args')
  checkBuildArgs(buildArgs)
  checkKeyValueLines('labels', list('labels'))
  checkKeyValueLines('annotations', list('annotations'))
  const retriesText = parseRetries(get('retries'))
  const network = checkNetwork(get('network'))
  const target = checkTarget(get('target'))
  const provenance = checkProvenance(get('provenance') || 'false')
  const sbom = checkSbom(get('sbom'))
  const mergeDigests = parseMergeDigests(get('merge-digests'))
  const buildxVersion = normalizeBuildxVersion(get('buildx-version'))
  const buildxSha256 = normalizeBuildxSha256(get('buildx-sha256'))
  const buildxUrl = get('buildx-url')
  checkBuildxUrl(buildxUrl)

  const settings: Settings = {
    registry: get('registry'),
    images: list('images'),
    username: get('username'),
    ...registryToken(read),
    githubToken: read('github-token').trim(),
    tags: list('tags'),
    flavor: list('flavor'),
    labels: list('labels'),
    annotations: list('annotations'),
    context: get('context') || '.',
    file: get('file'),
    buildArgs,
    buildContexts: idPairs('build-contexts', list('build-contexts'), 'source').map(
      ([id, v]) => `${id}=${v}`
    ),
    target,
    platforms,
    cacheFrom: checkCacheRefs('cache-from', list('cache-from')),
    cacheTo: checkCacheRefs('cache-to', list('cache-to')),
    secrets: idPairs('secrets', list('secrets'), 'value').map(([id, value]) => ({ id, value })),
    secretFiles: idPairs('secret-files', list('secret-files'), 'path').map(([id, path]) => ({
      id,
      path
    })),
    secretEnvs: idPairs('secret-envs', list('secret-envs'), 'ENV_NAME').map(([id, env]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) {
        fail(
          `secret-envs: "${env}" (id "${id}") is not an environment variable name: use letters, digits and "_", not starting with a digit`
        )
      }
      return { id, env }
    }),
    noCache: bool(read, 'no-cache', false),
    pull: bool(read, 'pull', false),
    network,
    builder: get('builder'),
    provenance,
    sbom,
    push,
    dryRun: bool(read, 'dry-run', false),
    checkOnly: bool(read, 'check-only', false),
    summary: bool(read, 'summary', true),
    logout: bool(read, 'logout', true),
    preflight: bool(read, 'preflight', true),
    retries: Number(retriesText),
    verify: bool(read, 'verify', true),
    pushByDigest: bool(read, 'push-by-digest', false),
    mergeDigests,
    buildxVersion,
    buildxUrl,
    buildxSha256,
    ...parseBuildOptions(read),
    ...parseBuilderInputs(read, get('builder')),
    ...parseCleanupOptions(read),
    inputWarnings: names.warnings
  }

  if (settings.pushByDigest && settings.mergeDigests.length) {
    fail(
      'push-by-digest: cannot be combined with merge-digests: use one per job (build jobs, then a merge job)'
    )
  }
  if (settings.pushByDigest && settings.push === 'false') {
    fail('push-by-digest: needs a push, but push is false: remove push: false or push-by-digest')
  }
  if (settings.pushByDigest && settings.platforms.length > 1) {
    fail('push-by-digest: builds one platform per job: set platforms to a single platform')
  }
  if (settings.load && (settings.pushByDigest || settings.mergeDigests.length)) {
    fail(
      `load: a ${settings.pushByDigest ? 'push-by-digest job pushes by digest only' : 'merge job builds nothing'}: drop load, and pull the image where it is needed`
    )
  }
  checkAttestsAgainst(settings.attests, settings.provenance, settings.sbom)
  checkCleanupAgainst(settings)
  if (settings.checkOnly && settings.dryRun) {
    fail(
      'check-only: cannot be combined with dry-run, which contacts no registry: drop one of them'
    )
  }
  if (/[\s]/.test(settings.username)) {
    fail('username: must not contain whitespace: use the registry account name')
  }
  // An empty token is main.ts's to judge, once it knows whether anything is pushed: a fork's pull
  // request gets no secrets, and a build that pushes nothing needs no login.
  if (!settings.dryRun) {
    if (settings.username === '') {
      fail(
        'username: empty: leave the input unset to use github.actor, or set it to the registry user'
      )
    }
  }
  // An empty token is refused by the plan, and only when it pushes: a fork's pull request gets
  // empty secrets, and builds without a login.
  return settings
}

/** Paths the build needs must exist before anything starts. `exists` is injected (pure). */
export function checkPaths(
  settings: Settings,
  exists: (path: string) => boolean,
  sshAgent = process.env.SSH_AUTH_SOCK ?? ''
): void {
  // a merge builds nothing, nor does a clean-up alone
  if (settings.mergeDigests.length || settings.cleanup.mode === 'only') return
  if (!exists(settings.context) && !/^[a-z]+:\/\//.test(settings.context)) {
    if (/^(workflow|git)$/.test(settings.context)) {
      fail(
        `context: "${settings.context}" is docker/metadata-action's context; here context is the build context: drop it (the Git facts come from the workflow run)`
      )
    }
    fail(
      `context: "${settings.context}" does not exist: check out the repository first (actions/checkout) or fix the path`
    )
  }
  const file = settings.file || `${settings.context.replace(/\/+$/, '')}/Dockerfile`
  if (!/^[a-z]+:\/\//.test(settings.context) && !exists(file)) {
    fail(`file: "${file}" does not exist: set file to your Dockerfile's path`)
  }
  for (const s of settings.secretFiles) {
    if (!exists(s.path))
      fail(`secret-files: "${s.id}" points to ${s.path}, which does not exist: fix the path`)
  }
  checkSshSources(settings.ssh, exists, sshAgent)
}
