import fs from "node:fs";
import path from "node:path";
import { Wallet, encryptKeystoreJson, type HDNodeWallet } from "ethers";
import { z } from "zod";
import { DplcError, type DplcErrorOptions } from "../src/errors";

/** A keystore cannot be read or decrypted, or its password is missing. One line, never the password. */
export class KeystoreError extends DplcError {
  constructor(message: string, options: DplcErrorOptions = {}) {
    super("KEYSTORE", message, options);
  }
}

/**
 * Where a key lives: an encrypted JSON keystore (ethers' / Web3 Secret Storage format) and where its password comes
 * from — the environment variable `passwordEnv` or the first line of `passwordFile`, exactly one of them.
 */
export const KeystoreRefSchema = z
  .object({
    file: z.string().min(1),
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name").optional(),
    passwordFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((k) => (k.passwordEnv === undefined) !== (k.passwordFile === undefined), {
    message: "needs exactly one of passwordEnv and passwordFile",
  });

export type KeystoreRef = z.infer<typeof KeystoreRefSchema>;

/** The same reference with its files resolved against `dir` (a config file's directory). */
export function resolveKeystoreRef(ref: KeystoreRef, dir: string): KeystoreRef {
  return {
    ...ref,
    file: path.resolve(dir, ref.file),
    ...(ref.passwordFile === undefined ? {} : { passwordFile: path.resolve(dir, ref.passwordFile) }),
  };
}

function readPassword(ref: KeystoreRef, env: NodeJS.ProcessEnv): string {
  if (ref.passwordEnv !== undefined) {
    const value = env[ref.passwordEnv];
    if (value === undefined || value === "") throw new KeystoreError(`environment variable ${ref.passwordEnv} (keystore password) is not set`);
    return value;
  }
  try {
    return fs.readFileSync(ref.passwordFile!, "utf8").split(/\r?\n/)[0]!;
  } catch (err) {
    throw new KeystoreError(`cannot read password file ${ref.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? "error"}`, { cause: err });
  }
}

/** Decrypts the keystore; the key exists only in this process's memory. */
export async function loadKeystore(ref: KeystoreRef, env: NodeJS.ProcessEnv = process.env): Promise<Wallet | HDNodeWallet> {
  let json: string;
  try {
    json = fs.readFileSync(ref.file, "utf8");
  } catch (err) {
    throw new KeystoreError(`cannot read keystore ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`, { cause: err });
  }
  const password = readPassword(ref, env);
  try {
    return await Wallet.fromEncryptedJson(json, password);
  } catch (err) {
    throw new KeystoreError(`cannot decrypt keystore ${ref.file}: ${(err as Error).message.split("\n")[0]}`, { cause: err });
  }
}

/**
 * Writes `key` encrypted with `password` to `file` (mode 0600). `scryptN` trades brute-force cost for start-up time:
 * the ethers default (2^17) for real keys, less for throw-away devnet keys.
 */
export async function writeKeystore(file: string, key: string, password: string, scryptN = 2 ** 17): Promise<string> {
  const wallet = new Wallet(key);
  const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, { scrypt: { N: scryptN } });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, json + "\n", { mode: 0o600 });
  return wallet.address;
}
