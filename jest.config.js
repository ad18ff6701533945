// ESM jest: run with NODE_OPTIONS=--experimental-vm-modules (see package.json scripts).
const tsJest = [
  'ts-jest',
  { useESM: true, tsconfig: 'tsconfig.test.json', diagnostics: { ignoreCodes: ['TS151001'] } }
]
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node'
}
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'] }
  ],
  // A global option in jest (ignored per project): e2e runs real builds, some of them ten in a row.
  testTimeout: 1_800_000
}
