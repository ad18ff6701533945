// Registry host and image names: normalization and validation. Pure.
import { InputError } from './errors.js'

export const LEGACY_REGISTRY = 'docker.pkg.github.com'

// Docker Hub has one name and three hosts: images and logins say `docker.io`, its registry API
// answers on registry-1.docker.io (tokens come from auth.docker.io, named by its challenge), and
// the docker CLI keeps its login under the old index URL.
export const DOCKER_HUB = 'docker.io'
const DOCKER_HUB_ALIASES = ['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']
const DOCKER_HUB_API = 'registry-1.docker.io'
const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/'

/** The host the registry HTTP API answers on (`docker.io` → registry-1.docker.io). */
export const registryApiHost = (registry: string): string =>
  registry === DOCKER_HUB ? DOCKER_HUB_API : registry

/** The key of the registry's entry in docker's config.json `auths`. */
export const dockerConfigKey = (registry: string): string =>
  registry === DOCKER_HUB ? DOCKER_HUB_CONFIG_KEY : registry

const canonicalHost = (host: string): string =>
  DOCKER_HUB_ALIASES.includes(host) ? DOCKER_HUB : host

/** A message for the log, produced by pure code and printed by the shell. */
export interface Notice {
  level: 'notice' | 'warning'
  message: string
}

/**
 * `https://GHCR.io/` → `ghcr.io`; Docker Hub's other hosts → `docker.io`; the legacy GitHub
 * registry → `ghcr.io` with a warning. `name` is the input it came from, for the error.
 */
export function normalizeRegistry(input: string, notices: Notice[], name = 'registry'): string {
  const raw = input
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase()
  if (raw === 'index.docker.io/v1') return DOCKER_HUB // the CLI's key, pasted as a host
  // A leading `-` would make the host a flag to docker.
  if (raw === '' || /[\s/@]/.test(raw) || raw.startsWith('-')) {
    throw new InputError(
      `${name}: "${input}" is not a registry host: use a host[:port] such as ghcr.io`
    )
  }
  const host = canonicalHost(raw)
  if (host === LEGACY_REGISTRY) {
    notices.push({
      level: 'warning',
      message: `${name}: ${LEGACY_REGISTRY} was replaced by ghcr.io; using ghcr.io (set ${name === 'registry' ? 'registry: ghcr.io' : 'ghcr.io'} to silence this)`
    })
    return 'ghcr.io'
  }
  return host
}

/**
 * The registry when the `registry` input is left empty: GHCR for github.com; on GitHub
 * Enterprise Server and GHE.com (any other GITHUB_SERVER_URL), that server's Container registry
 * at `containers.<hostname>`, which GHES serves only with subdomain isolation turned on.
 */
export function defaultRegistry(serverUrl: string, notices: Notice[]): string {
  const host = /^https?:\/\/([^/:]+)/i.exec(serverUrl)?.[1]?.toLowerCase() ?? 'github.com'
  if (host === 'github.com') return 'ghcr.io'
  notices.push({
    level: 'notice',
    message: `registry: this job runs on ${host}, so images go to its Container registry, containers.${host} (set registry to push elsewhere, e.g. ghcr.io)`
  })
  return `containers.${host}`
}

// The Distribution reference grammar for a repository path (after lowercasing).
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const REPO_PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`)

/** True when the first path part of a name is a registry host (as docker decides it). */
function hasHost(name: string): boolean {
  const first = name.split('/')[0]
  return name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
}

/**
 * Turns one `images` entry into `host/repository`: adds the registry when no host is given,
 * rewrites the legacy `docker.pkg.github.com/OWNER/REPO/IMAGE` path, lowercases the repository.
 * An image may be on any host (each is logged in to); Docker Hub's is `docker.io`, and a
 * one-part name there is an official image (`docker.io/library/app`), as docker reads it.
 */
export function normalizeImage(entry: string, registry: string, notices: Notice[]): string {
  let name = entry.trim().replace(/^[a-z]+:\/\//i, '')
  if (name === '') throw new InputError('images: an image name is empty: remove the blank entry')
  if (/[@]/.test(name) || /:[^/]*$/.test(name.replace(/^[^/]*\//, ''))) {
    throw new InputError(
      `images: "${entry}" includes a tag or digest: give the name only and list tags under tags:`
    )
  }
  let host = registry
  if (hasHost(name)) {
    const slash = name.indexOf('/')
    host = canonicalHost(name.slice(0, slash).toLowerCase())
    name = name.slice(slash + 1)
  }
  if (host === LEGACY_REGISTRY) {
    const parts = name.split('/')
    const rewritten = parts.length === 3 ? `${parts[0]}/${parts[2]}` : name
    notices.push({
      level: 'warning',
      message: `images: ${LEGACY_REGISTRY}/${name} is the legacy GitHub registry; using ghcr.io/${rewritten.toLowerCase()}`
    })
    host = 'ghcr.io'
    name = rewritten
  }
  if (host === DOCKER_HUB && !name.includes('/')) name = `library/${name}`
  const lower = name.toLowerCase()
  if (lower !== name) {
    notices.push({
      level: 'notice',
      message: `images: ${host}/${name} lowercased to ${host}/${lower} (registries reject uppercase repository names)`
    })
  }
  if (!REPO_PATH.test(lower)) {
    throw new InputError(
      `images: "${entry}" is not a valid image name: use lowercase letters, digits and . _ - separators, like ${registry}/owner/app`
    )
  }
  return `${host}/${lower}`
}

/**
 * Every `images` entry through normalizeImage, in order, repeats dropped. A name without a host
 * that comes out as the same image as a name with one is refused: it is docker/metadata-action's habit of
 * `owner/app` (Docker Hub there) next to `ghcr.io/owner/app`, which here would push to one
 * registry only. `registrySet`: the `registry` input was given; when it was not, a name without
 * a host gets a notice saying where it goes, since metadata-action reads it as Docker Hub's.
 */
export function normalizeImages(
  entries: string[],
  registry: string,
  registrySet: boolean,
  notices: Notice[]
): string[] {
  const seen = new Map<string, string>()
  const hostless = (entry: string) => !hasHost(entry.trim().replace(/^[a-z]+:\/\//i, ''))
  for (const entry of entries) {
    const image = normalizeImage(entry, registry, notices)
    const earlier = seen.get(image)
    if (earlier !== undefined && hostless(earlier) !== hostless(entry)) {
      throw new InputError(
        `images: "${earlier.trim()}" and "${entry.trim()}" are the same image, ${image} (a name without a host gets the registry's, ${registry}): drop one` +
          (registry === DOCKER_HUB
            ? ''
            : `, or write docker.io/${image.slice(registry.length + 1)} for Docker Hub`)
      )
    }
    if (earlier === undefined && !registrySet && hostless(entry)) {
      notices.push({
        level: 'notice',
        message: `images: "${entry.trim()}" has no host, so it is ${image} (docker/metadata-action would read it as Docker Hub's: write docker.io/${entry.trim()} for that)`
      })
    }
    if (earlier === undefined) seen.set(image, entry)
  }
  return [...seen.keys()]
}
