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

const wireConf = z
  .object({
    members: z.array(z.object({ id: z.string(), role: z.enum(["trading-centre", "participant", "learner"]) }).passthrough()),
    pool: z.array(z.string()).optional(),
  })
  .passthrough();
const wireSnapshot = z.object({ meta: z.object({ index: uint, term: uint, conf: wireConf }), data: b64 });

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

type Obj = Record<string, unknown>;
const TYPES: ReadonlySet<string> = new Set(MESSAGE_TYPES);

const fail = (path: string, what: string): never => {
  throw new MessageDecodeError(`${path}: ${what}`);
};
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isUint = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function uintAt(o: Obj, key: string, path = key): number {
  const v = o[key];
  return isUint(v) ? v : fail(path, "expected a non-negative integer");
}

function idAt(o: Obj, key: string): string {
  const v = o[key];
  return typeof v === "string" && v.length > 0 ? v : fail(key, "expected a non-empty string");
}

function entryAt(v: unknown, i: number): Entry {
  const path = `entries.${i}`;
  if (!isObj(v)) return fail(path, "expected an object");
  const type = v.type;
  if (type !== "normal" && type !== "config") return fail(`${path}.type`, 'expected "normal" or "config"');
  if (typeof v.data !== "string") return fail(`${path}.data`, "expected a base64 string");
  return { term: uintAt(v, "term", `${path}.term`), index: uintAt(v, "index", `${path}.index`), type, data: fromB64(v.data) };
}

/**
 * JSON-parsed object → validated Message. Hand-written for the fields every message carries: this
 * runs for each message a node receives, and zod's generic parse was the largest allocator on a
 * follower. Snapshots (rare, large) still go through their zod schema. Unknown fields are dropped.
 */
export function fromWire(raw: unknown): Message {
  if (!isObj(raw)) return fail("(root)", "expected an object");
  const type = raw.type;
  if (typeof type !== "string" || !TYPES.has(type)) return fail("type", `expected one of ${MESSAGE_TYPES.join(", ")}`);
  const msg: Message = { type: type as Message["type"], from: idAt(raw, "from"), to: idAt(raw, "to"), term: uintAt(raw, "term") };
  for (const key of ["index", "logTerm", "commit"] as const) if (raw[key] !== undefined) msg[key] = uintAt(raw, key);
  if (raw.reject !== undefined) msg.reject = typeof raw.reject === "boolean" ? raw.reject : fail("reject", "expected a boolean");
  if (raw.context !== undefined) msg.context = typeof raw.context === "string" ? raw.context : fail("context", "expected a string");
  if (raw.rejectHint !== undefined) {
    const h = isObj(raw.rejectHint) ? raw.rejectHint : fail("rejectHint", "expected an object");
    msg.rejectHint = { term: uintAt(h, "term", "rejectHint.term"), index: uintAt(h, "index", "rejectHint.index") };
  }
  if (raw.entries !== undefined) {
    if (!Array.isArray(raw.entries)) return fail("entries", "expected an array");
    msg.entries = raw.entries.map(entryAt);
  }
  if (raw.snapshot !== undefined) msg.snapshot = snapshotOf(raw.snapshot);
  return msg;
}

function snapshotOf(raw: unknown): Snapshot {
  const parsed = wireSnapshot.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new MessageDecodeError(`snapshot.${i.path.join(".")}: ${i.message}`, { cause: parsed.error });
  }
  return { meta: parsed.data.meta, data: fromB64(parsed.data.data) };
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
