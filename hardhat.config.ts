import "@nomicfoundation/hardhat-toolbox";
import { subtask, type HardhatUserConfig } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_TEST_GET_TEST_FILES,
} from "hardhat/builtin-tasks/task-names";
import path from "node:path";
import fs from "node:fs";
import "./tasks";

const SOLC_VERSION = "0.8.28";

// No compiler can be downloaded on our machines: serve solc-js from the pinned npm `solc` package.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solcPkg = require("solc/package.json") as { version: string };
  if (args.solcVersion !== solcPkg.version) return runSuper(args);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: solc.version(),
  };
});

// `npx hardhat test` with no files runs test/ and the consensus suites beside their code.
subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, _hre, runSuper) => {
  const files: string[] = await runSuper(args);
  if (args.testFiles.length > 0) return files;
  const extra = path.join(__dirname, "consensus", "test");
  if (!fs.existsSync(extra)) return files;
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return walk(p);
      return /\.test\.ts$/.test(e.name) ? [p] : [];
    });
  return [...files, ...walk(extra).sort()];
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      viaIR: false,
    },
  },
  networks: {
    hardhat: {
      // Large synthetic books need room; single transactions stay under 10M gas (see BENCHMARKS.md).
      blockGasLimit: 60_000_000,
      // FIFO mempool: the orderer relies on transactions landing in the order it sent them.
      mining: { mempool: { order: "fifo" } },
    },
    localhost: { url: process.env.DPLC_RPC_URL ?? "http://127.0.0.1:8545" },
  },
  // The plugin's polling as src/chain/ignition.ts runs the same modules: devnets answer at once, so 1 s polls are waste.
  ignition: { blockPollingInterval: 5, requiredConfirmations: 1 },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: { enabled: process.env.REPORT_GAS === "1", offline: true, currency: "USD" },
  mocha: { timeout: 600_000 },
};

export default config;
