#!/usr/bin/env node
import { Command } from "commander";
import { loadRelayerConfig, RelayerConfigError } from "./config";
import { startRelayerDaemon, type RelayerDaemon } from "./daemon";
import { KeystoreError } from "./keystore";
import { fail, stopOnSignals } from "../src/cli/run-daemon";

const program = new Command()
  .name("relayer")
  .description(
    "Relays bridge messages between the dplc main chain and the green-certificate side chain: watches both " +
      "gateways' BridgeMessageSent logs with a confirmation depth, collects m-of-n EIP-712 signatures from the " +
      "validators' endpoints (it holds no validator key) and executes each message on the other chain's gateway " +
      "with its own gas key. Serves /metrics and /healthz.",
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
    fail("relayer", err, err instanceof RelayerConfigError || err instanceof KeystoreError ? 2 : 1);
  }
  stopOnSignals(daemon);
}

void main();
