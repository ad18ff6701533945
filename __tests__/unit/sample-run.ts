// A sample workflow run as the runner would see it, for checking documentation snippets: four
// events (push to main, tag push, pull request, schedule) with their GitHub context, and the
// runner's evaluation of `${{ }}` expressions (GitHub's own evaluator, @actions/expressions).
import { Evaluator, Lexer, Parser, data } from '@actions/expressions'
import { contextFromEnv, type GitHubContext } from '../../src/context.js'
import type { Yaml } from './workflow-lint.js'

export interface SampleEvent {
  name: string
  env: Record<string, string>
  payload: Yaml
}
const SHA = 'abc1234def5678abc1234def5678abc1234def56'
const REPOSITORY = { default_branch: 'main', full_name: 'acme/app' }
export const EVENTS: SampleEvent[] = [
  {
    name: 'push to main',
    env: { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' },
    payload: {}
  },
  {
    name: 'push of tag v1.2.3',
    env: { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/tags/v1.2.3' },
    payload: {}
  },
  {
    name: 'pull request #15',
    env: {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/15/merge',
      GITHUB_HEAD_REF: 'feature',
      GITHUB_BASE_REF: 'main'
    },
    payload: {
      number: 15,
      pull_request: {
        number: 15,
        head: { ref: 'feature', sha: 'f'.repeat(40), repo: { full_name: 'acme/app' } },
        base: { ref: 'main', repo: { full_name: 'acme/app' } }
      }
    }
  },
  {
    name: 'schedule',
    env: { GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main' },
    payload: {}
  }
]

export const ctxOf = (e: SampleEvent): GitHubContext =>
  contextFromEnv(
    {
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_SHA: SHA,
      GITHUB_ACTOR: 'octocat',
      GITHUB_SERVER_URL: 'https://github.com',
      ...e.env
    },
    { repository: REPOSITORY, ...e.payload }
  )

/** `secrets.X` and `vars.X` are whatever the user stored: a placeholder for any name. */
class AnyValue extends data.Dictionary {
  constructor(private readonly prefix: string) {
    super()
  }
  override get(key: string) {
    return super.get(key) ?? new data.StringData(`${this.prefix}-${key}`)
  }
}

const toData = (value: unknown) =>
  JSON.parse(JSON.stringify(value), data.reviver) as data.Dictionary
const CONTEXTS = [
  'github',
  'secrets',
  'vars',
  'steps',
  'needs',
  'matrix',
  'inputs',
  'env',
  'job',
  'strategy',
  'runner'
]

/** The expression contexts of a sample run: `steps`/`needs`/`matrix` outputs are unknown (empty). */
export function expressionContext(e: SampleEvent, ctx: GitHubContext): data.Dictionary {
  const github = toData({
    event_name: ctx.eventName,
    ref: ctx.ref,
    ref_name: ctx.ref.replace(/^refs\/(heads|tags)\//, ''),
    sha: ctx.sha,
    actor: ctx.actor,
    repository: 'acme/app',
    repository_owner: 'acme',
    server_url: ctx.serverUrl,
    head_ref: ctx.headRef,
    base_ref: ctx.baseRef,
    token: 'ghs_sampletoken',
    workspace: '/home/runner/work/app/app',
    event: { repository: REPOSITORY, ...e.payload }
  })
  const runner = toData({ temp: '/home/runner/work/_temp', os: 'Linux', arch: 'X64' })
  const known: Record<string, data.Dictionary> = {
    github,
    runner,
    secrets: new AnyValue('secret'),
    vars: new AnyValue('var')
  }
  return new data.Dictionary(
    ...CONTEXTS.map(key => ({ key, value: known[key] ?? new data.Dictionary() }))
  )
}

/** What the runner passes as INPUT_*: every `${{ }}` replaced by its value as a string. */
export function interpolate(value: string, context: data.Dictionary): string {
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) => {
    const lexed = new Lexer(expression.trim()).lex()
    const tree = new Parser(lexed.tokens, CONTEXTS, []).parse()
    return new Evaluator(tree, context).evaluate().coerceString()
  })
}
