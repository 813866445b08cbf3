/**
 * Parsers for command-line arguments. Tasks take every value as text and parse it here, so a bad value ends in one
 * line that names the flag (an InvalidArgumentError) instead of Hardhat's argument error and a stack trace.
 */
import fs from "node:fs";
import path from "node:path";
import { getAddress, isAddress } from "ethers";
import { DplcError, InvalidArgumentError } from "../errors";
import { MAX_CODE_BYTES } from "../limits";
import { parseMwh } from "../units";

const MAX_UINT256 = 2n ** 256n - 1n;

/** A whole number in [min, max], e.g. an order or round id (`--order 3`). */
export function integerArg(flag: string, text: string, min = 0n, max = MAX_UINT256): bigint {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${flag} ${JSON.stringify(text)}: expected a whole number`);
  const value = BigInt(text);
  if (value < min) throw new InvalidArgumentError(`${flag} ${text}: must be at least ${min}`);
  if (value > max) throw new InvalidArgumentError(`${flag} ${text}: must be at most ${max}`);
  return value;
}

/** A small whole number (a step budget, a port, a count of runs) in [min, max]. */
export function countArg(flag: string, text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  return Number(integerArg(flag, text, BigInt(min), BigInt(max)));
}

/** A value in one of the market's units (`parse` is one of src/units.ts's parsers); its error names the flag. */
export function unitArg(flag: string, text: string, parse: (text: string) => bigint): bigint {
  try {
    return parse(text);
  } catch (err) {
    if (!(err instanceof DplcError)) throw err;
    throw new InvalidArgumentError(`${flag}: ${err.message}`, { cause: err });
  }
}

/** A 0x-prefixed 20-byte address, returned checksummed. */
export function addressArg(flag: string, text: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text) || !isAddress(text)) {
    throw new InvalidArgumentError(`${flag} ${JSON.stringify(text)}: expected a 0x-prefixed 20-byte address`);
  }
  return getAddress(text);
}

/** An account given by address or by its index among `accounts` (the network's accounts, in order). */
export function accountArg(flag: string, text: string, accounts: readonly string[]): string {
  if (/^\d+$/.test(text)) {
    const account = accounts[Number(text)];
    if (account === undefined) throw new InvalidArgumentError(`${flag} ${text}: the network has ${accounts.length} accounts`);
    return account;
  }
  if (!text.startsWith("0x")) {
    throw new InvalidArgumentError(`${flag} ${JSON.stringify(text)}: expected an account index or a 0x-prefixed address`);
  }
  return addressArg(flag, text);
}

/** Text the contracts store as bytes32 (a registration code, a reason): 1 to MAX_CODE_BYTES bytes of UTF-8. */
export function codeArg(flag: string, text: string): string {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes === 0) throw new InvalidArgumentError(`${flag}: must not be empty`);
  if (bytes > MAX_CODE_BYTES || text.includes("\0")) {
    throw new InvalidArgumentError(`${flag} ${JSON.stringify(text)}: at most ${MAX_CODE_BYTES} bytes of text`);
  }
  return text;
}

/** One of `choices`. */
export function choiceArg<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(`${flag} ${JSON.stringify(text)}: expected ${choices.join(", ")}`);
  }
  return text as T;
}

/**
 * A file the command will write at its end: checked before any work starts, so a long run never ends in ENOENT.
 * Its directory must exist and be writable; an existing file is overwritten, a directory is refused.
 */
export function outputFileArg(flag: string, file: string): string {
  const dir = path.dirname(path.resolve(file));
  if (isDirectory(file)) throw new InvalidArgumentError(`${flag} ${file}: is a directory`);
  if (!isDirectory(dir)) throw new InvalidArgumentError(`${flag} ${file}: directory ${dir} does not exist`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    if (fs.existsSync(file)) fs.accessSync(file, fs.constants.W_OK);
  } catch (err) {
    throw new InvalidArgumentError(`${flag} ${file}: not writable`, { cause: err });
  }
  return file;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `tradeId:MWh` pairs, comma-separated (`0:100,3:50`): trade ids from 0, MWh whole and at least 1. */
export function parseCuts(flag: string, text: string): { tradeId: bigint; mwh: bigint }[] {
  return text.split(",").map((pair) => {
    const m = /^\s*([^:]*):(.*?)\s*$/.exec(pair);
    if (m === null) throw new InvalidArgumentError(`${flag}: ${JSON.stringify(pair)} is not tradeId:MWh`);
    return { tradeId: integerArg(`${flag} trade id`, m[1]!.trim()), mwh: unitArg(`${flag} MWh`, m[2]!, (t) => parseMwh(t)) };
  });
}
