// docker/build-push-action's inputs that pass straight through to `docker buildx build`, with
// build-push-action's names and syntax: List inputs take one value per line, List/CSV inputs
// also take commas. Pure; each input is validated here, once, called from inputs.ts.
import { bool, csvLines, fail, lines, type InputReader } from './input-values.js'

export interface BuildOptions {
  addHosts: string[] // --add-host host:ip
  allow: string[] // --allow entitlement
  attests: string[] // --attest type=sbom|provenance,…
  cgroupParent: string // --cgroup-parent
  noCacheFilters: string[] // --no-cache-filter stage
  shmSize: string // --shm-size 2g
  ssh: string[] // --ssh default | id=socket-or-keys
  ulimits: string[] // --ulimit nofile=1024:1024
  /** Keep the image in the local image store too (build-push-action's `load`). */
  load: boolean
}

const STAGE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const ATTEST_TYPE = /(?:^|,)type=(sbom|provenance)(?:,|$)/

/** Each value of `name` must match `pattern`, or the step fails naming the value and the fix. */
function checkEach(name: string, values: string[], pattern: RegExp, fix: string): string[] {
  for (const v of values) if (!pattern.test(v)) fail(`${name}: "${v}" ${fix}`)
  return values
}

export function parseBuildOptions(read: InputReader): BuildOptions {
  const get = (name: string): string => read(name).trim()
  const attests = checkEach(
    'attests',
    lines(read('attests')),
    /^[a-z-]+=[^,]+(,[a-z-]+=[^,]+)*$/,
    'is not an attestation: write one type=sbom or type=provenance[,mode=max] per line'
  )
  for (const a of attests) {
    if (!ATTEST_TYPE.test(a)) {
      fail(`attests: "${a}" names no type: start the line with type=sbom or type=provenance`)
    }
  }
  const cgroupParent = get('cgroup-parent')
  if (/\s/.test(cgroupParent)) {
    fail(`cgroup-parent: "${cgroupParent}" is not a cgroup path: write one path, e.g. /actions`)
  }
  const shmSize = get('shm-size')
  if (shmSize && !/^\d+(\.\d+)?\s?([kmgtp]i?)?b?$/i.test(shmSize)) {
    fail(`shm-size: "${shmSize}" is not a size: use a number with a unit, e.g. 2g`)
  }
  return {
    addHosts: checkEach(
      'add-hosts',
      csvLines(read('add-hosts')),
      /^[^\s:=]+[:=]\S+$/,
      'is not host:ip: write e.g. docker:10.180.0.1'
    ),
    allow: checkEach(
      'allow',
      csvLines(read('allow')),
      /^(network\.host|security\.insecure|device(=\S+)?)$/,
      'is not an entitlement: use network.host, security.insecure or device'
    ),
    attests,
    cgroupParent,
    noCacheFilters: checkEach(
      'no-cache-filters',
      csvLines(read('no-cache-filters')),
      STAGE,
      'is not a stage name: use names after AS in the Dockerfile'
    ),
    shmSize,
    ssh: checkEach(
      'ssh',
      lines(read('ssh')),
      /^[A-Za-z0-9_.-]+(=\S.*)?$/,
      'is not ID[=socket|key[,key]]: write e.g. default, or default=${{ env.SSH_AUTH_SOCK }}'
    ),
    ulimits: checkEach(
      'ulimit',
      lines(read('ulimit')),
      /^[a-z]+=-?\d+(:-?\d+)?$/,
      'is not name=soft[:hard]: write e.g. nofile=1024:1024'
    ),
    load: bool(read, 'load', false)
  }
}

/**
 * Each `ssh` source must be there before the build: `ID` alone (`default`) is the SSH agent of
 * SSH_AUTH_SOCK (`sshAgent`), `ID=a,b` are agent sockets or key files.
 */
export function checkSshSources(
  ssh: string[],
  exists: (path: string) => boolean,
  sshAgent: string
): void {
  for (const s of ssh) {
    const eq = s.indexOf('=')
    if (eq < 0 && !sshAgent) {
      fail(
        `ssh: "${s}" uses the SSH agent, but SSH_AUTH_SOCK is not set: start an agent in an earlier step (ssh-agent) or name a key file: ${s}=path/to/key`
      )
    }
    for (const path of eq < 0 ? [] : s.slice(eq + 1).split(',')) {
      if (!exists(path))
        fail(`ssh: "${s.slice(0, eq)}" points to ${path}, which does not exist: fix the path`)
    }
  }
}

/**
 * `--attest type=provenance` and `--provenance` are one setting to Buildx ("duplicate
 * attestation field"), and so are `type=sbom` and `--sbom`: an `attests` line of a type
 * replaces that input, which must then stay at its default (`provenance: false`, `sbom` empty).
 */
export function checkAttestsAgainst(attests: string[], provenance: string, sbom: string): void {
  const types = attests.map(a => ATTEST_TYPE.exec(a)?.[1])
  if (types.includes('provenance') && provenance !== 'false') {
    fail('attests: type=provenance is set twice, here and in provenance: keep one of them')
  }
  if (types.includes('sbom') && sbom !== '') {
    fail('attests: type=sbom is set twice, here and in sbom: keep one of them')
  }
}

/** Whether an `attests` line of this type replaces the provenance or sbom input. */
export const attests = (o: BuildOptions, type: 'sbom' | 'provenance'): boolean =>
  o.attests.some(a => ATTEST_TYPE.exec(a)?.[1] === type)

/** The `docker buildx build` flags of these options (all but `load`, which depends on the builder). */
export function buildOptionFlags(o: BuildOptions): string[] {
  const argv: string[] = []
  for (const h of o.addHosts) argv.push('--add-host', h)
  for (const a of o.allow) argv.push('--allow', a)
  for (const a of o.attests) argv.push('--attest', a)
  if (o.cgroupParent) argv.push('--cgroup-parent', o.cgroupParent)
  for (const f of o.noCacheFilters) argv.push('--no-cache-filter', f)
  if (o.shmSize) argv.push('--shm-size', o.shmSize)
  for (const s of o.ssh) argv.push('--ssh', s)
  for (const u of o.ulimits) argv.push('--ulimit', u)
  return argv
}

/**
 * A `ref=` of a `cache-from`/`cache-to` line with uppercase letters in its repository fails the
 * build only after the login and the preflight (`repository name must be lowercase`), and
 * `${{ github.repository }}` keeps the owner's case, so it is refused here, with the ref to write.
 */
export function checkCacheRefs(name: string, entries: string[]): string[] {
  for (const entry of entries) {
    const ref = /(?:^|,)ref=([^,]+)/.exec(entry)?.[1]
    if (!ref) continue
    const slash = ref.lastIndexOf('/')
    const colon = ref.indexOf(':', slash + 1)
    const repository = colon < 0 ? ref : ref.slice(0, colon)
    if (repository !== repository.toLowerCase()) {
      const lower = repository.toLowerCase() + (colon < 0 ? '' : ref.slice(colon))
      fail(
        `${name}: "${entry}": registries reject uppercase repository names: write ref=${lower} (\${{ github.repository }} keeps the owner's case)`
      )
    }
  }
  return entries
}
