import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DplcError } from "../errors";
import type { SealedOrder } from "../actions";

/** A sealed order's file is missing, unreadable or malformed, or belongs to another account. */
export class SealedOrderError extends DplcError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("SEALED_ORDER", message, options);
  }
}

const uint = z.string().regex(/^\d+$/, "must be a whole number").transform(BigInt);
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex");

const SealedOrderFile = z.object({
  orderId: uint,
  roundId: uint,
  owner: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address"),
  request: z.object({ quantityMwh: uint, price: uint, greenDemandMwh: uint, envPrice: uint, subsidyPrice: uint }),
  salt: hex32,
  commitment: hex32,
  escrow: uint,
});

/** Where `market list` keeps order `orderId` of network `network` until `market reveal`: beside the deployment. */
export function sealedOrderPath(deploymentFile: string, network: string, orderId: bigint): string {
  return path.join(path.dirname(deploymentFile), "sealed", `${network}-order-${orderId}.json`);
}

/** Writes a sealed order, readable by its owner only: the salt must stay secret until the reveal. */
export function saveSealedOrder(file: string, orderId: bigint, sealed: SealedOrder): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = JSON.stringify({ orderId, ...sealed }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
  fs.writeFileSync(file, `${text}\n`, { mode: 0o600 });
}

/** Reads a sealed order written by `saveSealedOrder`. */
export function loadSealedOrder(file: string): SealedOrder & { orderId: bigint } {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new SealedOrderError(`cannot read sealed order ${file}: it is written by "market list" on this machine`, { cause: err });
  }
  const parsed = SealedOrderFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SealedOrderError(`${file}: field ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}
