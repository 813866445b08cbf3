#!/usr/bin/env node
import { Command } from "commander";
import { loadRelayerConfig, RelayerConfigError } from "./config";
import { startRelayerDaemon, type RelayerDaemon } from "./daemon";

/** One line for the operator: the message, without a stack trace. */
function fail(err: unknown, code: number): never {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`relayer: ${msg.split("\n")[0]}\n`);
  process.exit(code);
}

const program = new Command()
  .name("relayer")
  .description(
    "Relays bridge messages between the dplc main chain and the green-certificate side chain: watches both " +
      "gateways' BridgeMessageSent logs with a confirmation depth, signs each message with the hosted validator " +
      "keys (EIP-712, m of n) and executes it on the other chain's gateway. Serves /metrics and /healthz.",
  )
  .requiredOption("-c, --config <file>", "relayer config (JSON; fields in relayer/README.md)")
  .showHelpAfterError()
  .addHelpText("after", "\nExample:\n  npm run relayer -- --config deployments/relayer.devnets.json\n");

async function main(): Promise<void> {
  program.parse(process.argv);
  const opts = program.opts<{ config: string }>();
  let daemon: RelayerDaemon;
  try {
    daemon = await startRelayerDaemon(loadRelayerConfig(opts.config), { defaultMetrics: true });
  } catch (err) {
    fail(err, err instanceof RelayerConfigError ? 2 : 1);
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
      (err: unknown) => {
        daemon.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

void main();
