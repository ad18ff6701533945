// Parsing of `tags`, `flavor` and `images` lines. Each line is one CSV record of `key=value`
// fields, as in docker/metadata-action (a field may be "quoted" to hold commas; "" is a quote).
import { RuleError } from './rule-error.js'

export const TYPES = ['schedule', 'semver', 'pep440', 'match', 'edge', 'ref', 'raw', 'sha'] as const
export type TagType = (typeof TYPES)[number]

export const KEYS = [
  'type',
  'pattern',
  'value',
  'match',
  'group',
  'prefix',
  'suffix',
  'enable',
  'priority',
  'format',
  'branch',
  'event'
] as const

/** metadata-action's priorities: a higher one comes first; ties keep the input order. */
export const DEFAULT_PRIORITY: Record<TagType, number> = {
  schedule: 1000,
  semver: 900,
  pep440: 900,
  match: 800,
  edge: 700,
  ref: 600,
  raw: 200,
  sha: 100
}

export interface Rule {
  line: string // as the user wrote it (trimmed), shown as the tag's `rule`
  type: TagType
  attrs: Record<string, string> // lower-case keys, defaults filled in
  priority: number
}

/** Splits one CSV record into its fields. Empty fields (e.g. a trailing comma) are dropped. */
export function splitFields(line: string): string[] {
  const fields: string[] = []
  let i = 0
  while (i <= line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++
    let field: string
    if (line[i] === '"') {
      field = ''
      i++
      for (;;) {
        if (i >= line.length) throw new RuleError('unclosed quote', 'end the quoted field with "')
        if (line[i] === '"' && line[i + 1] === '"') {
          field += '"'
          i += 2
        } else if (line[i] === '"') {
          i++
          break
        } else field += line[i++]
      }
      while (line[i] === ' ' || line[i] === '\t') i++
      if (i < line.length && line[i] !== ',') {
        throw new RuleError('text after a closing quote', 'quote the whole field: "key=value"')
      }
    } else {
      const comma = line.indexOf(',', i)
      const end = comma < 0 ? line.length : comma
      field = line.slice(i, end)
      i = end
      if (field.includes('"')) {
        throw new RuleError(
          'a quote inside an unquoted field',
          'quote the whole field and double inner quotes: "value=say ""hi"""'
        )
      }
    }
    if (field.trim()) fields.push(field)
    i++ // past the comma
  }
  return fields
}

/** Splits a field at its first `=`: [key (lower case), value], or [undefined, field] if none. */
export function keyAndValue(field: string): [string | undefined, string] {
  const eq = field.indexOf('=')
  if (eq <= 0) return [undefined, field.trim()]
  return [field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1).trim()]
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

function checkRegex(source: string, flags: string, attr: string): void {
  try {
    new RegExp(source, flags)
  } catch (e) {
    const why = (e as Error).message.replace(/^Invalid regular expression: /, '')
    throw new RuleError(
      `invalid regular expression in ${attr}= (${why})`,
      'fix the pattern (JavaScript regular expression syntax; quote the field if it has commas)'
    )
  }
}

const ENABLE = /^(?:true|false|\{\{\s*is_(?:not_)?default_branch\s*\}\})$/

/**
 * `enable=` is true, false or a default-branch expression: checked as written, so that a value
 * that is true or false only on some events cannot pass until release day.
 */
function checkEnable(value: string): void {
  if (!ENABLE.test(value)) {
    throw new RuleError(
      `enable must be true or false, got "${value}"`,
      'write enable=true, enable=false, enable={{is_default_branch}} or enable={{is_not_default_branch}}'
    )
  }
}

/** metadata-action's `/re/flags` form of a match pattern. */
export function matchRegex(pattern: string): RegExp {
  const lit = /^\/(.+)\/(.*)$/.exec(pattern)
  return lit ? new RegExp(lit[1], lit[2]) : new RegExp(pattern)
}

