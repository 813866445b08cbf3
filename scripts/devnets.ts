#!/usr/bin/env node
import path from "node:path";
import { Command, InvalidArgumentError as CommanderArgError, Option } from "commander";
import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";

function int(v: string): number {
  if (!/^\d+$/.test(v)) throw new CommanderArgError("not a whole number");
  return Number(v);
}

const program = new Command()
  .name("devnets")
  .description(
    "Starts the dplc main chain and the green-certificate side chain as two Hardhat nodes on 127.0.0.1 (own ports, " +
      "own chain ids, own process groups), deploys the market, bridge and side-chain contracts to both, writes " +
      "deployments/devnets.json, one encrypted keystore and config per validator (deployments/validators/) and " +
      "deployments/relayer.devnets.json, starts three validator processes (threshold 2) and a relayer that holds no " +
      "validator key, and runs until Ctrl-C.",
  )
  .option("--main-port <port>", "main chain JSON-RPC port", int, 8545)
  .option("--side-port <port>", "side chain JSON-RPC port", int, 8546)
  .option("--main-chain-id <id>", "main chain id", int)
  .option("--side-chain-id <id>", "side chain id", int)
  .option("--relayer-http-port <port>", "the /metrics and /healthz port written into the relayer config", int, 9464)
  .option("--block-interval <ms>", "also mine a block every <ms> on each chain, so relayed messages confirm on idle chains (0: off)", int, 1000)
  .option("--no-deploy", "start the chains only")
  .option("--no-bridge", "deploy, but start neither validators nor relayer (run them yourself)")
  .addOption(new Option("--chain <evm>", "the EVM both chains run").choices(["hardhat", "anvil"]).default("hardhat"))
  .option("--log-dir <dir>", "write each node's output to <dir>/main.log and <dir>/side.log")
  .option("--root <dir>", "directory whose deployments/ receives the files", path.join(__dirname, ".."))
  .showHelpAfterError()
  .addHelpText(
    "after",
    "\nWith --no-bridge, in other terminals (one process per validator):\n" +
      "  npm run validator -- --config deployments/validators/validator-1.json   (and -2, -3)\n" +
      "  npm run relayer -- --config deployments/relayer.devnets.json\n",
  )

async function main(): Promise<void> {
  program.parse(process.argv);
  const o = program.opts<{
    mainPort: number;
    sidePort: number;
    mainChainId?: number;
    sideChainId?: number;
    relayerHttpPort: number;
    blockInterval: number;
    deploy: boolean;
    logDir?: string;
    root: string;
    chain: "hardhat" | "anvil";
    bridge: boolean;
  }>();
  // Deploying needs the generated contract bindings: compile first, as `hardhat run` does (only what changed).
  const hre = (await import("hardhat")).default;
  await hre.run(TASK_COMPILE, { quiet: true });
  const { runDevnetsCommand } = await import("../src/devnet/command");
  await runDevnetsCommand({ ...o, blockIntervalMs: o.blockInterval, root: path.resolve(o.root), evm: o.chain });
}

main().catch((err: unknown) => {
  process.stderr.write(`devnets: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}\n`);
  process.exit(1);
});
