// Measures (a) process start → printed plan for dist/index.js in dry-run, (b) dist/ size,
// (c) pushing 5 tags of a 1 MiB FROM scratch image: the action (main + post) against the bare
// commands doing the same work (login --password-stdin, one buildx build --push, logout).
// Fresh content every run. Prints a Markdown table; figures go into docs/benchmarks.md.
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
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const BUNDLE = join(ROOT, 'dist', 'index.js')
const PLAN_RUNS = Number(process.env.BENCH_PLAN_RUNS ?? 30)
const PUSH_RUNS = Number(process.env.BENCH_PUSH_RUNS ?? 7)
const { E2E_REGISTRY: REG, E2E_USER: USER, E2E_PASSWORD: PASS } = process.env
if (!REG) throw new Error('run through scripts/bench.sh (needs the registry env)')

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ms = n => `${n.toFixed(0)} ms`

function runProcess(cmd, args, { env = process.env, input, cwd } = {}) {
  return new Promise((res, rej) => {
    const t0 = performance.now()
    const child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let planAt
    child.stdout.on('data', d => {
      out += d
      if (planAt === undefined && out.includes('command: docker')) planAt = performance.now() - t0
    })
    child.stderr.on('data', d => (out += d))
    child.on('error', rej)
    child.on('close', code => {
      if (code !== 0)
        rej(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-2000)}`))
      else res({ elapsed: performance.now() - t0, planAt, out })
    })
    child.stdin.end(input ?? '')
  })
}

function job() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-job-'))
  const ws = join(dir, 'ws')
  mkdirSync(ws)
  mkdirSync(join(dir, 'temp'))
  writeFileSync(join(ws, 'blob.bin'), randomBytes(1024 * 1024)) // 1 MiB, fresh every run
  writeFileSync(join(ws, 'Dockerfile'), 'FROM scratch\nCOPY blob.bin /blob.bin\n')
  for (const f of ['output', 'state', 'summary']) writeFileSync(join(dir, f), '')
  writeFileSync(join(dir, 'event.json'), '{"repository":{"default_branch":"main"}}')
  return { dir, ws }
}

const TAGS = ['a', 'b', 'c', 'd', 'e']
const image = `${REG}/bench/app`

function runnerEnv(j, extra) {
  return {
    ...process.env,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: join(j.dir, 'temp'),
    GITHUB_OUTPUT: join(j.dir, 'output'),
    GITHUB_STATE: join(j.dir, 'state'),
    GITHUB_STEP_SUMMARY: join(j.dir, 'summary'),
    GITHUB_EVENT_PATH: join(j.dir, 'event.json'),
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: randomBytes(20).toString('hex'),
    GITHUB_REPOSITORY: 'bench/app',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:65531',
    INPUT_REGISTRY: REG,
    INPUT_IMAGES: image,
    INPUT_USERNAME: USER,
    INPUT_TOKEN: PASS,
    INPUT_TAGS: TAGS.join('\n'),
    ...extra
  }
}

function parseState(text) {
  const env = {}
  const m = text.matchAll(/^([^<\n]+)<<(.+)\n([\s\S]*?)\n\2$/gm)
  for (const [, k, , v] of m) env[`STATE_${k}`] = v
  return env
}

async function ours(extra = {}) {
  const j = job()
  const t0 = performance.now()
  await runProcess(process.execPath, [BUNDLE], { env: runnerEnv(j, extra), cwd: j.ws })
  const state = parseState(readFileSync(join(j.dir, 'state'), 'utf8'))
  await runProcess(process.execPath, [BUNDLE], { env: { ...runnerEnv(j), ...state }, cwd: j.ws })
  const t = performance.now() - t0
  rmSync(j.dir, { recursive: true, force: true })
  return t
}

async function bare() {
  const j = job()
  const cfg = join(j.dir, 'temp', 'cfg')
  const env = { ...process.env, DOCKER_CONFIG: cfg }
  const sha = randomBytes(20).toString('hex')
  const t0 = performance.now()
  await runProcess('docker', ['login', REG, '--username', USER, '--password-stdin'], {
    env,
    input: PASS
  })
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
    `org.opencontainers.image.source=https://github.com/bench/app`,
    `org.opencontainers.image.revision=${sha}`,
    `org.opencontainers.image.created=${new Date().toISOString()}`,
    'org.opencontainers.image.version=a',
    'org.opencontainers.image.title=app'
  ])
    args.push('--label', l)
  args.push('--push', j.ws)
  await runProcess('docker', args, { env })
  await runProcess('docker', ['logout', REG], { env })
  const t = performance.now() - t0
  rmSync(j.dir, { recursive: true, force: true })
  return t
}

function dirSize(dir) {
  return readdirSync(dir).reduce((sum, name) => {
    const p = join(dir, name)
    const s = statSync(p)
    return sum + (s.isDirectory() ? dirSize(p) : s.size)
  }, 0)
}

// (a) plan time
const planTimes = []
for (let i = 0; i < PLAN_RUNS; i++) {
  const j = job()
  const r = await runProcess(process.execPath, [BUNDLE], {
    env: runnerEnv(j, { 'INPUT_DRY-RUN': 'true' }),
    cwd: j.ws
  })
  planTimes.push(r.planAt)
  rmSync(j.dir, { recursive: true, force: true })
}
// (b) size
const distBytes = dirSize(join(ROOT, 'dist'))
// (c) push, interleaved so drift hits both sides alike; one warm-up each
await ours()
await bare()
const oursTimes = []
const leanTimes = []
const bareTimes = []
const LEAN = { INPUT_PREFLIGHT: 'false', INPUT_VERIFY: 'false' }
for (let i = 0; i < PUSH_RUNS; i++) {
  oursTimes.push(await ours())
  leanTimes.push(await ours(LEAN))
  bareTimes.push(await bare())
}
// node's own start, for scale: the plan time includes it
const nodeTimes = []
for (let i = 0; i < PLAN_RUNS; i++) {
  nodeTimes.push((await runProcess(process.execPath, ['-e', '0'])).elapsed)
}
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
    { 'INPUT_CACHE-TO': `type=registry,ref=${cacheRef},mode=max` },
    { 'INPUT_CACHE-FROM': `type=registry,ref=${cacheRef}` }
  ]) {
    await runProcess('docker', ['builder', 'prune', '-af'], { env: denv })
    const j = job()
    writeFileSync(join(j.ws, 'Dockerfile'), `FROM ${base}\nRUN sleep 3 && echo ${stamp} > /stamp\n`)
    const env = {
      ...runnerEnv(j, {
        INPUT_REGISTRY: tx.E2E_REGISTRY,
        INPUT_IMAGES: `${tx.E2E_REGISTRY}/bench/cached`,
        INPUT_USERNAME: tx.E2E_USER,
        INPUT_TOKEN: tx.E2E_PASSWORD,
        INPUT_TAGS: 'x',
        INPUT_NETWORK: 'none',
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
const cache = await cacheRoundTrip()

const mo = median(oursTimes)
const mb = median(bareTimes)
const docker = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'])
  .toString()
  .trim()
console.log(`| measure | result |`)
console.log(`| --- | --- |`)
console.log(
  `| (a) start → printed plan, dry-run, median of ${PLAN_RUNS} | ${ms(median(planTimes))} |`
)
console.log(`| (a) for scale: \`node -e 0\`, median of ${PLAN_RUNS} | ${ms(median(nodeTimes))} |`)
console.log(`| (b) dist/ size | ${(distBytes / 1024).toFixed(0)} KiB |`)
console.log(`| (c) push 5 tags of 1 MiB, ours (main + post), median of ${PUSH_RUNS} | ${ms(mo)} |`)
console.log(`| (c) same work with the bare commands, median of ${PUSH_RUNS} | ${ms(mb)} |`)
console.log(`| (c) ours − bare | ${ms(mo - mb)} (ratio ${(mo / mb).toFixed(2)}) |`)
const ml = median(leanTimes)
console.log(`| (c) ours with preflight: false, verify: false, median of ${PUSH_RUNS} | ${ms(ml)} |`)
console.log(`| (c) that − bare | ${ms(ml - mb)} (ratio ${(ml / mb).toFixed(2)}) |`)
console.log(
  `| (d) cache round trip: first build (RUN sleep 3, cache-to registry) | ${ms(cache[0].ms)} |`
)
console.log(
  `| (d) second build after a prune, cache-from registry (RUN step ${cache[1].cached ? 'CACHED' : 'NOT cached'}) | ${ms(cache[1].ms)} |`
)
console.log(`\nengine ${docker}, node ${process.version}, ${new Date().toISOString()}`)
