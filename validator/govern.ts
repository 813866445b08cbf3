#!/usr/bin/env node
import fs from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { Wallet } from "ethers";
import { chainProvider } from "../relayer/daemon";
import { loadKeystore, resolveKeystoreRef } from "../relayer/keystore";
import { fail } from "../src/cli/run-daemon";
import { loadValidatorConfig } from "./config";
import { GOVERNANCE_CALLS, encodeGovernanceCall, signGovernanceCall, submitGovernance, type GovernanceSignature } from "./governance";

function chain(v: string): "main" | "side" {
  if (v !== "main" && v !== "side") throw new InvalidArgumentError("main or side");
  return v;
}

const program = new Command()
  .name("validator-govern")
  .description(
    "Bridge governance by the validators: each validator signs a gateway call with its own keystore (`sign`), and " +
      "anyone submits a quorum of the signatures (`submit`). The validator set, the threshold, remote gateways, the " +
      "peg allowance and unpausing change only this way (or through a timelock the quorum appointed).",
  )
  .showHelpAfterError();

program
  .command("sign")
  .description("sign a governance call with this validator's key; prints the signature as JSON")
  .requiredOption("-c, --config <file>", "this validator's config (its keystore and its own RPC endpoints)")
  .requiredOption("--chain <chain>", "the gateway to govern: main or side", chain)
  .requiredOption("--call <fn>", `one of: ${GOVERNANCE_CALLS.join(", ")}`)
  .option("--args <json>", "the call's arguments as a JSON array", "[]")
  .option("--deadline <unix>", "when the signature expires (all signers must use the same; default: the next full day, UTC)")
  .action(async (o: { config: string; chain: "main" | "side"; call: string; args: string; deadline?: string }) => {
    const config = loadValidatorConfig(o.config);
    const wallet = await loadKeystore(config.keystore);
    const c = config[o.chain];
    const provider = chainProvider(c.rpcUrl, c.chainId);
    try {
      const data = encodeGovernanceCall(o.call, JSON.parse(o.args) as unknown[]);
      // A default every signer computes alike on the same day, so their signatures combine.
      const day = 86_400;
      const deadline = BigInt(o.deadline ?? (Math.floor(Date.now() / 1000 / day) + 1) * day);
      process.stdout.write(JSON.stringify(await signGovernanceCall(wallet, provider, c.chainId, c.gateway, data, deadline)) + "\n");
    } finally {
      provider.destroy();
    }
  });

program
  .command("submit")
  .description("submit a quorum of `sign` outputs (files) with a gas key")
  .requiredOption("--rpc <url>", "the governed chain's endpoint")
  .requiredOption("--chain-id <id>", "its chain id")
  .option("--key-env <name>", "environment variable holding the gas key (a plain key; devnets)")
  .option("--keystore <file>", "the gas key's keystore (password from --password-env)")
  .option("--password-env <name>", "environment variable holding the keystore's password")
  .argument("<signatures...>", "files written by `sign`")
  .action(async (files: string[], o: { rpc: string; chainId: string; keyEnv?: string; keystore?: string; passwordEnv?: string }) => {
    const signatures = files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as GovernanceSignature);
    const submitter =
      o.keystore !== undefined
        ? await loadKeystore(resolveKeystoreRef({ file: o.keystore, passwordEnv: o.passwordEnv }, process.cwd()))
        : new Wallet(process.env[o.keyEnv ?? ""] ?? "");
    const provider = chainProvider(o.rpc, Number(o.chainId));
    try {
      process.stdout.write(`executed: ${await submitGovernance(submitter, provider, signatures)}\n`);
    } finally {
      provider.destroy();
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => fail("validator-govern", err, 1));
