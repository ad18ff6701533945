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
  if (!registry.storageRoot) {
    await registry.stop()
    throw new Error('the packages API needs a registry with filesystem storage')
  }
  let api: GitHubApi
  try {
    api = await startGitHubApi({
      ...apiOptions,
      packages: {
        registry: registry.registry,
        storageRoot: registry.storageRoot,
        authorization: registry.authorization
      }
    })
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
