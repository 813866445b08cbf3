import { Command } from "commander";
import { fail, stopOnSignals } from "../../../src/cli/run-daemon";
import { parsePeerApi, startDaemon, type Daemon } from "../node/daemon";

const program = new Command()
  .name("orderer")
  .description(
    "Runs one node of the dplc improved-Raft ordering service: Raft over authenticated TCP, the client " +
      "HTTP API (POST /v1/transactions, GET /v1/transactions/{hash}, GET /v1/status, /metrics, /healthz), " +
      "the block store, and, with chain.rpcUrl in the config, this node's own EVM replica of the ordered chain.",
  )
  .requiredOption("-c, --config <file>", "node config (JSON; see consensus/src/config/schema.ts)")
  .option(
    "--peer-api <id=url>",
    "client API URL of a peer (repeatable); default: the peer's raft port plus this node's HTTP-raft offset",
    (v: string, acc: string[]) => [...acc, v],
    [] as string[],
  )
  .option("--join <url>", "join the running cluster whose member answers at this API URL (sets the config's join; add the node there first: POST /v1/members)")
  .option("--fault-injection", "enable POST /debug/partition for process-level tests", false)
  .showHelpAfterError()
  .addHelpText("after", "\nExample:\n  npm run orderer -- --config cluster/n1.json\n");

async function main(): Promise<void> {
  program.parse(process.argv);
  const opts = program.opts<{ config: string; peerApi: string[]; faultInjection: boolean; join?: string }>();
  let peerApi: Record<string, string>;
  try {
    peerApi = parsePeerApi(opts.peerApi);
  } catch (err) {
    fail("orderer", err, 2);
  }
  let daemon: Daemon;
  try {
    daemon = await startDaemon({ configFile: opts.config, peerApi, faultInjection: opts.faultInjection, join: opts.join });
  } catch (err) {
    fail("orderer", err, (err as Error).name === "ConfigError" ? 2 : 1);
  }
  stopOnSignals(daemon);
}

void main();
