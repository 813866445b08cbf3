import { z } from "zod";
import type { Entry, Message, Snapshot } from "../core/types";
import { MessageDecodeError } from "./errors";

/**
 * Raft messages on the wire: JSON, with every Uint8Array (entry data, snapshot data) as base64.
 * Decoding validates the shape, so a buggy or hostile (but authenticated) peer cannot crash the core.
 */
const MESSAGE_TYPES = [
  "hup",
  "propose",
  "preVote",
  "preVoteResp",
  "vote",
  "voteResp",
  "append",
  "appendResp",
  "heartbeat",
  "heartbeatResp",
  "snapshot",
  "transferLeader",
  "timeoutNow",
  "checkQuorum",
  "catchUp",
] as const;

const uint = z.number().int().nonnegative();
const b64 = z.string();

const wireEntry = z.object({ term: uint, index: uint, type: z.enum(["normal", "config"]), data: b64 });
const wireConf = z
  .object({
    members: z.array(z.object({ id: z.string(), role: z.enum(["trading-centre", "participant", "learner"]) }).passthrough()),
    pool: z.array(z.string()).optional(),
  })
  .passthrough();
const wireSnapshot = z.object({ meta: z.object({ index: uint, term: uint, conf: wireConf }), data: b64 });

export const wireMessageSchema = z.object({
  type: z.enum(MESSAGE_TYPES),
  from: z.string().min(1),
  to: z.string().min(1),
  term: uint,
  index: uint.optional(),
  logTerm: uint.optional(),
  entries: z.array(wireEntry).optional(),
  commit: uint.optional(),
  reject: z.boolean().optional(),
  rejectHint: z.object({ term: uint, index: uint }).optional(),
  snapshot: wireSnapshot.optional(),
  context: z.string().optional(),
});

const toB64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const fromB64 = (s: string): Uint8Array => {
  const buf = Buffer.from(s, "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
};

/** Message → JSON-safe object (base64 byte fields). */
export function toWire(msg: Message): Record<string, unknown> {
  const out: Record<string, unknown> = { ...msg };
  if (msg.entries !== undefined) out.entries = msg.entries.map((e) => ({ ...e, data: toB64(e.data) }));
  if (msg.snapshot !== undefined) out.snapshot = { meta: msg.snapshot.meta, data: toB64(msg.snapshot.data) };
  return out;
}

/** JSON-parsed object → validated Message. */
export function fromWire(raw: unknown): Message {
  const parsed = wireMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new MessageDecodeError(`${i.path.join(".") || "(root)"}: ${i.message}`, { cause: parsed.error });
  }
  const { entries, snapshot, ...rest } = parsed.data;
  const msg: Message = rest;
  if (entries !== undefined) msg.entries = entries.map((e): Entry => ({ ...e, data: fromB64(e.data) }));
  if (snapshot !== undefined) {
    const snap: Snapshot = { meta: snapshot.meta, data: fromB64(snapshot.data) };
    msg.snapshot = snap;
  }
  return msg;
}

export function encodeMessage(msg: Message): string {
  return JSON.stringify(toWire(msg));
}

export function decodeMessage(text: string): Message {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new MessageDecodeError(`not JSON: ${(err as Error).message}`, { cause: err });
  }
  return fromWire(raw);
}
