/**
 * The Hardhat config of a `hardhat node` devnet started by `src/devnet/`: the project's config with the chain id taken
 * from `DPLC_DEVNET_CHAIN_ID`, so the main chain and the side chain can run side by side with different ids.
 */
import path from "node:path";
import type { HardhatUserConfig } from "hardhat/config";
import base from "../../hardhat.config";

const chainId = Number(process.env.DPLC_DEVNET_CHAIN_ID ?? "31337");
if (!Number.isSafeInteger(chainId) || chainId <= 0) {
  throw new Error(`DPLC_DEVNET_CHAIN_ID must be a positive integer, got ${process.env.DPLC_DEVNET_CHAIN_ID}`);
}

// The node logs every RPC call unless told otherwise; a devnet's output is kept only for error reports.
const loggingEnabled = process.env.DPLC_DEVNET_LOGGING === "1";

// Interval mining on top of automine, so an idle chain still grows and the relayer's confirmation depth is reached
// (0: blocks only on transactions and `hardhat_mine`, as tests want).
const interval = Number(process.env.DPLC_DEVNET_BLOCK_INTERVAL_MS ?? "0");
if (!Number.isSafeInteger(interval) || interval < 0) {
  throw new Error(`DPLC_DEVNET_BLOCK_INTERVAL_MS must be a non-negative integer, got ${process.env.DPLC_DEVNET_BLOCK_INTERVAL_MS}`);
}
const baseHardhat = base.networks?.hardhat;
const mining = { ...baseHardhat?.mining, auto: true, interval };

const config: HardhatUserConfig = {
  ...base,
  networks: { ...base.networks, hardhat: { ...baseHardhat, chainId, loggingEnabled, mining } },
  // Paths resolve against the config file's directory: point them back at the repository.
  paths: { ...base.paths, root: path.join(__dirname, "..", "..") },
};

export default config;
