// Full image references in `tags`, as build-push-action users write them:
// `ghcr.io/acme/app:latest`, `localhost:5000/app:1.2`, or several on one line separated by commas
// (often a leftover `${{ steps.meta.outputs.tags }}`). Each means "this tag for that image". Here
// every tag goes to every image, so a tag given as a reference must name every image.
import { DEFAULT_PRIORITY, splitFields, keyAndValue, type Rule } from './parse.js'
import { atLine, RuleError } from './rule-error.js'

/** One `image:tag` of a `tags` line, the image as written. */
export interface ImageRef {
  line: string
  image: string
  tag: string
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const NOT_A_TAG_FIX =
  'a tag cannot contain ":": write a tag (latest), a full image reference ' +
  '(ghcr.io/OWNER/IMAGE:latest) or a rule (type=raw,value=...)'

/** True when `field` has a `:` outside `{{...}}` expressions. */
const hasColon = (field: string): boolean => field.replace(/\{\{.*?\}\}/g, '').includes(':')

/** `ghcr.io/acme/app:latest` → image and tag; RuleError when it is not such a reference. */
function parseRef(field: string, line: string): ImageRef {
  const text = field.trim()
  const colon = text.lastIndexOf(':')
  const image = text.slice(0, colon)
  const tag = text.slice(colon + 1)
  if (text.includes('@')) {
    throw new RuleError(
      `"${text}" is a reference by digest`,
      'a digest cannot be pushed to: write the tag, e.g. ghcr.io/OWNER/IMAGE:latest'
    )
  }
  const path = image.slice(image.indexOf('/') + 1) // a port belongs to the host only
  if (colon < 0 || text.includes('{{') || path.includes(':') || !image || !TAG.test(tag)) {
    throw new RuleError(`"${text}" is neither a tag nor an image reference`, NOT_A_TAG_FIX)
  }
  return { line, image, tag }
}

/**
 * A `tags` line of image references → one raw rule per reference (the tag as written: no
 * flavor prefix or suffix), each with its reference; undefined when the line is a tag or a rule.
 */
export function parseRefLine(line: string): Array<Rule & { ref: ImageRef }> | undefined {
  const fields = splitFields(line)
  if (fields.some(f => keyAndValue(f)[0] !== undefined) || !fields.some(hasColon)) return undefined
  return fields.map(field => {
    const ref = parseRef(field, line.trim())
    const attrs = { value: ref.tag, prefix: '', suffix: '', enable: 'true' }
    return { line: line.trim(), type: 'raw', attrs, priority: DEFAULT_PRIORITY.raw, ref }
  })
}

/**
 * Checks that every reference names one of `images` (normalized as the plan does it, by
 * `normalize`), and that a tag given as a reference names all of them: every tag goes to every
 * image, and we push nothing the user did not list.
 */
export function checkImageRefs(
  refs: ImageRef[],
  images: string[],
  normalize: (image: string) => string
): void {
  const named = new Map<string, { first: ImageRef; images: Set<string> }>()
  for (const ref of refs) {
    atLine('tags', ref.line, () => {
      let image: string | undefined
      try {
        image = normalize(ref.image)
      } catch {
        image = undefined
      }
      if (image === undefined || !images.includes(image)) {
        throw new RuleError(
          `${ref.image} is not one of the images (${images.join(', ')})`,
          `add it to images, or write the tag alone: ${ref.tag}`
        )
      }
      const entry = named.get(ref.tag) ?? { first: ref, images: new Set<string>() }
      entry.images.add(image)
      named.set(ref.tag, entry)
    })
  }
  for (const [tag, { first, images: got }] of named) {
    const missing = images.filter(i => !got.has(i))
    if (!missing.length) continue
    atLine('tags', first.line, () => {
      throw new RuleError(
        `the tag ${tag} names ${got.size} of the ${images.length} images, but every tag goes to every image`,
        `write the tag alone (${tag}), or list it for every image: ${missing.map(i => `${i}:${tag}`).join(', ')}`
      )
    })
  }
}
