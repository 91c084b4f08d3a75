// Mutation testing of ts/ (Stryker with the vitest runner and the TypeScript checker). Run it with
// `npm run mutate [-- ts/<folder> | ts/<folder>/<file>.ts]` (scripts/mutate.mjs), which runs one
// Stryker per folder and writes tests/MUTATION.md; `npx stryker run` alone mutates the whole tree
// in one run. MUTATE_TARGET (a folder or file under ts/) narrows the run; reports and incremental
// files are per target under reports/mutation/ (gitignored: they hold copies of every source and
// test file and change with each edit; tests/MUTATION.md is the shared record).
const target = (process.env.MUTATE_TARGET ?? 'ts').replace(/\/+$/, '');
const slug = target.replace(/[^A-Za-z0-9]+/g, '-');
// Barrels hold exports only: nothing to mutate.
const skip = ['!ts/**/index.ts'];
const mutate = target.endsWith('.ts') ? [target] : target === 'ts/*' ? ['ts/*.ts', ...skip] : [`${target}/**/*.ts`, ...skip];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate,
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.stryker.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // Two shared cores, with other engineers' work on them: one process running tests or type checks
  // unless MUTATE_CONCURRENCY asks for more (2 at most on this machine).
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 1),
  incremental: true,
  incrementalFile: `reports/mutation/${slug}.incremental.json`,
  reporters: ['progress', 'clear-text', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${slug}.json` },
  htmlReporter: { fileName: `reports/mutation/${slug}.html` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false, reportScoreTable: true },
  // ts/ is not one of Stryker's default source folders (lib, src, test).
  disableTypeChecks: 'ts/**/*.ts',
  // dist/ stays: a few tests import the built package next to ts/ (scripts/mutate.mjs builds it first).
  ignorePatterns: ['crate/target', 'bench/.lsa-cache', 'out', 'reports', 'web/node_modules'],
  // The machine is shared: at a load of 20 on 2 cores, 2 × the dry run's time + 10 s turned 11 slow
  // mutants of metrics.ts (static ones, which rerun every related test) into false timeouts. A real
  // infinite loop now costs a minute or two; `npm run mutate -- --retry-timeouts` re-tests timeouts.
  timeoutMS: 60_000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 30,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
