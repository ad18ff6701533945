// The overhead benchmark (issue 12; docs/benchmarks.md). Run through scripts/bench.sh, which
// starts the e2e suite's private engines and registry.
//
// (a) process start → printed plan: from the spawn of `node dist/index.js` by this process to the
//     end of the plan's group on its stdout, in dry-run; `node -e 0` (spawn to exit) for scale.
// (b) the size of dist/.
// (c) login + one `buildx build --push` of a fresh 1 MiB layer with 5 tags and labels: the step as
//     the runner runs it (main only, every declared input as an INPUT_* variable with its
//     default, GITHUB_* variables and the runner's files, the repository API answered by a
//     stand-in), against the bare commands doing the same work (docker login --password-stdin,
//     docker buildx build --push with the same tags and labels, docker logout); interleaved,
//     fresh content and a fresh job directory every run, medians; with each phase's time.
// (d) a registry cache round trip on the newer engine.
// Prints a Markdown table; the figures go into docs/benchmarks.md.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'

const ROOT = resolve(import.meta.dirname, '..')
const BUNDLE = join(ROOT, 'dist', 'index.js')
/** Another build of the step (e.g. an older commit's dist/index.js), run as a fourth side of (c). */
const COMPARE = process.env.BENCH_COMPARE
const PLAN_RUNS = Number(process.env.BENCH_PLAN_RUNS ?? 30)
const PUSH_RUNS = Number(process.env.BENCH_PUSH_RUNS ?? 11)
/** Added to every answer of the repository API stand-in (GitHub's own is not reachable here). */
const API_DELAY_MS = Number(process.env.BENCH_API_DELAY_MS ?? 0)
const CACHE = process.env.BENCH_CACHE !== '0'
const { E2E_REGISTRY: REG, E2E_USER: USER, E2E_PASSWORD: PASS } = process.env
if (!REG) throw new Error('run through scripts/bench.sh (needs the registry env)')

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ms = n => (n === undefined ? '–' : `${n.toFixed(0)} ms`)

/**
 * Runs a command; `marks` are [name, line pattern] pairs, matched in order: each mark is the time
 * (ms since the spawn) of the first stdout/stderr line matching its pattern after the previous one.
 */
