// The diagnosis rules for what a registry or docker says outside a build (src/diagnose.ts applies
// them after the clean-up's and the build's): GHCR's and Distribution's own messages, specific
// ones before the generic "unauthorized"/"denied". Pure.
import type { Rule } from './diagnose.js'
import type { Phase } from './errors.js'

const REGISTRY_SIDE: Phase[] = ['login', 'preflight', 'push', 'verify']

export const REGISTRY_RULES: Rule[] = [
  {
    says: 'denied: installation not allowed to Write organization package',
    test: /installation not allowed to Write organization package/i,
    diagnosis: () => ({
      cause:
        "the job's GITHUB_TOKEN may not write packages (no `packages: write`, a read-only token for a Dependabot or fork pull-request run, or a GitHub App token, which cannot write organization packages)",
      fix: 'add `permissions: packages: write` (and `contents: read`) to the job; for a GitHub App token use GITHUB_TOKEN or a classic PAT with write:packages instead'
    })
  },
  {
    says: 'denied: installation not allowed to Create organization package',
    test: /installation not allowed to Create organization package/i,
    diagnosis: () => ({
      cause: 'this token may not create a package in the organization',
      fix: '1) add `permissions: packages: write` to the job; 2) allow members to create packages in the organization settings (Packages → package creation); 3) a GitHub App token cannot create packages: use GITHUB_TOKEN or a classic PAT with write:packages'
    })
  },
  {
    says: 'denied: permission_denied: write_package',
    test: /permission_denied: write_package/i,
    diagnosis: () => ({
      cause:
        'the package exists but this repository has no write access to it (it was first pushed from elsewhere and never linked)',
      fix: "open the package's settings → Manage Actions access → add this repository with the Write role (or delete the package and let this workflow create it: the source label links it)"
    })
  },
  {
    says: 'denied: permission_denied: The token provided does not match expected scopes',
    test: /does not match expected scopes/i,
    diagnosis: () => ({
      cause:
        'the token lacks the write:packages scope (a classic PAT created without it, or a fine-grained PAT, which GitHub Packages does not accept)',
      fix: 'use a classic PAT with the write:packages scope, or the job token (`token: ${{ github.token }}` with `permissions: packages: write`)'
    })
  },
  {
    says: 'Resource protected by organization SAML enforcement',
    test: /SAML enforcement|single sign-on|\bSSO\b/i,
    diagnosis: () => ({
      cause:
        'the organization enforces SAML single sign-on and this personal access token is not authorized for it',
      fix: 'GitHub → Settings → Developer settings → Personal access tokens → Configure SSO → Authorize for the organization'
    })
  },
  {
    says: 'unauthorized: unauthenticated: User cannot be authenticated with the token provided',
    test: /cannot be authenticated with the token provided/i,
    phases: REGISTRY_SIDE,
    diagnosis: registry => ({
      cause: `${registry} does not know this token: it is expired, revoked or mistyped`,
      fix: 'create a new token and update the secret (a PAT needs write:packages), or use the job token with `permissions: packages: write`'
    })
  },
  {
    says: 'repository name must be lowercase',
    test: /repository name must be lowercase/i,
    diagnosis: () => ({
      cause: 'the image name has uppercase letters',
      fix: 'use a lowercase image name'
    })
  },
  {
    says: 'invalid reference format / NAME_INVALID',
    test: /invalid reference format|name invalid/i,
    diagnosis: () => ({
      cause: 'an image name or tag is not valid in the registry grammar',
      fix: 'image names: lowercase letters, digits and . _ - separators (owner/app); tags: at most 128 of [A-Za-z0-9_.-], not starting with . or -'
    })
  },
  {
    says: 'toomanyrequests / 429 Too Many Requests / secondary rate limit',
    test: /toomanyrequests|\b429 Too Many Requests|rate limit/i,
    phases: REGISTRY_SIDE,
    diagnosis: registry => ({
      cause: `${registry} is rate-limiting this runner (too many requests in a short time)`,
      fix: 'it was retried with backoff; re-run the job, raise `retries`, or push fewer images at once (`strategy.max-parallel`)'
    })
  },
  {
    says: 'no basic auth credentials',
    test: /no basic auth credentials/i,
    phases: ['push'],
    diagnosis: registry => ({
      cause: `the push found no login for ${registry} in the docker config it read`,
      fix: 'give every registry of `images` credentials (the `registry` host takes `username` and `token`, any other a `registry-auth` entry), and do not change DOCKER_CONFIG between this step starting and the build; with a custom `builder`, it must read the same config'
    })
  },
  {
    says: 'denied: denied (at login; the token service refuses the credentials)',
    test: /denied: denied/i,
    phases: ['login', 'preflight'],
    diagnosis: registry => ({
      cause: `${registry} refused the username and token: the token is wrong, expired or revoked, or a PAT not authorized for the organization's SSO`,
      fix: 'check the token secret; for a PAT in an organization with SSO, authorize the token for SSO (token settings → Configure SSO)'
    })
  },
  {
    says: 'unauthorized / 401 Unauthorized / incorrect username or password (login, preflight)',
    test: /unauthori[sz]ed|\b401\b|incorrect username or password|authentication required/i,
    phases: ['login', 'preflight'],
    diagnosis: registry => ({
      cause: `${registry} rejected the username or token`,
      fix: 'check the token secret (expired or revoked?), that username is the account that owns it, and for a PAT in an organization with SSO, authorize the token for SSO'
    })
  },
  {
    says: 'unauthorized: authentication required (push, verify)',
    test: /unauthori[sz]ed|authentication required|\b401\b/i,
    phases: ['push', 'verify'],
    diagnosis: registry => ({
      cause: `${registry} did not accept the credentials for this repository (a token that may only read, or one that expired during a long build)`,
      fix: 'give the token write access: `permissions: packages: write` for GITHUB_TOKEN (packages: read can pull, not push), the write:packages scope for a PAT'
    })
  },
  {
    says: 'denied / 403 Forbidden (push, preflight, verify)',
    test: /denied|forbidden|\b403\b/i,
    phases: ['push', 'preflight', 'verify'],
    diagnosis: registry => ({
      cause: `${registry} refused this token access to the repository`,
      fix: 'give the token write access: `permissions: packages: write` for GITHUB_TOKEN, the write:packages scope for a PAT, and Write access to this repository in the package settings'
    })
  },
  {
    says: 'name unknown: repository name not known to registry',
    test: /name unknown|NAME_UNKNOWN/i,
    phases: REGISTRY_SIDE,
    diagnosis: registry => ({
      cause: `${registry} has no repository by that name, or hides it from this token (a private package it may not read)`,
      fix: 'check the image name; for a private package give the token read access (package settings → Manage Actions access)'
    })
  },
  {
    says: 'manifest unknown',
    test: /manifest unknown|MANIFEST_UNKNOWN/i,
    phases: REGISTRY_SIDE,
    diagnosis: () => ({
      cause: 'the tag is not on the registry: its push did not land, or something deleted it since',
      fix: 're-run the job; if it repeats, look for a retention policy or another workflow deleting or re-pushing these tags'
    })
  },
  {
    says: 'manifest invalid',
    test: /manifest invalid|MANIFEST_INVALID/i,
    phases: ['push'],
    diagnosis: registry => ({
      cause: `${registry} rejected the image manifest (a format it does not accept, such as an OCI index with attestations, or a missing layer)`,
      fix: 're-run once; if it repeats, set `provenance: false` and `sbom: false` so buildx pushes a plain image'
    })
  },
  {
    says: 'server gave HTTP response to HTTPS client',
    test: /server gave HTTP response to HTTPS client/i,
    diagnosis: registry => ({
      cause: `${registry} speaks plain HTTP, and docker only allows that for 127.0.0.0/8`,
      fix: `serve the registry over HTTPS, or list ${registry} in the daemon's insecure-registries`
    })
  },
  {
    says: 'x509: certificate signed by unknown authority',
    test: /x509:|certificate signed by unknown authority|tls: failed to verify|self[- ]signed certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE/i,
    diagnosis: registry => ({
      cause: `the TLS certificate of ${registry} is not trusted on this runner`,
      fix: `install the registry's CA certificate (/etc/docker/certs.d/${registry}/ca.crt for the daemon, and the system trust store)`
    })
  },
  {
    says: 'no such host',
    test: /no such host|ENOTFOUND/i,
    diagnosis: registry => ({
      cause: `the host name ${registry} does not resolve`,
      fix: 'check the spelling of `registry` and of the host in `images`'
    })
  },
  {
    says: 'connection refused',
    test: /connection refused|ECONNREFUSED/i,
    diagnosis: registry => ({
      cause: `nothing answers at ${registry}`,
      fix: 'check the host and port of `registry`, and that the registry is running and reachable from the runner'
    })
  },
  {
    says: '500 Internal Server Error / 502 Bad Gateway / 503 Service Unavailable / 504 Gateway Timeout',
    test: /internal server error|bad gateway|service unavailable|gateway time-?out|\bHTTP 50[0234]\b/i,
    diagnosis: registry => ({
      cause: `${registry} is failing on its side`,
      fix: 'it was retried with backoff; re-run later (for GHCR see https://www.githubstatus.com), or raise `retries`'
    })
  },
  {
    says: 'i/o timeout / TLS handshake timeout / connection reset / unexpected EOF',
    test: /i\/o timeout|TLS handshake timeout|context deadline exceeded|connection reset|unexpected EOF|ETIMEDOUT|ECONNRESET|UND_ERR_SOCKET/i,
    diagnosis: registry => ({
      cause: `the network between the runner and ${registry} failed`,
      fix: 'it was retried with backoff; re-run the job, or raise `retries`'
    })
  },
  {
    says: 'Attestation is not supported for the docker driver',
    test: /Attestation is not supported for the docker driver/i,
    phases: ['build', 'push'],
    diagnosis: () => ({
      cause:
        'the builder uses the docker driver, which cannot attach provenance or SBOM attestations',
      fix: 'leave `builder` empty with `driver: auto` (the step then creates a docker-container builder), turn on the containerd image store, or set `provenance: false` and `sbom: false`'
    })
  },
  {
    says: 'Multi-platform build is not supported for the docker driver',
    test: /Multi-platform build is not supported for the docker driver/i,
    phases: ['build', 'push'],
    diagnosis: () => ({
      cause: 'the builder uses the docker driver, which builds one platform at a time',
      fix: 'leave `builder` empty with `driver: auto` (the step then creates a docker-container builder), turn on the containerd image store, or build a single platform'
    })
  },
  {
    says: 'Cache export is not supported for the docker driver',
    test: /Cache export is not supported for the docker driver/i,
    phases: ['build', 'push'],
    diagnosis: () => ({
      cause:
        'the builder uses the docker driver on the classic image store, which exports only an inline cache',
      fix: 'leave `builder` empty with `driver: auto` (the step then creates a docker-container builder), turn on the containerd image store, or use `cache-to: type=inline`'
    })
  },
  {
    says: "BuildKit is enabled but the buildx component is missing or broken / 'buildx' is not a docker command",
    test: /buildx component is missing or broken|'buildx' is not a docker command|unknown command: docker buildx/i,
    phases: ['build', 'push'],
    diagnosis: () => ({
      cause: 'docker buildx is not installed on this runner',
      fix: 'let the step install it (`buildx-version`), or add docker/setup-buildx-action before this step'
    })
  }
]
