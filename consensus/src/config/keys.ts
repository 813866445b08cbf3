import crypto, { type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../storage/fs-util";
import { KeyFileError } from "./errors";

/** A node's Ed25519 identity. `publicKeyHex` is what peers list in their config. */
export interface NodeKey {
  publicKeyHex: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

interface KeyFileJson {
  type: "ed25519";
  publicKey: string;
  privateKey: string;
}

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function publicKeyToHex(key: KeyObject): string {
  const der = key.export({ format: "der", type: "spki" });
  return der.subarray(ED25519_SPKI_PREFIX.length).toString("hex");
}

/** Turns a 64-hex-digit raw Ed25519 public key (as in the config) into a KeyObject. */
export function publicKeyFromHex(hex: string): KeyObject {
  const raw = Buffer.from(hex.replace(/^0x/, ""), "hex");
  if (raw.length !== 32) throw new RangeError(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return crypto.createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

export function generateNodeKey(): NodeKey {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  return { publicKey, privateKey, publicKeyHex: publicKeyToHex(publicKey) };
}

/** Writes the key pair as JSON (private key in PKCS#8 PEM), readable by the owner only. */
export function writeKeyFile(file: string, key: NodeKey, opts: { overwrite?: boolean } = {}): void {
  if (!opts.overwrite && fs.existsSync(file)) {
    throw new KeyFileError(file, "already exists; refusing to overwrite a node identity");
  }
  const body: KeyFileJson = {
    type: "ed25519",
    publicKey: key.publicKeyHex,
    privateKey: key.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(body, null, 2) + "\n", { mode: 0o600 });
}

export function readKeyFile(file: string): NodeKey {
  let body: Partial<KeyFileJson>;
  try {
    body = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<KeyFileJson>;
  } catch (err) {
    throw new KeyFileError(file, (err as Error).message, { cause: err });
  }
  if (body.type !== "ed25519" || typeof body.privateKey !== "string") {
    throw new KeyFileError(file, 'expected {"type":"ed25519","publicKey":…,"privateKey":…}');
  }
  let privateKey: KeyObject;
  try {
    privateKey = crypto.createPrivateKey(body.privateKey);
  } catch (err) {
    throw new KeyFileError(file, `bad private key: ${(err as Error).message}`, { cause: err });
  }
  const publicKey = crypto.createPublicKey(privateKey);
  const publicKeyHex = publicKeyToHex(publicKey);
  if (body.publicKey !== undefined && body.publicKey.replace(/^0x/, "").toLowerCase() !== publicKeyHex) {
    throw new KeyFileError(file, "publicKey does not match privateKey");
  }
  return { publicKey, privateKey, publicKeyHex };
}

/** Reads the key file, creating a fresh identity first if there is none. */
export function ensureKeyFile(file: string): NodeKey {
  if (fs.existsSync(file)) return readKeyFile(file);
  const key = generateNodeKey();
  writeKeyFile(file, key);
  return key;
}
