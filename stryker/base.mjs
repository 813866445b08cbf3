// Shared StrykerJS settings for the TypeScript mutation runs (see TESTING.md). One config per mutated folder
// (stryker/<folder>.config.mjs) so a folder can be run on its own and keeps its own incremental file.

/**
 * @param {object} folder
 * @param {string} folder.name short name: reports/mutation/<name>.html and the incremental file
 * @param {string[]} folder.mutate globs of the source files to mutate
 * @param {string[]} folder.spec test files (run in this order; unit tests first so most mutants die cheaply)
 * @param {boolean} [folder.ignoreStatic] skip static mutants (default true; see below)
 * @param {number | null} [folder.breakAt] fail the run below this score; null (the default) until the folder's
 *   measured score over all its files reaches it (TESTING.md, "Scores per folder")
 * @returns {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export function folderConfig({ name, mutate, spec, ignoreStatic = true, breakAt = null }) {
  return {
    packageManager: "npm",
    testRunner: "mocha",
    mutate,
    // stryker/mocharc.json: the same environment as `npx hardhat test` (Hardhat's ts-node, transpile-only, and its
    // chai matchers, e.g. chai-as-promised's `rejectedWith`; mocha timeout 600 s), then stryker/mocha-setup.js.
    mochaOptions: { config: "stryker/mocharc.json", spec },
    // Each mutant runs only the tests that cover it. No TypeScript checker: tests run transpile-only like
    // `npx hardhat test`, and type-checking each mutant would roughly double the run on 2 cores.
    coverageAnalysis: "perTest",
    concurrency: 2,
    // A mutant that loops forever counts as detected once it exceeds 1.5 × its tests' dry-run time + 5 s.
    timeoutMS: 5_000,
    // The instrumented dry run of core + simulator takes longer than Stryker's default 5 minutes on 2 busy cores.
    dryRunTimeoutMinutes: 30,
    timeoutFactor: 1.5,
    // Static mutants (module-level constants) would each rerun every test in a fresh process: a minute apiece for
    // the slower folders. They are reported as ignored, not hidden: see TESTING.md.
    ignoreStatic,
    // Tests run transpile-only, so there are no type checks to disable (and Babel cannot parse some .d.ts files).
    disableTypeChecks: false,
    // Incremental mode: unchanged mutants keep their last result (the file is git-ignored, see TESTING.md).
    incremental: true,
    incrementalFile: `reports/mutation/${name}.incremental.json`,
    reporters: ["clear-text", "progress-append-only", "html", "json"],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
    // The Solidity side is mutated by its own tool; nothing under these is needed by the TS suites. Anchored at the
    // root: an unanchored "contracts" also dropped typechain-types/contracts, which the node suite imports.
    ignorePatterns: [".stryker-tmp*", "/contracts", "/test/bridge", "/test/market", "/test/libraries", "/docs", "/data", "/reports"],
    thresholds: { high: 90, low: 80, break: breakAt },
    tempDirName: ".stryker-tmp",
    cleanTempDir: true,
  };
}
