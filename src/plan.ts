// The functional core: (settings, GitHub context, repository facts, clock, paths) → Plan.
// Everything the shell does is decided here or in build-command.ts, so the whole behaviour is
// table-testable. The plan holds no secret values (secret files are paths; the shell writes them).
// Its parts: the push decision (push-decision.ts), the annotations (annotations.ts), tags (tags/).
import type { GitHubContext, RepoInfo } from './context.js'
import { builderNeeds, builderSetup, isSingleImage, type BuilderSetup } from './builder-choice.js'
import type { Settings } from './inputs.js'
import { InputError } from './errors.js'
import { attests, buildOptionFlags } from './build-options.js'
import {
  defaultRegistry,
  normalizeImage,
  normalizeImages,
  normalizeRegistry,
  type Notice
} from './image-names.js'
import {
  checkImageRefs,
  computeTags,
  defaultBranchKnown,
  imageNames,
  parseImages,
  type TagOut
} from './tags/index.js'
import { applyUserPairs, computeLabels } from './labels.js'
import { annotationArg, computeAnnotations, type Annotation, type KeyValue } from './annotations.js'
import { decidePush } from './push-decision.js'
import { resolveLogins, type Login } from './registry-logins.js'

export interface Plan {
  /** Registry hosts the images live on: each is preflighted and verified. */
  registries: string[]
  /** Every registry logged in to (those of the images, and of registry-auth), with its user. */
  logins: Login[]
  images: string[] // host/repository, normalized
  tags: TagOut[] // tag names with the rule that made each
  noTag?: string // when `tags` is empty: why no rule gave a tag on this event
  /** The tags come from our default set (the `tags` input is empty). */
  defaultTags: boolean
  refs: string[] // image:tag for every image × tag
  version: string
  latestReason: string
  labels: KeyValue[]
  annotations: Annotation[]
  /** `platforms` as given; [] leaves the platform to the builder. */
  platforms: string[]
  /** What a real run decides (a dry run shows it as "would push"). */
  push: boolean
  pushReason: string
  /** build: one build that tags and pushes; push-by-digest: one platform, no tags (distributed
   * builds); merge: no build, an index made from the digests that the build jobs pushed. */
  mode: 'build' | 'push-by-digest' | 'merge'
  /**
   * What the inputs ask of the builder beyond one plain image, each naming its input
   * (`platforms: linux/amd64,linux/arm64`). [] means the docker driver on the classic image
   * store can build it, and `docker save` holds the result whole (our own push can stand in).
   */
  builderNeeds: string[]
  /** One platform, no attestations: what `docker save` holds whole (our own push can stand in). */
  singleImage: boolean
  /** How the builder is chosen, and set up when the step creates one (builder-choice.ts). */
  builderSetup: BuilderSetup
  /** The parts of `docker buildx build` that do not depend on the builder (build-command.ts);
   * `load`: keep the image in the local image store too. */
  build: { builder: string; flags: string[]; context: string; load: boolean }
  /** push-by-digest on the docker driver: the local-only ref the image is built under. */
  localRef: string
  /** merge mode: one `docker buildx imagetools create` argv per image. */
  mergeArgvs: string[][]
  /** Where the shell writes each `secrets` value (0600, in the private temp dir) before the build. */
  secretFiles: Array<{ id: string; path: string }>
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
  /** Private directory for secret files. */
  secretsDir: string
  /** A tag unique to this run, for an image that only the local store may hold. */
  localTag: string
  /**
   * The draft: made before the repository API answers, to validate the inputs. When neither the
   * payload nor the event gives the default branch, what it decides (no tag, so nothing to push;
   * every image disabled) fails only the plan made with the answer (issue 16).
   */
  draft?: boolean
  /** The runner's `process.arch` (what runs without an emulator); default this process's. */
  nodeArch?: string
}

