// Reusable test servers; see docs/test-servers.md.
export {
  startTokenAuthRegistry,
  grant,
  parseScope,
  type Access,
  type Account,
  type PackageScope,
  type RegistryRequest,
  type TokenAuthRegistry,
  type TokenAuthRegistryOptions,
  type TokenRequest
} from './token-auth-registry.js'
export {
  startFaultProxy,
  seededRandom,
  type FaultCounters,
  type FaultKind,
  type FaultProxy,
  type FaultProxyOptions,
  type Outcome,
  type ProxyLogEntry
} from './fault-proxy.js'
export {
  startGitHubApi,
  type ApiRequest,
  type GitHubApi,
  type ApiFault,
  type GitHubApiOptions,
  type PullSpec,
  type RepoSpec,
  type TokenSpec
} from './github-api.js'
export { createSigningIdentity, decodeJwt, signJwt, type SigningIdentity } from './x509.js'
export {
  startHtpasswdRegistry,
  type FrontRequest,
  type HtpasswdRegistry,
  type HtpasswdRegistryOptions,
  type RegistryStorage
} from './htpasswd-registry.js'
export { type PackageRole } from './github-packages.js'
export {
  listVersions,
  versionIdOf,
  type PackageVersion,
  type PackagesBackend
} from './package-versions.js'
export { startDistribution, type Distribution } from './registry-process.js'
