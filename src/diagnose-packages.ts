// The GitHub Packages API's refusals during the clean-up (issue 14), as rules of the diagnosis
// table (diagnose.ts puts them first). The text they match is `METHOD url: HTTP status: message`,
// so a rule can tell listing from deleting (the listing rule comes first). Messages: docs/test-servers.md says which are GitHub's.
import type { Rule } from './diagnose.js'

const ADMIN_ROLE =
  "in the package's settings → Manage Actions access, give this repository the Admin role (the job keeps `permissions: packages: write`), or set `token` to a classic PAT with read:packages and delete:packages"

export const PACKAGES_RULES: Rule[] = [
  {
    says: 'GET …/versions: Resource not accessible by integration',
    test: /^GET\b[^\n]*Resource not accessible by integration/,
    phases: ['cleanup'],
    diagnosis: () => ({
      cause: "the job's GITHUB_TOKEN may not read this package",
      fix: 'add `permissions: packages: write` (or read, for cleanup-dry-run) to the job'
    })
  },
  {
    says: 'Resource not accessible by integration (deleting a version)',
    test: /Resource not accessible by integration/,
    phases: ['cleanup'],
    diagnosis: () => ({
      cause:
        "the job's GITHUB_TOKEN may delete a package's versions only when the repository has the Admin role on the package",
      fix: ADMIN_ROLE
    })
  },
  {
    says: 'You need at least delete:packages and read:packages scopes to delete a package version.',
    test: /need at least delete:packages/i,
    phases: ['cleanup'],
    diagnosis: () => ({
      cause: 'this classic personal access token lacks the delete:packages scope',
      fix: 'add the delete:packages and read:packages scopes to the token (Settings → Developer settings → Personal access tokens (classic)) and update the secret'
    })
  },
  {
    says: 'You must have admin rights on the package to delete its versions.',
    test: /admin rights on the package/i,
    phases: ['cleanup'],
    diagnosis: () => ({
      cause: "the token's account is not an admin of the package",
      fix: "an admin gives the account the Admin role in the package's settings (Manage access), or use an admin's classic PAT with delete:packages"
    })
  },
  {
    says: "You need at least read:packages scope to get a package's versions.",
    test: /need at least read:packages/i,
    phases: ['cleanup'],
    diagnosis: () => ({
      cause: 'this classic personal access token lacks the read:packages scope',
      fix: 'add the read:packages (and, to delete, delete:packages) scope to the token and update the secret'
    })
  },
  {
    says: 'Resource not accessible by personal access token',
    test: /not accessible by personal access token/i,
    phases: ['cleanup'],
    diagnosis: () => ({
      cause: 'a fine-grained personal access token: GitHub Packages accepts only classic ones',
      fix: 'use a classic PAT with read:packages and delete:packages, or the job token with the Admin role on the package'
    })
  },
  {
    says: 'Package not found.',
    test: /Package not found/i,
    phases: ['cleanup'],
    diagnosis: () => ({
      cause:
        'GitHub Packages has no container package of this name for the owner, or this token may not see it',
      fix: "check `images` (the package is the path after the owner); for the job token, the package's settings → Manage Actions access must list this repository"
    })
  },
  {
    says: 'Bad credentials (401)',
    test: /Bad credentials/i,
    phases: ['cleanup'],
    diagnosis: () => ({
      cause: 'the GitHub API does not know this token: it is expired, revoked or mistyped',
      fix: 'create a new token and update the secret, or use the job token'
    })
  }
]
