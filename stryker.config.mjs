// @ts-check
/**
 * Mutation testing (`npm run mutate`): not part of `npm test` or CI — a full
 * run takes hours on two cores. Scope a run (README, Development):
 *   npm run mutate -- --mutate 'src/core/**\/*.ts' --testFiles 'test/unit/**\/*.test.ts' \
 *     --incrementalFile reports/stryker-core.json
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts" },
  mutate: ["src/core/**/*.ts", "src/flows/**/*.ts", "src/adapters/**/*.ts"],
  // Results of the last run stay in reports/ (git-ignored): the next run tests
  // only mutants whose code or covering tests changed since.
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  coverageAnalysis: "perTest",
  // Mutants in module-level code run once at import: testing each would reload
  // every test file per mutant. They are reported as Ignored, not as killed.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 10_000,
  // The first pass runs every test once to learn which test covers which mutant; on a
  // busy two-core machine that took 10 minutes, past Stryker's default limit of 5.
  dryRunTimeoutMinutes: 30,
  reporters: ["clear-text", "progress", "html"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  tempDirName: ".stryker-tmp",
  // Symlinks (to directories, or dangling until the example installs the package)
  // that the sandbox copy cannot copy as files; the tests read the SQL where the
  // links point (db/flyway).
  ignorePatterns: [
    "/charts/db-migrations/seed",
    "/charts/db-migrations/sql",
    "/examples/platform/deploy/charts/db-migrations",
    // Another run's sandbox (two scoped runs at once, each with its own --tempDirName).
    "/.stryker-tmp*",
  ],
  cleanTempDir: "always",
};
