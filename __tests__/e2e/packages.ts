// The GitHub Packages API stand-in wired to a registry of its own (issue 14): a registry with
// filesystem storage and delete enabled (htpasswd-registry.ts), and the GitHub API stand-in
// (github-api.ts) serving the container packages endpoints from it. Push to `registry.registry`,
// point the action's GITHUB_API_URL at `api.url`. See docs/test-servers.md.
import { startGitHubApi, type GitHubApi, type GitHubApiOptions } from '../servers/github-api.js'
import {
  startHtpasswdRegistry,
  type HtpasswdRegistry,
  type HtpasswdRegistryOptions
} from '../servers/htpasswd-registry.js'
import type { PackagesBackend } from '../servers/package-versions.js'
import type { TokenAuthRegistry } from '../servers/token-auth-registry.js'

/**
 * The `packages` option of startGitHubApi for a registry of __tests__/servers started with
 * `storage: 'filesystem'`: the htpasswd one (Basic auth) or the GHCR-like token one (a token
 * with pull and delete, signed directly).
 */
export function packagesBackendOf(reg: HtpasswdRegistry | TokenAuthRegistry): PackagesBackend {
  if (!reg.storageRoot) throw new Error('the packages API needs a registry with filesystem storage')
  if ('authorization' in reg) {
    return {
      registry: reg.registry,
      storageRoot: reg.storageRoot,
      authorization: reg.authorization
    }
  }
  return {
    registry: reg.registry,
    storageRoot: reg.storageRoot,
    authorization: repo =>
      'Bearer ' +
      reg.issueToken('packages-api', [
        { type: 'repository', name: repo, actions: ['pull', 'delete'] }
      ])
  }
}

export interface PackagesStack {
  registry: HtpasswdRegistry
  api: GitHubApi
  stop(): Promise<void>
}

export async function startPackagesStack(
  options: Omit<GitHubApiOptions, 'packages'> & { registry?: HtpasswdRegistryOptions } = {}
): Promise<PackagesStack> {
  const { registry: registryOptions, ...apiOptions } = options
  const registry = await startHtpasswdRegistry({ storage: 'filesystem', ...registryOptions })
  let api: GitHubApi
  try {
    api = await startGitHubApi({ ...apiOptions, packages: packagesBackendOf(registry) })
  } catch (err) {
    await registry.stop()
    throw err
  }
  return {
    registry,
    api,
    async stop() {
      await api.stop()
      await registry.stop()
    }
  }
}