function runProcess(cmd, args, { env = process.env, input, cwd, marks = [] } = {}) {
  return new Promise((res, rej) => {
    const t0 = performance.now()
    const child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let partial = ''
    const at = {}
    let next = 0
    const onData = d => {
      const now = performance.now() - t0
      out += d
      const lines = (partial + d).split('\n')
      partial = lines.pop()
      for (const line of lines) {
        if (next < marks.length && marks[next][1].test(line)) at[marks[next++][0]] = now
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', rej)
    child.on('close', code => {
      const elapsed = performance.now() - t0
      if (code !== 0)
        rej(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-3000)}`))
      else res({ elapsed, at, out })
    })
    child.stdin.end(input ?? '')
  })
}

// ------------------------------------------------------------------ the repository API stand-in
// A separate process, so that answering does not run on this process's event loop. It answers
// GET /repos/bench/app as GitHub does (the fields the step reads) and counts what it answered.
const API_SERVER = `
import { createServer } from 'node:http'
let answered = 0
const repo = JSON.stringify({ name: 'app', full_name: 'bench/app', html_url: 'https://github.com/bench/app',
  description: 'the benchmark image', default_branch: 'main', license: { spdx_id: 'MIT' } })
createServer((req, res) => {
  if (req.url === '/count') return res.end(String(answered))
  setTimeout(() => {
    answered++
    if (req.url === '/repos/bench/app') res.writeHead(200, { 'content-type': 'application/json' }).end(repo)
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}')
  }, ${API_DELAY_MS})
}).listen(0, '127.0.0.1', function () { console.log(this.address().port) })
`
const api = spawn(process.execPath, ['--input-type=module', '-e', API_SERVER], {
  stdio: ['ignore', 'pipe', 'inherit']
})
const API_URL = await new Promise((res, rej) => {
  api.on('error', rej)
  api.stdout.once('data', d => res(`http://127.0.0.1:${String(d).trim()}`))
})
const apiAnswered = async () => Number(await (await fetch(`${API_URL}/count`)).text())

// ------------------------------------------------------------------------------ one job, as run
const ACTOR = 'bench-actor'
const JOB_TOKEN = `ghs_${randomBytes(18).toString('hex')}` // the form of github.token
/** Every input action.yml declares with a default, as the runner passes them (expressions evaluated). */
const DEFAULT_INPUTS = Object.fromEntries(
  Object.entries(parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')).inputs)
    .filter(([, spec]) => spec.default !== undefined)
    .map(([name, spec]) => [
      name,
      String(spec.default)
        .replace('${{ github.token }}', JOB_TOKEN)
        .replace('${{ github.actor }}', ACTOR)
    ])
)

function job() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-job-'))
  const ws = join(dir, 'ws')
  mkdirSync(ws)
  mkdirSync(join(dir, 'temp'))
  writeFileSync(join(ws, 'blob.bin'), randomBytes(1024 * 1024)) // 1 MiB, fresh every run
  writeFileSync(join(ws, 'Dockerfile'), 'FROM scratch\nCOPY blob.bin /blob.bin\n')
  for (const f of ['output', 'env', 'summary']) writeFileSync(join(dir, f), '')
  writeFileSync(
    join(dir, 'event.json'),
    JSON.stringify({ ref: 'refs/heads/main', repository: { default_branch: 'main' } })
  )
  return { dir, ws, sha: randomBytes(20).toString('hex') }
}

const TAGS = ['a', 'b', 'c', 'd', 'e']
const image = `${REG}/bench/app`

function runnerEnv(j, inputs = {}) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DOCKER_HOST: process.env.DOCKER_HOST,
    DOCKER_CONFIG: process.env.DOCKER_CONFIG,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: join(j.dir, 'temp'),
    GITHUB_WORKSPACE: j.ws,
    GITHUB_OUTPUT: join(j.dir, 'output'),
    GITHUB_ENV: join(j.dir, 'env'),
    GITHUB_STEP_SUMMARY: join(j.dir, 'summary'),
    GITHUB_EVENT_PATH: join(j.dir, 'event.json'),
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_SHA: j.sha,
    GITHUB_ACTOR: ACTOR,
    GITHUB_REPOSITORY: 'bench/app',
    GITHUB_REPOSITORY_OWNER: 'bench',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_NUMBER: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: API_URL
  }
  const given = { registry: REG, images: image, username: USER, token: PASS, tags: TAGS.join('\n') }
  for (const [name, value] of Object.entries({ ...DEFAULT_INPUTS, ...given, ...inputs })) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  return env
}

/** Where a run of the step is, by the lines it prints (see docs/benchmarks.md). */
const STEP_MARKS = [
  ['plan', /^::group::Plan$/],
  ['planned', /^::endgroup::$/],
  ['setup', /^::group::Buildx, login/],
  ['built', /^::group::Build and push$/],
  ['build', /^\[command\]docker buildx build /],
  ['verify', /^::group::Verify every tag$/],
  ['pushed', /^pushed 5 refs at /]
]

const TRACE = join(ROOT, 'scripts', 'trace.mjs')
/** `--trace --cpu-prof`: the traced run also writes a V8 CPU profile (node --cpu-prof). */
const PROFILE_DIR = join(tmpdir(), 'bench-cpu-prof')
const PROFILE = process.argv.includes('--cpu-prof')
  ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${PROFILE_DIR}`]
  : []

/** The step, as the runner runs it; `traceFile`: with scripts/trace.mjs loaded first. */
async function step(inputs = {}, traceFile, bundle = BUNDLE) {
  const j = job()
  const node = traceFile ? [...PROFILE, '--import', TRACE, bundle] : [bundle]
  const env = runnerEnv(j, inputs)
  if (traceFile) env.TRACE_FILE = traceFile
  const r = await runProcess(process.execPath, node, {
    env,
    cwd: j.ws,
    marks: STEP_MARKS
  })
  if (!r.out.includes('org.opencontainers.image.licenses=MIT')) {
    throw new Error(`the step did not use the repository API's answer:\n${r.out.slice(0, 3000)}`)
  }
  rmSync(j.dir, { recursive: true, force: true })
  return r
}

async function bare() {
  const j = job()
  const cfg = join(j.dir, 'temp', 'cfg')
  const env = { ...process.env, DOCKER_CONFIG: cfg }
  const t0 = performance.now()
  await runProcess('docker', ['login', '--username', USER, '--password-stdin', REG], {
    env,
    input: PASS
  })
  const loggedIn = performance.now() - t0
  const args = [
    'buildx',
    'build',
    '--iidfile',
    join(j.dir, 'iid'),
    '--metadata-file',
    join(j.dir, 'm.json')
  ]
  for (const t of TAGS) args.push('--tag', `${image}:${t}`)
  for (const l of [
    `org.opencontainers.image.created=${new Date().toISOString()}`,
    'org.opencontainers.image.description=the benchmark image',
    'org.opencontainers.image.licenses=MIT',
    `org.opencontainers.image.revision=${j.sha}`,
    'org.opencontainers.image.source=https://github.com/bench/app',
    'org.opencontainers.image.title=app',
    'org.opencontainers.image.url=https://github.com/bench/app',
    'org.opencontainers.image.version=a'
  ])
    args.push('--label', l)
  args.push('--push', j.ws)
  await runProcess('docker', args, { env })
  const built = performance.now() - t0
  await runProcess('docker', ['logout', REG], { env })
  const elapsed = performance.now() - t0
  rmSync(j.dir, { recursive: true, force: true })
  return { elapsed, at: { loggedIn, built } }
}

