// Loaded by the mocha runner before the specs (stryker/base.mjs), so in mutation runs only. The simulator's seed
// budget per mutant: every core mutant the unit tests miss reruns the simulation, and the CI budget (3000 seeds) would
// take hours per run on 2 cores; 20 random seeds keep a survivor at ~15 s. The scripted schedules
// (consensus/test/sim/schedules.test.ts) and the simulator's fixed-seed coverage tests still run in full.
// SIM_SEEDS in the environment still wins. See TESTING.md, "Configuration and why".
process.env.SIM_SEEDS ??= "20";
