#!/usr/bin/env node
import { Command } from "commander";
import { parsePeerApi, startDaemon, type Daemon } from "../node/daemon";

/** One line for the operator: the message, without a stack trace. */
function fail(err: unknown, code = 1): never {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`orderer: ${msg.split("\n")[0]}\n`);
  process.exit(code);
}

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
  .option("--fault-injection", "enable POST /debug/partition for process-level tests", false)
  .showHelpAfterError()
  .addHelpText("after", "\nExample:\n  npm run orderer -- --config cluster/n1.json\n");

async function main(): Promise<void> {
  program.parse(process.argv);
  const opts = program.opts<{ config: string; peerApi: string[]; faultInjection: boolean }>();
  let peerApi: Record<string, string>;
  try {
    peerApi = parsePeerApi(opts.peerApi);
  } catch (err) {
    fail(err, 2);
  }
  let daemon: Daemon;
  try {
    daemon = await startDaemon({ configFile: opts.config, peerApi, faultInjection: opts.faultInjection });
  } catch (err) {
    fail(err, (err as Error).name === "ConfigError" ? 2 : 1);
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      daemon.logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    daemon.logger.info({ signal }, "shutting down");
    daemon.stop().then(
      () => process.exit(0),
      (err) => {
        daemon.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

void main();
