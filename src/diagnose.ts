// From what the registry or docker said to the cause and the fix (DESIGN.md §6). Pure.

export type Phase = 'login' | 'preflight' | 'push' | 'build'

export interface Diagnosis {
  cause: string
  fix: string
}

interface Rule {
  test: RegExp
  phases?: Phase[]
  diagnosis: (registry: string) => Diagnosis
}

const RULES: Rule[] = [
  {
    test: /installation not allowed to Write organization package/i,
    diagnosis: () => ({
      cause: "the job's GITHUB_TOKEN may not write packages",
      fix: 'add `permissions: packages: write` (and `contents: read`) to the job'
    })
  },
  {
    test: /installation not allowed to Create organization package/i,
    diagnosis: () => ({
      cause: 'this token may not create a package in the organization',
      fix: '1) add `permissions: packages: write` to the job; 2) allow members to create packages in the organization settings (Packages → package creation); 3) a GitHub App token cannot create packages: use GITHUB_TOKEN or a classic PAT with write:packages'
    })
  },
  {
    test: /permission_denied: write_package/i,
    diagnosis: () => ({
      cause:
        'the package exists but this repository has no write access to it (it was first pushed from elsewhere and never linked)',
      fix: "open the package's settings → Manage Actions access → add this repository with the Write role (or delete the package and let this workflow create it: the source label links it)"
    })
  },
  {
    test: /repository name must be lowercase/i,
    diagnosis: () => ({
      cause: 'the image name has uppercase letters',
      fix: 'use a lowercase image name'
    })
  },
  {
    test: /unauthorized|401|denied: denied|incorrect username or password|authentication required/i,
    phases: ['login', 'preflight'],
    diagnosis: registry => ({
      cause: `${registry} rejected the username or token`,
      fix: 'check the token secret (expired or revoked?), that username is the account that owns it, and for a PAT in an organization with SSO, authorize the token for SSO'
    })
  },
  {
    test: /no basic auth credentials|unauthorized|authentication required/i,
    phases: ['push'],
    diagnosis: registry => ({
      cause: `${registry} did not accept the credentials for the push`,
      fix: 'check that the token can write packages (GITHUB_TOKEN: `permissions: packages: write`; PAT: the write:packages scope)'
    })
  },
  {
    test: /denied|forbidden|403/i,
    phases: ['push', 'preflight'],
    diagnosis: registry => ({
      cause: `${registry} refused to let this token push the image`,
      fix: 'give the token write access: `permissions: packages: write` for GITHUB_TOKEN, the write:packages scope for a PAT, and Write access to this repository in the package settings'
    })
  }
]

/** The first matching rule's cause and fix, or undefined when nothing known matches. */
export function diagnose(text: string, phase: Phase, registry: string): Diagnosis | undefined {
  for (const rule of RULES) {
    if (rule.phases && !rule.phases.includes(phase)) continue
    if (rule.test.test(text)) return rule.diagnosis(registry)
  }
  return undefined
}

/** The most telling line of docker's output: the last one that mentions an error. */
export function errorLine(output: string): string {
  const all = output
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(Boolean)
  const errors = all.filter(l => /error|denied|unauthorized|failed|forbidden/i.test(l))
  return (errors.at(-1) ?? all.at(-1) ?? '').slice(0, 500)
}