if (process.argv.includes('--trace')) {
  // One traced push after a warm-up of each side: the step's trace, then the bare commands'.
  await step()
  await bare()
  const file = join(mkdtempSync(join(tmpdir(), 'bench-trace-')), 'trace')
  await step({}, file)
  process.stdout.write(readFileSync(file, 'utf8'))
  if (PROFILE.length) console.log(`CPU profile in ${PROFILE_DIR}`)
  const b = await bare()
  console.log(`bare: login ${ms(b.at.loggedIn)}, build ${ms(b.at.built)}, logout ${ms(b.elapsed)}`)
  api.kill()
  process.exit(0)
}

function dirSize(dir) {
  return readdirSync(dir).reduce((sum, name) => {
    const p = join(dir, name)
    const s = statSync(p)
    return sum + (s.isDirectory() ? dirSize(p) : s.size)
  }, 0)
}

// (a) start → printed plan, in dry-run; node's own start for scale; and the same seen from
// inside (scripts/trace.mjs: performance.now() is the time since the process started), all
// interleaved
const planTimes = []
const nodeTimes = []
const inside = { plan: [], loaded: [] }
for (let i = 0; i < PLAN_RUNS; i++) {
  const j = job()
  const r = await runProcess(process.execPath, [BUNDLE], {
    env: runnerEnv(j, { 'dry-run': 'true' }),
    cwd: j.ws,
    marks: STEP_MARKS.slice(0, 2)
  })
  planTimes.push(r.at.planned)
  rmSync(j.dir, { recursive: true, force: true })
  nodeTimes.push((await runProcess(process.execPath, ['-e', '0'])).elapsed)
  const t = job()
  const file = join(t.dir, 'trace')
  await runProcess(process.execPath, ['--import', TRACE, BUNDLE], {
    env: { ...runnerEnv(t, { 'dry-run': 'true' }), TRACE_FILE: file },
    cwd: t.ws
  })
  const trace = readFileSync(file, 'utf8').split('\n')
  const at = re =>
    Number(
      trace
        .find(l => re.test(l))
        ?.trim()
        .split(' ')[0]
    )
  const planAt = trace.findIndex(l => / out {2}::group::Plan$/.test(l))
  inside.plan.push(
    Number(
      trace
        .slice(planAt)
        .find(l => / out {2}::endgroup::$/.test(l))
        .trim()
        .split(' ')[0]
    )
  )
  inside.loaded.push(at(/ trace loaded /))
  rmSync(t.dir, { recursive: true, force: true })
}
// (b) size
const distBytes = dirSize(join(ROOT, 'dist'))
// (c) push, interleaved so that the machine's drift hits every side alike; one warm-up each
// (it loads the binaries into the page cache for all sides alike; it is not counted)
const LEAN = { preflight: 'false', verify: 'false' }
await step()
await step(LEAN)
await bare()
if (COMPARE) await step({}, undefined, COMPARE)
const runs = { step: [], lean: [], bare: [], compare: [] }
for (let i = 0; i < PUSH_RUNS; i++) {
  runs.step.push(await step())
  runs.lean.push(await step(LEAN))
  runs.bare.push(await bare())
  if (COMPARE) runs.compare.push(await step({}, undefined, COMPARE))
}
const answered = await apiAnswered()
api.kill()

