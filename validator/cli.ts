#!/usr/bin/env node
import { Command } from "commander";
import { KeystoreError } from "../relayer/keystore";
import { fail, stopOnSignals } from "../src/cli/run-daemon";
import { loadValidatorConfig, ValidatorConfigError } from "./config";
import { startValidatorDaemon, type ValidatorDaemon } from "./daemon";

const program = new Command()
  .name("validator")
  .description(
    "One bridge validator: loads its single key from an encrypted JSON keystore, watches both gateways through its " +
      "own RPC endpoints with its own confirmation depth, and signs (EIP-712) only messages it has seen itself. " +
      "Serves GET /v1/signatures/{messageHash}, /v1/abandon/{messageHash}, /v1/refund/{messageHash}, /metrics " +
      "and /healthz.",
  )
  .requiredOption("-c, --config <file>", "validator config (JSON; fields in relayer/README.md)")
  .showHelpAfterError()
  .addHelpText("after", "\nExample:\n  DPLC_VALIDATOR_PASSWORD=… npm run validator -- --config deployments/validators/validator-1.json\n");

async function main(): Promise<void> {
  program.parse(process.argv);
  const opts = program.opts<{ config: string }>();
  let daemon: ValidatorDaemon;
  try {
    daemon = await startValidatorDaemon(loadValidatorConfig(opts.config), { defaultMetrics: true });
  } catch (err) {
    fail("validator", err, err instanceof ValidatorConfigError || err instanceof KeystoreError ? 2 : 1);
  }
  stopOnSignals(daemon);
}

void main();