/** Parses one `tags` line. A line without `type=` is a raw tag. */
export function parseRule(line: string): Rule {
  const attrs: Record<string, string> = {}
  let type: TagType = 'raw'
  for (const field of splitFields(line)) {
    const [key, value] = keyAndValue(field)
    if (key === undefined) {
      attrs.value = value // a bare field is the value: `type=raw,foo`
    } else if (key === 'type') {
      if (!(TYPES as readonly string[]).includes(value)) {
        throw new RuleError(`unknown type "${value}"`, `use one of ${TYPES.join(', ')}`)
      }
      type = value as TagType
    } else if ((KEYS as readonly string[]).includes(key)) {
      attrs[key] = value
    } else {
      throw new RuleError(`unknown key "${key}"`, `use one of ${KEYS.join(', ')}`)
    }
  }

  switch (type) {
    case 'schedule':
      if (!has(attrs, 'pattern')) attrs.pattern = 'nightly'
      break
    case 'semver':
    case 'pep440':
      if (!has(attrs, 'pattern')) {
        throw new RuleError(
          `type=${type} needs a pattern`,
          `add one, e.g. type=${type},pattern={{version}}`
        )
      }
      attrs.value ??= ''
      attrs.match ??= ''
      if (attrs.match) checkRegex(attrs.match, '', 'match')
      break
    case 'match': {
      if (!has(attrs, 'pattern')) {
        throw new RuleError(
          'type=match needs a pattern',
          'add one, e.g. type=match,pattern=v(.*),group=1'
        )
      }
      const lit = /^\/(.+)\/(.*)$/.exec(attrs.pattern)
      checkRegex(lit ? lit[1] : attrs.pattern, lit ? lit[2] : '', 'pattern')
      attrs.group ??= '0'
      if (!/^\d+$/.test(attrs.group)) {
        throw new RuleError(`group must be a number, got "${attrs.group}"`, 'e.g. group=1')
      }
      attrs.value ??= ''
      break
    }
    case 'edge':
      attrs.branch ??= ''
      break
    case 'ref':
      if (!has(attrs, 'event')) {
        throw new RuleError('type=ref needs an event', 'add event=branch, event=tag or event=pr')
      }
      if (!['branch', 'tag', 'pr'].includes(attrs.event)) {
        throw new RuleError(
          `unknown event "${attrs.event}"`,
          'use event=branch, event=tag or event=pr'
        )
      }
      if (attrs.event === 'pr' && !has(attrs, 'prefix')) attrs.prefix = 'pr-'
      break
    case 'raw':
      if (!has(attrs, 'value')) {
        throw new RuleError('type=raw needs a value', 'add one, e.g. type=raw,value=stable')
      }
      break
    case 'sha':
      if (!has(attrs, 'prefix')) attrs.prefix = 'sha-'
      attrs.format ??= 'short'
      if (!['short', 'long'].includes(attrs.format)) {
        throw new RuleError(`unknown format "${attrs.format}"`, 'use format=short or format=long')
      }
      break
  }

  attrs.enable ??= 'true'
  checkEnable(attrs.enable)
  let priority = DEFAULT_PRIORITY[type]
  if (has(attrs, 'priority')) {
    if (!/^-?\d+$/.test(attrs.priority)) {
      throw new RuleError(
        `priority must be a whole number, got "${attrs.priority}"`,
        'e.g. priority=500 (higher comes first)'
      )
    }
    priority = Number(attrs.priority)
  }
  return { line: line.trim(), type, attrs, priority }
}

export interface Flavor {
  latest: 'auto' | 'true' | 'false'
  latestSet: boolean // the user wrote latest=...
  prefix: string
  prefixLatest: boolean
  suffix: string
  suffixLatest: boolean
}

export const FLAVOR_KEYS = ['latest', 'prefix', 'suffix', 'onlatest']

/** Parses one `flavor` line into `flavor` (lines apply in order; later ones win). */
export function parseFlavorLine(line: string, flavor: Flavor): void {
  let onlatestFor: 'prefix' | 'suffix' | undefined
  for (const field of splitFields(line)) {
    const [key, value] = keyAndValue(field)
    switch (key) {
      case undefined:
        throw new RuleError(`"${value}" is not key=value`, `use ${FLAVOR_KEYS.join('=, ')}=`)
      case 'latest':
        if (value !== 'auto' && value !== 'true' && value !== 'false') {
          throw new RuleError(
            `latest must be auto, true or false, got "${value}"`,
            'e.g. latest=auto'
          )
        }
        flavor.latest = value
        flavor.latestSet = true
        break
      case 'prefix':
      case 'suffix':
        flavor[key] = value
        onlatestFor = key
        break
      case 'onlatest':
        if (value !== 'true' && value !== 'false') {
          throw new RuleError(
            `onlatest must be true or false, got "${value}"`,
            'e.g. suffix=-alpine,onlatest=true'
          )
        }
        if (onlatestFor === 'prefix') flavor.prefixLatest = value === 'true'
        if (onlatestFor === 'suffix') flavor.suffixLatest = value === 'true'
        break
      default:
        throw new RuleError(`unknown key "${key}"`, `use one of ${FLAVOR_KEYS.join(', ')}`)
    }
  }
}

export interface ImageLine {
  name: string
  enable: string // true/false, possibly an expression
}

/** Parses one `images` line: `ghcr.io/o/app` or `name=ghcr.io/o/app,enable=false`. */
export function parseImageLine(line: string): ImageLine {
  const image: ImageLine = { name: '', enable: 'true' }
  for (const field of splitFields(line)) {
    const [key, value] = keyAndValue(field)
    if (key === undefined || key === 'name') image.name = value
    else if (key === 'enable') image.enable = value
    else throw new RuleError(`unknown key "${key}"`, 'use name= and enable=')
  }
  if (!image.name) {
    throw new RuleError('empty image name', 'write the image, e.g. name=ghcr.io/OWNER/IMAGE')
  }
  checkEnable(image.enable)
  return image
}