// (d) registry cache round trip on the newer engine (containerd store): a RUN step that takes
// 3 s, built through the action with cache-to, the build cache pruned, then built again with
// cache-from. The base image is made here from Debian's static busybox (nothing can be pulled).
async function cacheRoundTrip() {
  const tx = JSON.parse(readFileSync(process.env.BENCH_TRIXIE_ENV, 'utf8'))
  const cfg = mkdtempSync(join(tmpdir(), 'bench-cfg-'))
  const denv = { ...process.env, DOCKER_HOST: tx.DOCKER_HOST, DOCKER_CONFIG: cfg }
  const base = `${tx.E2E_REGISTRY}/base/busybox:1`
  const ctx = mkdtempSync(join(tmpdir(), 'bench-base-'))
  execFileSync('cp', ['/bin/busybox', join(ctx, 'busybox')])
  writeFileSync(
    join(ctx, 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n'
  )
  await runProcess('docker', ['login', tx.E2E_REGISTRY, '-u', tx.E2E_USER, '--password-stdin'], {
    env: denv,
    input: tx.E2E_PASSWORD
  })
  const output = `type=image,name=${base},push=true`
  await runProcess(
    'docker',
    ['buildx', 'build', '--network', 'none', '--provenance=false', '--output', output, ctx],
    { env: denv }
  )
  const cacheRef = `${tx.E2E_REGISTRY}/bench/cache:buildcache`
  const stamp = randomBytes(8).toString('hex')
  const times = []
  for (const inputs of [
    { 'cache-to': `type=registry,ref=${cacheRef},mode=max` },
    { 'cache-from': `type=registry,ref=${cacheRef}` }
  ]) {
    await runProcess('docker', ['builder', 'prune', '-af'], { env: denv })
    const j = job()
    writeFileSync(join(j.ws, 'Dockerfile'), `FROM ${base}\nRUN sleep 3 && echo ${stamp} > /stamp\n`)
    const env = {
      ...runnerEnv(j, {
        registry: tx.E2E_REGISTRY,
        images: `${tx.E2E_REGISTRY}/bench/cached`,
        username: tx.E2E_USER,
        token: tx.E2E_PASSWORD,
        tags: 'x',
        network: 'none',
        'github-token': '', // the stand-in is gone; the labels do not matter here
        ...inputs
      }),
      DOCKER_HOST: tx.DOCKER_HOST
    }
    const r = await runProcess(process.execPath, [BUNDLE], { env, cwd: j.ws })
    times.push({ ms: r.elapsed, cached: /CACHED/.test(r.out) })
    rmSync(j.dir, { recursive: true, force: true })
  }
  rmSync(cfg, { recursive: true, force: true })
  return times
}
const cache = CACHE ? await cacheRoundTrip() : undefined

// ------------------------------------------------------------------------------------- report
const med = (side, key) => median(runs[side].map(r => (key ? r.at[key] : r.elapsed)))
const [ms_, ml, mb] = [med('step'), med('lean'), med('bare')]
const engine = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'])
  .toString()
  .trim()
const buildx = execFileSync('docker', ['buildx', 'version']).toString().trim().split(' ')[1]
const row = (m, r) => console.log(`| ${m} | ${r} |`)
console.log(`| measure | result |`)
console.log(`| --- | --- |`)
row(`(a) spawn → printed plan, dry-run, median of ${PLAN_RUNS}`, ms(median(planTimes)))
row(`(a) for scale: \`node -e 0\`, spawn → exit, median of ${PLAN_RUNS}`, ms(median(nodeTimes)))
row(
  `(a) inside the process: its start → printed plan (\`performance.now()\`), median of ${PLAN_RUNS}`,
  ms(median(inside.plan))
)
row(`(a) of which node's own start-up, until the first module runs`, ms(median(inside.loaded)))
row(
  `(a) so the step's own part: loading the bundle, inputs, plan, API call, printing`,
  ms(median(inside.plan.map((p, i) => p - inside.loaded[i])))
)
row(
  `(a) spawn → printed plan in the push runs (c), median of ${PUSH_RUNS}`,
  ms(med('step', 'planned'))
)
row(`(b) dist/ size`, `${(distBytes / 1024).toFixed(0)} KiB`)
row(`(c) the step, defaults, median of ${PUSH_RUNS}`, ms(ms_))
row(`(c) the bare commands, median of ${PUSH_RUNS}`, ms(mb))
row(`(c) step − bare`, `**${ms(ms_ - mb)}** (ratio ${(ms_ / mb).toFixed(2)})`)
if (COMPARE) {
  const mc = med('compare')
  row(`(c) ${COMPARE}, defaults`, ms(mc))
  row(`(c) that − bare`, `${ms(mc - mb)} (ratio ${(mc / mb).toFixed(2)})`)
}
row(`(c) the step with \`preflight: false\`, \`verify: false\``, ms(ml))
row(`(c) that − bare`, `${ms(ml - mb)} (ratio ${(ml / mb).toFixed(2)})`)
if (cache) {
  row(`(d) first build (RUN sleep 3, cache-to registry)`, ms(cache[0].ms))
  row(
    `(d) second build after a prune, cache-from registry (RUN step ${cache[1].cached ? 'CACHED' : 'NOT cached'})`,
    ms(cache[1].ms)
  )
}
console.log(`\nThe step's phases (ms since the spawn, medians of ${PUSH_RUNS}, defaults):\n`)
console.log(`| mark | ms |`)
console.log(`| --- | --- |`)
for (const [name, pattern] of STEP_MARKS)
  row(`${name} (\`${pattern.source}\`)`, ms(med('step', name)))
row('exit', ms(ms_))
console.log(
  `\nThe bare commands: login done ${ms(med('bare', 'loggedIn'))}, build done ${ms(med('bare', 'built'))}, logout done ${ms(mb)}`
)
console.log(
  `\nrepository API answers: ${answered} (stand-in, ${API_DELAY_MS} ms added); engine ${engine}, buildx ${buildx}, node ${process.version}, ${cpus().length} cores, ${new Date().toISOString()}`
)
