// PEP 440 versions as docker/metadata-action's `type=pep440` sees them (it uses @renovate/pep440):
// validity, the normalized form ({{version}}), and the release numbers.

export interface Pep440 {
  release: number[]
  isPrerelease: boolean // a pre-release or a dev release
  isPostrelease: boolean
  isDevrelease: boolean
  normalized: string // e.g. 1.1beta2 → 1.1b2, 1.0dev4 → 1.0.dev4
}

const PATTERN = new RegExp(
  '^v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<preL>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?<preN>[0-9]+)?)?' +
    '(?<post>(?:-(?<postN1>[0-9]+))|(?:[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<devL>dev)[-_.]?(?<devN>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
  'i'
)

const LETTER: Record<string, string> = {
  alpha: 'a',
  beta: 'b',
  c: 'rc',
  pre: 'rc',
  preview: 'rc',
  rev: 'post',
  r: 'post'
}

/** Normalizes a letter/number pair (`beta`,`2` → `b2`); a missing number is 0. */
function letterNumber(letter: string | undefined, num: string | undefined): string | undefined {
  if (letter) {
    const l = letter.toLowerCase()
    return `${LETTER[l] ?? l}${Number(num ?? 0)}`
  }
  if (num) return `post${Number(num)}` // `1.0-1` is an implicit post-release
  return undefined
}

/** Parses `s`; undefined when it does not conform to PEP 440. */
export function parsePep440(s: string): Pep440 | undefined {
  const g = PATTERN.exec(s)?.groups
  if (!g) return undefined
  const epoch = Number(g.epoch ?? 0)
  const release = g.release.split('.').map(Number)
  const pre = letterNumber(g.preL, g.preN)
  const post = letterNumber(g.postL, g.postN1 ?? g.postN2)
  const dev = letterNumber(g.devL, g.devN)
  const local = g.local
    ?.split(/[-_.]/)
    .map(part => (/^\d+$/.test(part) ? String(Number(part)) : part.toLowerCase()))
    .join('.')
  let normalized = (epoch ? `${epoch}!` : '') + release.join('.')
  if (pre) normalized += pre
  if (post) normalized += `.${post}`
  if (dev) normalized += `.${dev}`
  if (local) normalized += `+${local}`
  return {
    release,
    isPrerelease: Boolean(pre || dev),
    isPostrelease: Boolean(post),
    isDevrelease: Boolean(dev),
    normalized
  }
}
