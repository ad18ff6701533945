// From what the registry or docker said to the cause and the fix (the GHCR error table of
// docs/architecture.md). Pure.
// The first matching rule wins: the clean-up's (diagnose-packages.ts), the build's
// (diagnose-build.ts), then the registry's (diagnose-registry.ts).
import { BUILD_RULES } from './diagnose-build.js'
import { PACKAGES_RULES } from './diagnose-packages.js'
import { REGISTRY_RULES } from './diagnose-registry.js'
import type { Phase } from './errors.js'

/** The phases that talk to docker or a registry: the ones the table has rules for. */
export const PHASES: readonly Phase[] = ['login', 'preflight', 'push', 'build', 'verify', 'cleanup']

export interface Diagnosis {
  cause: string
  fix: string
}

export interface Rule {
  /** What the registry or docker says, as a person would search for it (README). */
  says: string
  test: RegExp
  /** Phases the rule applies to; all when absent. */
  phases?: Phase[]
  diagnosis: (registry: string) => Diagnosis
}

const RULES: Rule[] = [
  ...PACKAGES_RULES, // the clean-up phase only
  ...BUILD_RULES,
  ...REGISTRY_RULES
]

/** The first matching rule's cause and fix, or undefined when nothing known matches. */
export function diagnose(text: string, phase: Phase, registry: string): Diagnosis | undefined {
  for (const rule of RULES) {
    if (rule.phases && !rule.phases.includes(phase)) continue
    if (rule.test.test(text)) return rule.diagnosis(registry)
  }
  return undefined
}

export interface DiagnosisRow extends Diagnosis {
  says: string
  phases: readonly Phase[]
}

/** Every known message with its cause and fix, in match order, for the README's troubleshooting section. */
export const diagnosisTable: readonly DiagnosisRow[] = RULES.map(rule => ({
  says: rule.says,
  phases: rule.phases ?? PHASES,
  ...rule.diagnosis('the registry')
}))

/** The most telling line of docker's output: the last one that mentions an error. */
export function errorLine(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(Boolean)
  // docker's own log records (`time="…" level=info msg="… trying next endpoint" error="…"`) say
  // what it tried, not what failed: the error is on a line of its own after them
  const records = /^time="[^"]*" level=(?:trace|debug|info|warning)\b/
  const all = lines.some(l => !records.test(l)) ? lines.filter(l => !records.test(l)) : lines
  const errors = all.filter(l => /error|denied|unauthorized|failed|forbidden/i.test(l))
  return (errors.at(-1) ?? all.at(-1) ?? '').slice(0, 500)
}
