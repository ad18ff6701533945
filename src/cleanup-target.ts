// Which GitHub Packages API and package an image belongs to, for the clean-up. Pure.
/** `host/acme/app/web` → package `app/web` of owner `acme`; undefined without an owner part. */
export function packageOf(repositoryPath: string): { owner: string; name: string } | undefined {
  const slash = repositoryPath.indexOf('/')
  if (slash <= 0) return undefined
  return { owner: repositoryPath.slice(0, slash), name: repositoryPath.slice(slash + 1) }
}

const hostOf = (url: string): string => url.replace(/^[a-z]+:\/\//i, '').replace(/[/?#].*$/, '')
const isLoopback = (host: string): boolean =>
  /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3})(:\d+)?$/i.test(host)

/**
 * The Packages API that holds a registry's packages, or undefined for a registry that is not
 * GitHub's (its packages are not GitHub's to list or delete): ghcr.io (from GHES, github.com's
 * API), the `containers.` host of this GitHub server, or a registry on the loopback address
 * when the API is there too (a local stand-in of GitHub).
 */
export function packagesApiUrl(
  registry: string,
  ctx: { apiUrl: string; serverUrl: string }
): string | undefined {
  const server = hostOf(ctx.serverUrl).toLowerCase()
  if (registry === 'ghcr.io') return server === 'github.com' ? ctx.apiUrl : 'https://api.github.com'
  if (registry === `containers.${server}`) return ctx.apiUrl
  if (isLoopback(registry) && isLoopback(hostOf(ctx.apiUrl))) return ctx.apiUrl
  return undefined
}