export function computePlan(input: PlanInput): Plan {
  const { settings, ctx, repo, now } = input
  const notices: Notice[] = []
  const registry = settings.registry
    ? normalizeRegistry(settings.registry, notices)
    : defaultRegistry(ctx.serverUrl, notices)

  const tagEnv = { ctx, now, repo, prHeadSha: input.prHeadSha }
  const waits = input.draft === true && !defaultBranchKnown(tagEnv) // for the API's answer
  let imageEntries = settings.images.length
    ? parseImages(tagEnv, settings.images)
    : defaultImage(registry, ctx)
  if (waits && imageEntries.length === 0) imageEntries = imageNames(settings.images)
  const images = normalizeImages(imageEntries, registry, !!settings.registry, notices)
  if (images.length === 0) {
    throw new InputError('images: every image is disabled: enable at least one image')
  }

  const tagResult = computeTags(tagEnv, settings.tags, settings.flavor)
  checkImageRefs(tagResult.imageRefs, images, ref => normalizeImage(ref, registry, []))
  const tags = tagResult.tags
  const refs = images.flatMap(image => tags.map(t => `${image}:${t.name}`))
  const version = tagResult.version.main ?? ''

  const generated = computeLabels({ ctx, now, repo, version, prHeadSha: input.prHeadSha })
  const labels = applyUserPairs(generated, settings.labels, 'labels', tagEnv)
  const annotations = computeAnnotations(generated, settings, tagEnv)

  const mode = settings.mergeDigests.length
    ? 'merge'
    : settings.pushByDigest
      ? 'push-by-digest'
      : 'build'
  // A push by digest carries no tags (the merge job tags the index).
  const noTag = mode === 'push-by-digest' ? undefined : tagResult.noTag
  const { push, reason } = decidePush(settings, ctx, noTag, waits)
  if (push && !settings.dryRun && settings.token === '') {
    // Empty, not unset: a secret that is not there. Never replaced by the job token.
    const input = settings.tokenInput
    throw new InputError(
      `${input}: empty: leave the input unset to use github.token, or pass a secret, e.g. ${input}: \${{ secrets.GHCR_TOKEN }}`
    )
  }
  if (mode !== 'build' && !push && !waits) {
    throw new InputError(
      `${mode === 'merge' ? 'merge-digests' : 'push-by-digest'}: only works when pushing, but ${reason}: set push: true or drop the input`
    )
  }
  const secretFiles = settings.secrets.map(({ id }) => ({ id, path: `${input.secretsDir}/${id}` }))
  const registries = [...new Set(images.map(i => i.slice(0, i.indexOf('/'))))]
  return {
    registries,
    logins: resolveLogins({
      images,
      primary: registry,
      registryAuth: settings.registryAuth,
      username: settings.username,
      actor: ctx.actor,
      jobTokenRegistry: defaultRegistry(ctx.serverUrl, []),
      push
    }),
    images,
    tags,
    noTag: tagResult.noTag,
    defaultTags: settings.tags.length === 0,
    refs,
    version,
    latestReason: tagResult.latestReason,
    labels,
    annotations,
    platforms: settings.platforms,
    push,
    pushReason: reason,
    mode,
    builderNeeds: builderNeeds(settings),
    singleImage: isSingleImage(settings),
    builderSetup: builderSetup(settings, input.nodeArch ?? process.arch),
    build: {
      builder: settings.builder,
      flags: buildFlags(settings, labels, annotations, secretFiles, input),
      context: settings.context,
      load: settings.load
    },
    localRef: `${images[0]}:${input.localTag}`,
    mergeArgvs:
      mode === 'merge' ? images.map(image => mergeArgv(image, tags, settings, annotations)) : [],
    secretFiles,
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

/** Every `docker buildx build` flag that depends only on the inputs (not on the builder). */
function buildFlags(
  s: Settings,
  labels: KeyValue[],
  annotations: Annotation[],
  secretFiles: Plan['secretFiles'],
  input: PlanInput
): string[] {
  const argv: string[] = []
  if (s.file) argv.push('--file', s.file)
  argv.push('--iidfile', input.iidFile, '--metadata-file', input.metadataFile)
  for (const [k, v] of labels) argv.push('--label', `${k}=${v}`)
  for (const a of annotations) argv.push('--annotation', annotationArg(a))
  if (s.platforms.length) argv.push('--platform', s.platforms.join(','))
  for (const arg of s.buildArgs) argv.push('--build-arg', arg)
  for (const c of s.buildContexts) argv.push('--build-context', c)
  for (const f of secretFiles) argv.push('--secret', `id=${f.id},src=${f.path}`)
  for (const f of s.secretFiles) argv.push('--secret', `id=${f.id},src=${f.path}`)
  for (const e of s.secretEnvs) argv.push('--secret', `id=${e.id},env=${e.env}`)
  if (s.target) argv.push('--target', s.target)
  for (const c of s.cacheFrom) argv.push('--cache-from', c)
  for (const c of s.cacheTo) argv.push('--cache-to', c)
  if (s.noCache) argv.push('--no-cache')
  if (s.pull) argv.push('--pull')
  if (s.network) argv.push('--network', s.network)
  // An attests line of a type stands in for that input (checkAttestsAgainst).
  if (!attests(s, 'provenance')) argv.push(`--provenance=${s.provenance}`)
  if (s.sbom) argv.push(`--sbom=${s.sbom}`)
  argv.push(...buildOptionFlags(s))
  return argv
}

/** merge mode: the multi-platform index from the pushed digests, with every tag and the
 * index annotations (GHCR shows a multi-arch package's description from the index). */
function mergeArgv(
  image: string,
  tags: TagOut[],
  s: Settings,
  annotations: Annotation[]
): string[] {
  const argv = ['buildx', 'imagetools', 'create']
  if (s.builder) argv.push('--builder', s.builder)
  for (const t of tags) argv.push('--tag', `${image}:${t.name}`)
  for (const a of annotations.filter(a => a.level === 'index')) {
    argv.push('--annotation', annotationArg(a))
  }
  for (const d of s.mergeDigests) argv.push(`${image}@${d}`)
  return argv
}
