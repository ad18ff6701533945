#!/usr/bin/env node
// Shows job summaries the way GitHub does, to look at them: each Markdown file is rendered as
// GitHub Flavored Markdown, sanitized with GitHub's allowlist (hast-util-sanitize's default
// schema follows GitHub's), put in a page styled like a run's summary box (github-markdown-css)
// and photographed by headless Chromium (Debian's /usr/bin/chromium through playwright-core).
// A tool, not a test: Chromium is not installed in CI. docs/summary.md says what to look for.
//
//   node scripts/summary-screenshots.mjs [--out DIR] [--samples] [FILE.md ...]
//
// --samples first runs the bundled step (node dist/index.js, as the runner would) for a few
// cases and writes their GITHUB_STEP_SUMMARY files into DIR/samples; every FILE.md given is
// rendered too. For each file: DIR/NAME.html, DIR/NAME.png, and DIR/NAME-open.png with every
// <details> opened when there is one.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import rehypeRaw from 'rehype-raw'
import rehypeSanitize from 'rehype-sanitize'
import rehypeStringify from 'rehype-stringify'
import remarkGfm from 'remark-gfm'
import remarkParse from 'remark-parse'
import remarkRehype from 'remark-rehype'
import { unified } from 'unified'

const ROOT = path.resolve(import.meta.dirname, '..')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'

const { values: opts, positionals: files } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: path.join(ROOT, 'summary-screenshots') },
    samples: { type: 'boolean', default: false }
  }
})

// ---- sample summaries from the bundled step -----------------------------------------------

const SHA = 'abc1234def5678abc1234def5678abc1234def56'
const PR_HEAD = 'f'.repeat(40)
const forkPayload = {
  number: 15,
  pull_request: {
    number: 15,
    head: { ref: 'feature', sha: PR_HEAD, repo: { full_name: 'someone/hello-app' } },
    base: { ref: 'main', repo: { full_name: 'Acme-Org/Hello-App' } }
  }
}
/** [name, event env, payload, inputs, what it shows] */
const SAMPLES = [
  [
    'push-main',
    { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' },
    {},
    { 'dry-run': 'true' },
    'a push to main, default inputs, in dry-run'
  ],
  [
    'fork-pr',
    {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/15/merge',
      GITHUB_HEAD_REF: 'feature',
      GITHUB_BASE_REF: 'main'
    },
    forkPayload,
    { 'dry-run': 'true' },
    'a pull request from a fork, in dry-run'
  ],
  [
    'dry-run-release',
    { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/tags/v1.2.3' },
    {},
    {
      'dry-run': 'true',
      images: 'ghcr.io/acme-org/hello-app\nghcr.io/acme-org/hello-mirror',
      platforms: 'linux/amd64,linux/arm64',
      labels: 'org.opencontainers.image.vendor=Acme | Org'
    },
    'a release tag, two images, two platforms, a label with a "|", in dry-run'
  ],
  [
    'failure',
    { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' },
    {},
    // Nothing listens on this port: the login and the preflight fail (no registry needed).
    { registry: '127.0.0.1:9', token: 'not-a-real-token', retries: '0' },
    'a failing run: a wrong token against a registry that is not there'
  ]
]

/** Runs `node dist/index.js` as the runner would; returns the summary file and the run. */
function runStep(dir, [name, eventEnv, payload, inputs]) {
  const job = mkdtempSync(path.join(tmpdir(), `summary-${name}-`))
  try {
    const ws = path.join(job, 'ws')
    mkdirSync(ws)
    mkdirSync(path.join(job, 'temp'))
    writeFileSync(path.join(ws, 'Dockerfile'), 'FROM scratch\n')
    const event = { repository: { default_branch: 'main', full_name: 'Acme-Org/Hello-App' } }
    writeFileSync(path.join(job, 'event.json'), JSON.stringify({ ...event, ...payload }))
    const summary = path.join(dir, `${name}.md`)
    writeFileSync(summary, '')
    for (const f of ['output', 'state']) writeFileSync(path.join(job, f), '')
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      RUNNER_TEMP: path.join(job, 'temp'),
      GITHUB_WORKSPACE: ws,
      GITHUB_OUTPUT: path.join(job, 'output'),
      GITHUB_STATE: path.join(job, 'state'),
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_EVENT_PATH: path.join(job, 'event.json'),
      GITHUB_SHA: SHA,
      GITHUB_REPOSITORY: 'Acme-Org/Hello-App',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'http://127.0.0.1:9', // closed: the step warns and skips the API labels
      GITHUB_ACTOR: 'octo-dev',
      INPUT_USERNAME: 'octo-dev',
      INPUT_TOKEN: 'ghs_sampletoken',
      ...eventEnv,
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]))
    }
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'index.js')], {
      cwd: ws,
      env,
      encoding: 'utf8',
      timeout: 120_000
    })
    return { summary, code: run.status, log: `${run.stdout}${run.stderr}` }
  } finally {
    rmSync(job, { recursive: true, force: true })
  }
}

