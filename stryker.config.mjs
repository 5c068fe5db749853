// StrykerJS configuration for `npm run mutate` (docs/testing.md "Mutation testing"). StrykerJS is the maintained
// mutation tester for TypeScript; 9.6.1 is the last line that runs on Node 20 with vitest 4.1. scripts/mutate.mjs
// fills in `mutate` and the report paths per module.
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  checkers: ['typescript'],
  // The checker compiles the kernel alone: every mutated module is kernel source, and a mutant that breaks only a
  // dependent's types is still run against the tests. The whole-repo program made each check take seconds.
  tsconfigFile: 'packages/kernel/tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10000,
  // The dry run runs every in-process suite once (about 3 minutes); on a shared, loaded machine it can pass Stryker's
  // default limit of 5 minutes and abort the whole run; with three helpers' runs on two cores it passed 15 (2026-12-06).
  dryRunTimeoutMinutes: 30,
  reporters: ['clear-text', 'html', 'json', 'progress'],
  ignoreStatic: true,
  incremental: false,
  cleanTempDir: 'always',
};
