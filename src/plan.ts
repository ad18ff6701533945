// The functional core: (settings, GitHub context, repository facts, clock, paths) → Plan.
// Everything the shell does is decided here, so the whole behaviour is table-testable.
import type { GitHubContext, RepoInfo } from './context.js'
import { ANNOTATION_LEVEL, type Settings } from './inputs.js'
import { InputError } from './errors.js'
import { normalizeImage, normalizeRegistry, type Notice } from './registry.js'
import { computeTags, parseImages, type TagEnv, type TagOut } from './tags/index.js'
import { applyUserPairs, computeLabels } from './labels.js'

export interface Plan {
  registry: string
  images: string[] // host/repository, normalized
  tags: TagOut[] // tag names with the rule that made each
  refs: string[] // image:tag for every image × tag
  version: string
  latestReason: string
  labels: string[] // key=value
  annotations: string[] // level:key=value as passed to buildx
  push: boolean
  pushReason: string
  /** build: one build that tags and pushes; push-by-digest: one platform, no tags (distributed
   * builds); merge: no build, an index made from the digests that the build jobs pushed. */
  mode: 'build' | 'push-by-digest' | 'merge'
  /** `docker` argv for the one build, e.g. ['buildx', 'build', ...]; empty in merge mode. */
  buildArgv: string[]
  /**
   * push-by-digest: the buildx output that pushes by digest, for builders other than the docker
   * driver (buildx refuses it there; the shell then pushes the built image itself).
   */
  digestOutput: string[]
  /** merge mode: one `docker buildx imagetools create` argv per image. */
  mergeArgvs: string[][]
  /** Secret values the shell writes (0600, in the private temp dir) before the build. */
  secretFiles: Array<{ id: string; path: string; value: string }>
  notices: Notice[]
}

export interface PlanInput {
  settings: Settings
  ctx: GitHubContext
  repo?: RepoInfo
  now: Date
  /**
   * `{{sha}}`, type=sha and the revision label on pull requests: the PR head commit unless
   * false (DOCKER_METADATA_PR_HEAD_SHA=false, metadata-action's default: the merge commit).
   */
  prHeadSha?: boolean
  /** Where buildx writes its metadata and image id (inside the private temp dir). */
  metadataFile: string
  iidFile: string
  /** Private directory for secret files (deleted by the post step). */
  secretsDir?: string
}

/** A pull_request whose head lives in another repository: its token cannot write packages. */
export function isForkPullRequest(ctx: GitHubContext): boolean {
  if (ctx.eventName !== 'pull_request') return false
  const head = ctx.payload?.pull_request?.head?.repo?.full_name
  const base = ctx.payload?.pull_request?.base?.repo?.full_name ?? `${ctx.owner}/${ctx.repo}`
  return typeof head === 'string' && head.toLowerCase() !== String(base).toLowerCase()
}

function decidePush(settings: Settings, ctx: GitHubContext): { push: boolean; reason: string } {
  if (settings.dryRun) return { push: false, reason: 'dry-run: nothing is built or pushed' }
  if (settings.push === 'true') return { push: true, reason: 'push: true' }
  if (settings.push === 'false') return { push: false, reason: 'push: false' }
  if (isForkPullRequest(ctx)) {
    const head = ctx.payload.pull_request.head.repo.full_name
    return {
      push: false,
      reason: `push: auto and this pull_request comes from the fork ${head}, whose token cannot write packages: building without pushing`
    }
  }
  return { push: true, reason: `push: auto on ${ctx.eventName || 'this'} event` }
}

export function computePlan(input: PlanInput): Plan {
  const { settings, ctx, repo, now } = input
  const notices: Notice[] = []
  const registry = normalizeRegistry(settings.registry, notices)

  const tagEnv = { ctx, now, repo, prHeadSha: input.prHeadSha }
  const imageEntries = settings.images.length
    ? parseImages(tagEnv, settings.images)
    : defaultImage(registry, ctx)
  const images = [...new Set(imageEntries.map(e => normalizeImage(e, registry, notices)))]
  if (images.length === 0) {
    throw new InputError('images: every image is disabled: enable at least one image')
  }

  const tagResult = computeTags(tagEnv, settings.tags, settings.flavor)
  const tags = tagResult.tags
  if (tags.length === 0) {
    throw new InputError(
      `tags: no tag applies to this ${ctx.eventName || 'unknown'} event (ref ${ctx.ref || 'none'}): add a rule that matches it, e.g. type=sha`
    )
  }
  const refs = images.flatMap(image => tags.map(t => `${image}:${t.name}`))
  const version = tagResult.version.main ?? ''

  const generated = computeLabels({ ctx, now, repo, version, prHeadSha: input.prHeadSha })
  const labels = applyUserPairs(generated, settings.labels, 'labels', tagEnv).map(
    ([k, v]) => `${k}=${v}`
  )
  const annotations = computeAnnotations(generated, settings, tagEnv)

  const { push, reason } = decidePush(settings, ctx)
  const mode = settings.mergeDigests.length
    ? 'merge'
    : settings.pushByDigest
      ? 'push-by-digest'
      : 'build'
  if (mode !== 'build' && !push) {
    throw new InputError(
      `${mode === 'merge' ? 'merge-digests' : 'push-by-digest'}: only works when pushing, but ${reason}: set push: true or drop the input`
    )
  }
  const secretsDir = input.secretsDir ?? '/nonexistent'
  const secretFiles = settings.secrets.map(({ id, value }) => ({
    id,
    value,
    path: `${secretsDir}/${id}`
  }))
  const argvParts = { refs, labels, annotations, push, secretFiles, images }
  return {
    registry,
    images,
    tags,
    refs,
    version,
    latestReason: tagResult.latestReason,
    labels,
    annotations,
    push,
    pushReason: reason,
    mode,
    buildArgv: mode === 'merge' ? [] : buildxArgv(settings, argvParts, mode, input),
    mergeArgvs:
      mode === 'merge' ? images.map(image => mergeArgv(image, tags, settings, annotations)) : [],
    secretFiles,
    digestOutput:
      mode === 'push-by-digest'
        ? [
            '--output',
            // name-canonical keeps the digest pullable; OCI media types, because a merge keeps
            // index annotations only when its sources are OCI.
            `type=image,"name=${images.join(',')}",push-by-digest=true,name-canonical=true,oci-mediatypes=true,push=true`
          ]
        : [],
    notices
  }
}

