// Registry host and image names: normalization and validation. Pure.
import { InputError } from './errors.js'

export const LEGACY_REGISTRY = 'docker.pkg.github.com'

/** A message for the log, produced by pure code and printed by the shell. */
export interface Notice {
  level: 'notice' | 'warning'
  message: string
}

/** `https://GHCR.io/` → `ghcr.io`; the legacy GitHub registry → `ghcr.io` with a warning. */
export function normalizeRegistry(input: string, notices: Notice[]): string {
  const host = input
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase()
  // A leading `-` would make the host a flag to docker.
  if (host === '' || /[\s/@]/.test(host) || host.startsWith('-')) {
    throw new InputError(
      `registry: "${input}" is not a registry host: use a host[:port] such as ghcr.io`
    )
  }
  if (host === LEGACY_REGISTRY) {
    notices.push({
      level: 'warning',
      message: `registry: ${LEGACY_REGISTRY} was replaced by ghcr.io; using ghcr.io (set registry: ghcr.io to silence this)`
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
    host = name.slice(0, slash).toLowerCase()
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
  if (host !== registry) {
    throw new InputError(
      `images: "${entry}" is on ${host} but the step logs in to ${registry}: set registry: ${host} or use images on ${registry}`
    )
  }
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
