// Every rule is checked on every run, whatever the event: each template of each rule is rendered
// with sample values, so that a typo in a rule that only fires on a release tag, a pull request
// or a schedule fails the first run (and its dry-run), not release day.
import { contextFromEnv } from '../context.js'
import { hasExpression, render } from './expressions.js'
import { resolve } from './event.js'
import type { Flavor, Rule } from './parse.js'
import { parsePep440 } from './pep440.js'
import { RuleError } from './rule-error.js'
import { versionText } from './rules.js'
import { expand, pep440Scope, semverScope } from './scope.js'
import { parseSemver, type SemVer } from './semver.js'
import type { Pep440 } from './pep440.js'

// An event with nothing in it: every expression exists and gives a value (dates: the epoch).
const NOWHERE = resolve({ ctx: contextFromEnv({}, {}), now: new Date(0) })
const SAMPLE_SEMVER = parseSemver('1.2.3') as SemVer
const SAMPLE_PEP440 = parsePep440('1.2.3') as Pep440

/** A literal `value=` that is no version is a typo; one built from expressions may be one later. */
function checkLiteralVersion(rule: Rule, what: string, valid: (v: string) => boolean): void {
  const { value, match } = rule.attrs
  if (!value || hasExpression(value)) return
  const vraw = versionText(value, match)
  if (!valid(vraw)) {
    const example = what === 'semver' ? 'v1.2.3' : '1.2.3'
    throw new RuleError(`"${vraw}" is not a valid ${what} version`, `use e.g. value=${example}`)
  }
}

/** Throws RuleError for the first template of `rule` that cannot be rendered on any event. */
export function checkRule(rule: Rule): void {
  const a = rule.attrs
  for (const key of ['value', 'prefix', 'suffix', 'enable']) {
    if (a[key] !== undefined) expand(a[key], NOWHERE)
  }
  switch (rule.type) {
    case 'schedule':
      expand(a.pattern, NOWHERE)
      break
    case 'semver':
      render(a.pattern, semverScope(SAMPLE_SEMVER, NOWHERE))
      checkLiteralVersion(rule, 'semver', v => parseSemver(v) !== undefined)
      break
    case 'pep440':
      render(a.pattern, pep440Scope(SAMPLE_PEP440, '1.2.3', NOWHERE))
      checkLiteralVersion(rule, 'PEP 440', v => parsePep440(v) !== undefined)
      break
  }
}

/** The flavor's prefix and suffix reach every tag; check them even when no rule fires. */
export function checkFlavor(flavor: Flavor): void {
  expand(flavor.prefix, NOWHERE)
  expand(flavor.suffix, NOWHERE)
}