function defaultImage(registry: string, ctx: GitHubContext): string[] {
  if (!ctx.owner || !ctx.repo) {
    throw new InputError(
      'images: no image given and GITHUB_REPOSITORY is not set: set images, e.g. ghcr.io/owner/app'
    )
  }
  return [`${registry}/${ctx.owner}/${ctx.repo}`]
}

/**
 * The generated OCI keys as manifest annotations, and on the index too for multi-platform
 * builds (GHCR reads a multi-arch package's description from the index). User `annotations`
 * lines without a level prefix apply at the same levels and override generated keys.
 */
function computeAnnotations(
  generated: Array<[string, string]>,
  settings: Settings,
  tagEnv: TagEnv
): string[] {
  // A merge makes only the index; a multi-platform build makes an index and its manifests.
  const levels = settings.mergeDigests.length
    ? ['index']
    : settings.platforms.length > 1
      ? ['index', 'manifest']
      : ['manifest']
  // Lines that name their level (`index:key=value`) are passed as given; the others apply at
  // every level and override generated keys.
  const [withLevel, plain] = [true, false].map(named =>
    settings.annotations.filter(l => ANNOTATION_LEVEL.test(l) === named)
  )
  const pairs = applyUserPairs(generated, plain, 'annotations', tagEnv)
  const out = levels.flatMap(level => pairs.map(([k, v]) => `${level}:${k}=${v}`))
  out.push(...withLevel)
  return out
}

interface ArgvParts {
  refs: string[]
  labels: string[]
  annotations: string[]
  push: boolean
  secretFiles: Array<{ id: string; path: string }>
  images: string[]
}

function buildxArgv(s: Settings, p: ArgvParts, mode: Plan['mode'], input: PlanInput): string[] {
  const argv = ['buildx', 'build']
  if (s.builder) argv.push('--builder', s.builder)
  if (s.file) argv.push('--file', s.file)
  argv.push('--iidfile', input.iidFile, '--metadata-file', input.metadataFile)
  // push-by-digest: no tags (the merge job tags the index); the output that pushes by digest
  // is added by the shell for builders that can (see Plan.digestOutput).
  if (mode !== 'push-by-digest') for (const ref of p.refs) argv.push('--tag', ref)
  for (const label of p.labels) argv.push('--label', label)
  for (const a of p.annotations) argv.push('--annotation', a)
  if (s.platforms.length) argv.push('--platform', s.platforms.join(','))
  for (const arg of s.buildArgs) argv.push('--build-arg', arg)
  for (const c of s.buildContexts) argv.push('--build-context', c)
  for (const f of p.secretFiles) argv.push('--secret', `id=${f.id},src=${f.path}`)
  for (const f of s.secretFiles) argv.push('--secret', `id=${f.id},src=${f.path}`)
  for (const e of s.secretEnvs) argv.push('--secret', `id=${e.id},env=${e.env}`)
  if (s.target) argv.push('--target', s.target)
  for (const c of s.cacheFrom) argv.push('--cache-from', c)
  for (const c of s.cacheTo) argv.push('--cache-to', c)
  if (s.noCache) argv.push('--no-cache')
  if (s.pull) argv.push('--pull')
  if (s.network) argv.push('--network', s.network)
  argv.push(`--provenance=${s.provenance}`)
  if (s.sbom) argv.push(`--sbom=${s.sbom}`)
  if (p.push && mode === 'build') argv.push('--push')
  argv.push(s.context)
  return argv
}

/** merge mode: the multi-platform index from the pushed digests, with every tag and the
 * index annotations (GHCR shows a multi-arch package's description from the index). */
function mergeArgv(image: string, tags: TagOut[], s: Settings, annotations: string[]): string[] {
  const argv = ['buildx', 'imagetools', 'create']
  if (s.builder) argv.push('--builder', s.builder)
  for (const t of tags) argv.push('--tag', `${image}:${t.name}`)
  for (const a of annotations.filter(a => a.startsWith('index:'))) argv.push('--annotation', a)
  for (const d of s.mergeDigests) argv.push(`${image}@${d}`)
  return argv
}
