// The credentials phase: a classic PAT's scopes, `docker login` to each registry (in the private
// DOCKER_CONFIG), and the push preflight of each image. Each turns its failure into the user's
// message here, with the diagnosis table's cause and fix.
import * as docker from './docker.js'
import {
  InputError,
  registryFailure,
  RegistryError,
  saidFailure,
  StepError,
  TransientError
} from './errors.js'
import type { Settings } from './inputs.js'
import { checkPatScopes, type PatCheck } from './pat.js'
import type { Plan } from './plan.js'
import { preflight } from './preflight.js'
import { credentialsAccepted, redact, type RegistryTarget } from './registry-auth.js'
import { classifyDockerOutput, withRetry } from './retry.js'
import * as core from './workflow-commands.js'

/** The username and token for a registry host. */
export interface Credentials {
  username: string
  token: string
}

/**
 * The credentials of `registry`, from the source the plan chose for it (registry-logins.ts):
 * its registry-auth entry, the `username`/`token` inputs, or github.actor and the job token.
 */
export function credentialsFor(settings: Settings, plan: Plan, registry: string): Credentials {
  const login = plan.logins.find(l => l.registry === registry)
  if (login?.source === 'registry-auth') {
    const entry = settings.registryAuth.find(e => e.registry === registry)
    return { username: login.username, token: entry?.password ?? '' }
  }
  if (login?.source === 'github') return { username: login.username, token: settings.githubToken }
  return { username: settings.username, token: settings.token }
}

/** Before pushing: every registry pushed to has a username and a token, else the input to set. */
export function requireCredentials(settings: Settings, plan: Plan): void {
  for (const { registry, source } of plan.logins.filter(l =>
    plan.registries.includes(l.registry)
  )) {
    const { username, token } = credentialsFor(settings, plan, registry)
    if (source === 'registry-auth' && (!username || !token)) {
      throw new InputError(
        `${emptyCredential(settings, registry, source, token)} is empty, and the step pushes to ${registry}: pass a secret that is set (pull requests from forks get none; push: auto does not push them)`
      )
    }
    if (source === 'github' && (!username || !token)) {
      throw new InputError(
        `github-token: ${registry} images log in as github.actor with github-token, and ${username ? 'github-token' : 'GITHUB_ACTOR'} is empty: leave github-token unset, or add ${registry} to registry-auth`
      )
    }
    if (username === '') {
      throw new InputError(
        'username: empty: leave the input unset to use github.actor, or set it to the registry user'
      )
    }
    if (token === '') {
      const input = settings.tokenInput
      throw new InputError(
        `${input}: empty: leave the input unset to use github.token, or pass a secret, e.g. ${input}: \${{ secrets.GHCR_TOKEN }}`
      )
    }
  }
}

/** The input that left a registry's credentials empty. */
function emptyCredential(settings: Settings, registry: string, source: string, token: string) {
  if (source === 'registry-auth')
    return `registry-auth: the ${registry} entry's ${token ? 'username' : 'password'}`
  if (source === 'github') return token ? 'GITHUB_ACTOR' : 'github-token'
  return token ? 'username' : settings.tokenInput
}

/**
 * A warning for each login skipped because its credentials are empty (a secret that is not set):
 * only where nothing is pushed (requireCredentials refuses the others). The build goes on.
 */
export function skippedLogins(settings: Settings, plan: Plan): string[] {
  return plan.logins.flatMap(({ registry, source }) => {
    if (plan.push && plan.registries.includes(registry)) return []
    const { username, token } = credentialsFor(settings, plan, registry)
    if (username && token) return []
    return [
      `${emptyCredential(settings, registry, source, token)} is empty and nothing is pushed to ${registry}: building without a login to it`
    ]
  })
}

/** What our own registry client needs to talk to `image` (host/repository). */
export function targetFor(settings: Settings, plan: Plan, image: string): RegistryTarget {
  const registry = image.slice(0, image.indexOf('/'))
  return {
    registry,
    image,
    ...credentialsFor(settings, plan, registry),
    retries: settings.retries
  }
}

