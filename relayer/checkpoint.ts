import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DplcError, type DplcErrorOptions } from "../src/errors";
import type { RelayState } from "./core";
import type { BridgeMessage } from "./message";

/** The checkpoint file is unreadable, invalid, or belongs to other chains. */
export class CheckpointError extends DplcError {
  constructor(message: string, options: DplcErrorOptions = {}) {
    super("RELAYER_CHECKPOINT", message, options);
  }
}

const big = z.string().regex(/^\d+$/).transform((s) => BigInt(s));
const chainName = z.enum(["main", "side"]);

const MessageSchema = z.object({
  source: chainName,
  srcChainId: big,
  destChainId: big,
  srcGateway: z.string(),
  destGateway: z.string(),
  nonce: big,
  sender: z.string(),
  target: z.string(),
  payload: z.string(),
  blockNumber: z.number().int(),
  blockHash: z.string(),
  txHash: z.string(),
  logIndex: z.number().int(),
});

const CursorSchema = z.object({
  chainId: z.number().int(),
  gateway: z.string(),
  genesisHash: z.string(),
  lastScanned: z.number().int(),
});

const RangesSchema = z.array(z.tuple([big, big]));

const CheckpointSchema = z.object({
  version: z.literal(1),
  chains: z.object({ main: CursorSchema, side: CursorSchema }),
  delivered: z.object({ main: RangesSchema, side: RangesSchema }),
  pending: z.array(
    z.object({
      message: MessageSchema,
      attempts: z.number().int(),
      nextAttemptAt: z.number(),
      lastError: z.string().optional(),
    }),
  ),
  setAside: z.array(z.object({ message: MessageSchema, attempts: z.number().int(), error: z.string(), at: z.number() })),
  // Absent in checkpoints written before returns existed.
  returns: z
    .array(
      z.object({
        message: MessageSchema,
        stage: z.enum(["abandon", "refund", "refunded"]),
        nextAttemptAt: z.number(),
        lastError: z.string().optional(),
      }),
    )
    .default([]),
});

/** JSON with bigints as decimal strings. */
export function serializeState(state: RelayState): string {
  return JSON.stringify({ version: 1, ...state }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n";
}

export function parseState(text: string, source: string): RelayState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(`${source}: not valid JSON`, { cause: err });
  }
  const parsed = CheckpointSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CheckpointError(`${source}: field ${issue.path.join(".")}: ${issue.message}`);
  }
  const { version: _v, ...state } = parsed.data;
  return state as RelayState & { pending: Array<{ message: BridgeMessage }> };
}

/** Reads a checkpoint; undefined when the file does not exist (first start). */
export function readCheckpoint(file: string): RelayState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CheckpointError(`cannot read checkpoint ${file}`, { cause: err });
  }
  return parseState(text, file);
}

/**
 * Replaces the checkpoint atomically and durably: write a temporary file, fsync it, rename it over the old one,
 * fsync the directory. A crash leaves either the old or the new checkpoint, never a torn one.
 */
export function writeCheckpoint(file: string, state: RelayState): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, serializeState(state));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
