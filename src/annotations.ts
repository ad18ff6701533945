// The annotations of the image: which levels (manifest, index) get the generated OCI keys and
// the user's `annotations` lines, and how buildx takes one. Pure; computePlan calls it.
import { ANNOTATION_LEVEL } from './input-formats.js'
import type { Settings } from './inputs.js'
import { applyUserPairs } from './labels.js'
import type { TagEnv } from './tags/index.js'

export type KeyValue = [key: string, value: string]

/** One `--annotation`: `level` is `manifest`, `index`, `manifest[linux/amd64]`, … */
export interface Annotation {
  level: string
  key: string
  value: string
}

/** `level:key=value` (as the user writes it, ANNOTATION_LEVEL prefix required) → Annotation. */
function parseLeveledAnnotation(line: string): Annotation {
  const level = ANNOTATION_LEVEL.exec(line)?.[0].slice(0, -1) ?? 'manifest'
  const body = line.slice(level.length + 1)
  const eq = body.indexOf('=')
  return { level, key: body.slice(0, eq).trim(), value: body.slice(eq + 1) }
}

/**
 * The generated OCI keys as manifest annotations, and on the index too for multi-platform
 * builds (GHCR reads a multi-arch package's description from the index). User `annotations`
 * lines without a level prefix apply at the same levels and override generated keys; lines
 * that name their level (`index:key=value`) are added as given.
 */
export function computeAnnotations(
  generated: KeyValue[],
  settings: Settings,
  tagEnv: TagEnv
): Annotation[] {
  // A merge makes only the index; a multi-platform build makes an index and its manifests.
  const levels = settings.mergeDigests.length
    ? ['index']
    : settings.platforms.length > 1
      ? ['index', 'manifest']
      : ['manifest']
  const [withLevel, plain] = [true, false].map(named =>
    settings.annotations.filter(l => ANNOTATION_LEVEL.test(l) === named)
  )
  const pairs = applyUserPairs(generated, plain, 'annotations', tagEnv)
  return [
    ...levels.flatMap(level => pairs.map(([key, value]) => ({ level, key, value }))),
    ...withLevel.map(parseLeveledAnnotation)
  ]
}

/** As buildx takes it: `level:key=value`. */
export const annotationArg = (a: Annotation): string => `${a.level}:${a.key}=${a.value}`