// ---- rendering ----------------------------------------------------------------------------

const require = createRequire(import.meta.url)
const MARKDOWN_CSS = readFileSync(require.resolve('github-markdown-css/github-markdown-light.css'))

/** GFM → HTML, with raw HTML kept and then sanitized as GitHub does. */
async function renderMarkdown(markdown) {
  const file = await unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(remarkRehype, { allowDangerousHtml: true })
    .use(rehypeRaw)
    .use(rehypeSanitize)
    .use(rehypeStringify)
    .process(markdown)
  return String(file)
}

/** A page shaped like the summary box of a workflow run (light theme). */
function page(title, body) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>${MARKDOWN_CSS}</style>
<style>
  body { margin: 0; padding: 24px; background: #f6f8fa; }
  .box { max-width: 1012px; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; }
  .box-header { padding: 16px 24px; border-bottom: 1px solid #d0d7de; color: #1f2328;
    font: 600 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
  .markdown-body { padding: 24px; }
  .empty { color: #59636e; font-style: italic; }
</style></head>
<body><div class="box"><div class="box-header">build summary</div>
<article class="markdown-body">${body}</article></div></body></html>
`
}

async function screenshot(browser, html, png, openDetails) {
  const tab = await browser.newPage()
  try {
    await tab.setContent(html, { waitUntil: 'load' })
    if (openDetails)
      await tab.locator('details').evaluateAll(all => all.forEach(d => (d.open = true)))
    await tab.screenshot({ path: png, fullPage: true })
  } finally {
    await tab.close()
  }
}

// ---- main ---------------------------------------------------------------------------------

const out = path.resolve(opts.out)
mkdirSync(out, { recursive: true })
const inputs = files.map(f => path.resolve(f))
if (opts.samples) {
  const dir = path.join(out, 'samples')
  mkdirSync(dir, { recursive: true })
  for (const sample of SAMPLES) {
    const { summary, code, log } = runStep(dir, sample)
    const size = readFileSync(summary, 'utf8').length
    console.log(`sample ${sample[0]} (${sample[4]}): exit ${code}, summary ${size} bytes`)
    if (code !== 0) {
      const last = log
        .trim()
        .split('\n')
        .filter(l => !l.startsWith('::add-mask::'))
        .at(-1)
      console.log(`  last log line: ${last}`)
    }
    inputs.push(summary)
  }
}
if (!inputs.length) {
  console.error('summary-screenshots: no file to render: pass FILE.md arguments or --samples')
  process.exit(2)
}

const profile = mkdtempSync(path.join(tmpdir(), 'summary-chromium-'))
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  chromiumSandbox: false,
  viewport: { width: 1060, height: 200 }, // the screenshot takes the whole page's height
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync'
  ]
})
try {
  for (const file of inputs) {
    const name = path.basename(file).replace(/\.md$/, '')
    const markdown = readFileSync(file, 'utf8')
    const body = markdown.trim()
      ? await renderMarkdown(markdown)
      : '<p class="empty">(the step wrote no summary: GitHub shows no box at all)</p>'
    const html = page(name, body)
    writeFileSync(path.join(out, `${name}.html`), html)
    await screenshot(browser, html, path.join(out, `${name}.png`), false)
    const shots = [`${name}.png`]
    if (body.includes('<details')) {
      await screenshot(browser, html, path.join(out, `${name}-open.png`), true)
      shots.push(`${name}-open.png`)
    }
    console.log(
      `${path.relative(process.cwd(), file)} → ${shots.map(s => path.join(out, s)).join(', ')}`
    )
  }
} finally {
  await browser.close()
  rmSync(profile, { recursive: true, force: true })
}
