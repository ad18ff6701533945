// Small builders for e2e runs: a fresh build context and GitHub event environments.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A FROM scratch context with unique content (so every build makes a new digest). */
export function freshContext(extraDockerfile = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'ghcr-e2e-ctx-'))
  writeFileSync(join(dir, 'hello.txt'), `hello ${randomBytes(8).toString('hex')}\n`)
  writeFileSync(
    join(dir, 'Dockerfile'),
    `FROM scratch\nCOPY hello.txt /hello.txt\n${extraDockerfile}`
  )
  return dir
}

export const randomSha = (): string => randomBytes(20).toString('hex')

export function githubEnv(
  repository: string,
  eventName: string,
  ref: string,
  sha: string
): Record<string, string> {
  return {
    GITHUB_REPOSITORY: repository,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_REF: ref,
    GITHUB_SHA: sha,
    GITHUB_SERVER_URL: 'https://github.com',
    // The real REST API cannot be reached here; nothing listens on this port (a warning, no labels).
    GITHUB_API_URL: 'http://127.0.0.1:65531',
    GITHUB_ACTOR: 'octo-dev',
    GITHUB_RUN_ID: '4242'
  }
}

export function pushEvent(
  repository: string,
  ref: string,
  sha: string,
  defaultBranch = 'main'
): unknown {
  return {
    ref,
    after: sha,
    repository: { full_name: repository, default_branch: defaultBranch },
    head_commit: { id: sha, timestamp: '2026-11-20T10:00:00Z' }
  }
}

export function pullRequestEvent(
  repository: string,
  number: number,
  headRepo: string,
  headSha: string
): unknown {
  return {
    number,
    pull_request: {
      number,
      head: { ref: 'feature-x', sha: headSha, repo: { full_name: headRepo } },
      base: { ref: 'main', repo: { full_name: repository } }
    },
    repository: { full_name: repository, default_branch: 'main' }
  }
}
