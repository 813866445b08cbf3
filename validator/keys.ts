#!/usr/bin/env node
import fs from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { ACCOUNT, devnetKey } from "../src/devnet/accounts";
import { fail } from "../src/cli/run-daemon";
import { makeKeystoreSet } from "./keystores";

function positive(v: string): number {
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError("not a positive whole number");
  return Number(v);
}

const program = new Command()
  .name("validator-keys")
  .description(
    "Makes encrypted JSON keystores (one per validator) for a local validator set, plus validators.json with their " +
      "addresses. The password comes from --password-file, else a random one is written to <dir>/password.",
  )
  .requiredOption("-o, --out <dir>", "directory for the keystores")
  .option("-n, --count <n>", "how many fresh random keys", positive, 3)
  .option("--devnet", "use the devnet validator accounts (Hardhat default accounts 10-12) instead of fresh keys")
  .option("--password-file <file>", "file whose first line is the password")
  .option("--light", "cheap scrypt (2^12): throw-away devnet keys only")
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse(process.argv);
  const o = program.opts<{ out: string; count: number; devnet?: boolean; passwordFile?: string; light?: boolean }>();
  try {
    const password = o.passwordFile === undefined ? undefined : fs.readFileSync(o.passwordFile, "utf8").split(/\r?\n/)[0]!;
    const set = await makeKeystoreSet({
      dir: o.out,
      keys: o.devnet === true ? ACCOUNT.validators.map(devnetKey) : undefined,
      count: o.count,
      password,
      scryptN: o.light === true ? 2 ** 12 : undefined,
    });
    for (const v of set.validators) process.stdout.write(`${v.name}  ${v.address}  ${o.out}/${v.keystore}\n`);
    if (set.passwordFile !== undefined) process.stdout.write(`password: ${set.passwordFile}\n`);
  } catch (err) {
    fail("validator-keys", err, 1);
  }
}

void main();
