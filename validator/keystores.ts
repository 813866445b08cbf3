import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { writeKeystore } from "../relayer/keystore";

export interface KeystoreSetOptions {
  /** Directory for the keystores, the password file and `validators.json`. */
  readonly dir: string;
  /** The keys: given (e.g. devnet accounts), or `count` fresh random keys. */
  readonly keys?: readonly string[];
  readonly count?: number;
  /** The password; by default a random one, written to `<dir>/password` (mode 0600). */
  readonly password?: string;
  /** scrypt cost (default 2^17, ethers' own); lower only for throw-away devnet keys. */
  readonly scryptN?: number;
}

export interface KeystoreEntry {
  readonly name: string;
  readonly address: string;
  /** File name inside the set's directory. */
  readonly keystore: string;
}

export interface KeystoreSet {
  readonly validators: KeystoreEntry[];
  /** The password file, when the password was generated. */
  readonly passwordFile?: string;
}

/**
 * Makes one encrypted keystore per validator of a local set, `validator-<i>.keystore.json`, and lists them with their
 * addresses (ascending, as the gateway wants signatures ordered) in `validators.json`. Every organisation runs
 * one validator process with one of these files; no process ever holds two keys.
 */
export async function makeKeystoreSet(opts: KeystoreSetOptions): Promise<KeystoreSet> {
  const keys = opts.keys ?? Array.from({ length: opts.count ?? 3 }, () => Wallet.createRandom().privateKey);
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  let password = opts.password;
  let passwordFile: string | undefined;
  if (password === undefined) {
    password = crypto.randomBytes(24).toString("base64url");
    passwordFile = path.join(opts.dir, "password");
    fs.writeFileSync(passwordFile, password + "\n", { mode: 0o600 });
  }
  const validators = await Promise.all(
    keys.map(async (key, i) => {
      const keystore = `validator-${i + 1}.keystore.json`;
      const address = await writeKeystore(path.join(opts.dir, keystore), key, password, opts.scryptN);
      return { name: `validator-${i + 1}`, address, keystore };
    }),
  );
  fs.writeFileSync(path.join(opts.dir, "validators.json"), JSON.stringify(validators, null, 2) + "\n");
  return { validators, ...(passwordFile === undefined ? {} : { passwordFile }) };
}
