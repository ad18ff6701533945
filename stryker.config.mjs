// Mutation testing (docs/mutation.md): `npm run mutation`, or one file set at a time with
// `npm run mutation -- --mutate src/plan.ts`. Slow (minutes per file), so not part of `npm test`
// or CI. The unit jest project as in jest.config.js, without ts-jest's type check (Stryker's
// instrumented code does not type-check, and `npm run lint` checks the types anyway).
const unit = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.test.json', diagnostics: false, isolatedModules: true }
    ]
  },
  testEnvironment: 'node',
  // MUTATION_TESTS=tags,plan runs only those unit files: a file set's own table tests, minutes
  // instead of an hour (every mutant of plan.ts reaches ~110 tests in main.test.ts and others).
  testMatch: process.env.MUTATION_TESTS
    ? process.env.MUTATION_TESTS.split(',').map(f => `<rootDir>/__tests__/unit/${f}.test.ts`)
    : ['<rootDir>/__tests__/unit/**/*.test.ts']
}
export default {
  testRunner: 'jest',
  // ESM jest needs the VM modules flag in every test runner process.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: { projectType: 'custom', config: unit, enableFindRelatedTests: false },
  coverageAnalysis: 'perTest',
  // The pure core and the failure classification (issue 9).
  mutate: [
    'src/plan.ts',
    'src/plan-*.ts',
    'src/tags/**/*.ts',
    'src/errors.ts',
    'src/diagnose.ts',
    'src/diagnose-*.ts',
    'src/buildx-output.ts'
  ],
  // A mutant in a module-level table (the diagnosis rules) needs every test file; they are
  // still run, so the score covers the tables too.
  ignoreStatic: false,
  // The wording of messages is checked by the tests that show them, not worth a mutant each.
  mutator: { excludedMutations: ['StringLiteral'] },
  checkers: [],
  concurrency: 2,
  timeoutMS: 10000,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always'
}
