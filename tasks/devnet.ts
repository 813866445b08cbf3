import { task, types } from "hardhat/config";
import { runTask } from "./replay";

interface DevnetsArgs {
  mainPort: number;
  sidePort: number;
  mainChainId?: number;
  sideChainId?: number;
  relayerHttpPort: number;
  blockInterval: number;
  noDeploy: boolean;
  logDir?: string;
}

task("devnets", "Start the main and side devnets (two hardhat nodes), deploy to both, run until Ctrl-C (npm run devnets)")
  .addOptionalParam("mainPort", "Main chain JSON-RPC port", 8545, types.int)
  .addOptionalParam("sidePort", "Side chain JSON-RPC port", 8546, types.int)
  .addOptionalParam("mainChainId", "Main chain id (default 13371)", undefined, types.int)
  .addOptionalParam("sideChainId", "Side chain id (default 13372)", undefined, types.int)
  .addOptionalParam("relayerHttpPort", "The /metrics and /healthz port written into the relayer config", 9464, types.int)
  .addOptionalParam("blockInterval", "Also mine a block every <ms> on each chain, so relayed messages confirm on idle chains (0: off)", 1000, types.int)
  .addFlag("noDeploy", "Start the chains only")
  .addOptionalParam("logDir", "Write each node's output to <dir>/main.log and <dir>/side.log", undefined, types.string)
  .setAction(async (args: DevnetsArgs, hre) =>
    runTask(async () => {
      const { runDevnetsCommand } = await import("../src/devnet/command");
      await runDevnetsCommand({ ...args, blockIntervalMs: args.blockInterval, deploy: !args.noDeploy, root: hre.config.paths.root });
    }),
  );