/** A classic PAT without write:packages logs in fine and fails only at the push: say so now. */
export async function checkToken(
  settings: Settings,
  plan: Plan,
  apiUrl: string,
  serverUrl: string
): Promise<PatCheck> {
  // A job on GitHub Enterprise Server pushing to ghcr.io holds a github.com token: ask github.com.
  const onGhes = !/^https:\/\/github\.com$/i.test(serverUrl)
  const toGhcr = plan.registries.includes('ghcr.io')
  const api = toGhcr && onGhes ? 'https://api.github.com' : apiUrl
  // The GitHub token is ghcr.io's when the step pushes there, whichever input it came from.
  const token = toGhcr ? credentialsFor(settings, plan, 'ghcr.io').token : settings.token
  const pat = await checkPatScopes({ token, apiUrl: api })
  if (!pat.checked) {
    ;(pat.warn ? core.warning : core.debug)(`token scopes not checked: ${pat.reason}`)
  } else if (pat.invalid) {
    throw new StepError(
      'login',
      `${settings.tokenInput}: the GitHub API rejected this personal access token (${pat.reason}): create a new one and update the secret`
    )
  } else if (pat.missing.length) {
    throw new StepError(
      'login',
      `${settings.tokenInput}: this classic personal access token lacks the ${pat.missing.join(', ')} scope (it has: ${pat.scopes.join(', ') || 'none'}): create a token with write:packages (Settings → Developer settings → Personal access tokens (classic)) and update the secret`
    )
  }
  return pat
}

/** `docker login` to `registry`, retried on transient failures. */
export async function login(
  settings: Settings,
  plan: Plan,
  registry: string,
  configDir: string
): Promise<void> {
  const { username, token } = credentialsFor(settings, plan, registry)
  // An image to ask the registry about; none for a registry-auth entry that no image is on.
  const image = plan.images.find(i => i.startsWith(`${registry}/`))
  const what = `login to ${registry} as ${username} failed`
  try {
    await withRetry(
      `docker login ${registry}`,
      async () => {
        const res = await docker.login(configDir, registry, username, token)
        if (res.code === 0) return
        // docker prints the registry's words, which may quote what it was sent
        const output = redact(res.stdout + res.stderr, { username, token })
        if (classifyDockerOutput(output) === 'transient') throw new TransientError(output)
        // The engine's login makes a few requests and retries none: before calling the token
        // bad, ask the registry with our own retrying client.
        const accepted =
          image !== undefined &&
          (await credentialsAccepted(targetFor(settings, plan, image)).catch(
            (e: unknown) => (e instanceof RegistryError ? true : Promise.reject(e)) // unreachable: transient
          ))
        if (accepted) throw new TransientError(output)
        throw saidFailure('login', registry, what, output)
      },
      { retries: settings.retries }
    )
  } catch (e) {
    if (!(e instanceof TransientError)) throw e
    throw saidFailure(
      'login',
      registry,
      settings.retries ? `${what} after retries (the registry kept failing)` : what,
      e.output
    )
  }
}

/** Proves, before building, that the credentials can push to every image. */
export async function preflightAll(settings: Settings, plan: Plan): Promise<void> {
  for (const image of plan.images) await preflightImage(settings, plan, image)
}

/** Proves that the credentials can push to `image`; returns how they were accepted. */
export async function preflightImage(
  settings: Settings,
  plan: Plan,
  image: string
): Promise<string> {
  const target = targetFor(settings, plan, image)
  try {
    const res = await preflight(target)
    core.info(`preflight: ${target.username} can push to ${image} (${res.via} auth)`)
    return `${res.via} auth`
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e
    throw registryFailure('preflight', target.registry, `preflight: ${e.message}`, e, {
      note: 'nothing was built'
    })
  }
}
