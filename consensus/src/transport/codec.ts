import { z } from "zod";
import type { Entry, Message, MessageType, Snapshot } from "../core";
import { MessageDecodeError } from "./errors";
import { WireReader, WireWriter } from "./wire";

/**
 * Raft messages on the wire, binary: a version byte, the type as a byte, a byte of flags naming
 * the optional fields present, then the fields in a fixed order (integers as 8 bytes, strings and
 * bytes length-prefixed). Entry and snapshot data travel as raw bytes, not base64 inside JSON.
 * Decoding checks every field, so a buggy or hostile (but authenticated) peer cannot crash the core.
 */
const VERSION = 1;

/** Wire code = index; append new types at the end only. */
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
] as const satisfies readonly MessageType[];

const TYPE_CODE = new Map<string, number>(MESSAGE_TYPES.map((t, i) => [t, i]));

const F_INDEX = 1;
const F_LOG_TERM = 2;
const F_COMMIT = 4;
const F_REJECT = 8;
const F_HINT = 16;
const F_ENTRIES = 32;
const F_SNAPSHOT = 64;
const F_CONTEXT = 128;

/** A batch frame: this byte, a u32 count, then each message length-prefixed. */
const BATCH_KIND = 0x01;

const uint = z.number().int().nonnegative();
const snapshotMeta = z.object({
  index: uint,
  term: uint,
  conf: z
    .object({
      members: z.array(z.object({ id: z.string(), role: z.enum(["trading-centre", "participant", "learner"]) }).passthrough()),
      pool: z.array(z.string()).optional(),
    })
    .passthrough(),
});

function flagsOf(m: Message): number {
  let f = 0;
  if (m.index !== undefined) f |= F_INDEX;
  if (m.logTerm !== undefined) f |= F_LOG_TERM;
  if (m.commit !== undefined) f |= F_COMMIT;
  if (m.reject !== undefined) f |= F_REJECT;
  if (m.rejectHint !== undefined) f |= F_HINT;
  if (m.entries !== undefined) f |= F_ENTRIES;
  if (m.snapshot !== undefined) f |= F_SNAPSHOT;
  if (m.context !== undefined) f |= F_CONTEXT;
  return f;
}

function writeMessage(w: WireWriter, m: Message): void {
  const code = TYPE_CODE.get(m.type);
  if (code === undefined) throw new TypeError(`unknown message type ${m.type}`);
  w.u8(VERSION).u8(code).u8(flagsOf(m)).str(m.from).str(m.to).uint(m.term);
  if (m.index !== undefined) w.uint(m.index);
  if (m.logTerm !== undefined) w.uint(m.logTerm);
  if (m.commit !== undefined) w.uint(m.commit);
  if (m.reject !== undefined) w.u8(m.reject ? 1 : 0);
  if (m.rejectHint !== undefined) w.uint(m.rejectHint.term).uint(m.rejectHint.index);
  if (m.entries !== undefined) {
    w.u32(m.entries.length);
    for (const e of m.entries) w.uint(e.term).uint(e.index).u8(e.type === "config" ? 1 : 0).bytes(e.data);
  }
  if (m.snapshot !== undefined) w.str(JSON.stringify(m.snapshot.meta)).bytes(m.snapshot.data);
  if (m.context !== undefined) w.str(m.context);
}

/**
 * Copies out of the frame: a view would keep the whole socket read buffer alive in the log. Small
 * copies come from Node's shared buffer pool, not an ArrayBuffer each (fewer for the GC to track).
 */
const copy = (b: Buffer): Uint8Array => Buffer.from(b);

function readEntries(r: WireReader): Entry[] {
  const n = r.u32("entries");
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push(readEntry(r));
    } catch (err) {
      // Field labels are constant on the hot path; the entry's position is added only on failure.
      if (err instanceof MessageDecodeError) throw new MessageDecodeError(`entries.${i}.${err.detail}`, { cause: err });
      throw err;
    }
  }
  return out;
}

function readEntry(r: WireReader): Entry {
  const term = r.uint("term");
  const index = r.uint("index");
  const t = r.u8("type");
  if (t > 1) throw new MessageDecodeError(`type: expected 0 (normal) or 1 (config), got ${t}`);
  return { term, index, type: t === 1 ? "config" : "normal", data: copy(r.bytes("data")) };
}

function readSnapshot(r: WireReader): Snapshot {
  let meta: unknown;
  try {
    meta = JSON.parse(r.str("snapshot.meta"));
  } catch (err) {
    if (err instanceof MessageDecodeError) throw err;
    throw new MessageDecodeError(`snapshot.meta: not JSON`, { cause: err });
  }
  const parsed = snapshotMeta.safeParse(meta);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new MessageDecodeError(`snapshot.meta.${i.path.join(".")}: ${i.message}`, { cause: parsed.error });
  }
  return { meta: parsed.data, data: copy(r.bytes("snapshot.data")) };
}

function readMessage(r: WireReader): Message {
  const version = r.u8("version");
  if (version !== VERSION) throw new MessageDecodeError(`version: expected ${VERSION}, got ${version}`);
  const code = r.u8("type");
  const type = MESSAGE_TYPES[code];
  if (type === undefined) throw new MessageDecodeError(`type: unknown code ${code}`);
  const f = r.u8("flags");
  const from = r.str("from");
  const to = r.str("to");
  if (from.length === 0) throw new MessageDecodeError("from: expected a non-empty string");
  if (to.length === 0) throw new MessageDecodeError("to: expected a non-empty string");
  const m: Message = { type, from, to, term: r.uint("term") };
  if (f & F_INDEX) m.index = r.uint("index");
  if (f & F_LOG_TERM) m.logTerm = r.uint("logTerm");
  if (f & F_COMMIT) m.commit = r.uint("commit");
  if (f & F_REJECT) m.reject = r.u8("reject") === 1;
  if (f & F_HINT) m.rejectHint = { term: r.uint("rejectHint.term"), index: r.uint("rejectHint.index") };
  if (f & F_ENTRIES) m.entries = readEntries(r);
  if (f & F_SNAPSHOT) m.snapshot = readSnapshot(r);
  if (f & F_CONTEXT) m.context = r.str("context");
  return m;
}

/** One message, alone. */
export function encodeMessage(msg: Message): Buffer {
  const w = new WireWriter();
  writeMessage(w, msg);
  return Buffer.from(w.finish());
}

/** Decodes exactly one message; throws MessageDecodeError naming the field at fault. */
export function decodeMessage(buf: Buffer): Message {
  const r = new WireReader(buf);
  const m = readMessage(r);
  if (!r.done) throw new MessageDecodeError(`${buf.length - r.offset} trailing byte(s)`);
  return m;
}

/**
 * A frame body holding `messages`. `headroom` bytes are left free at the front (for the frame
 * header and MAC, written there later) so the frame needs no further copy.
 */
export function encodeBatch(messages: Message[], headroom = 0): Buffer {
  let hint = headroom + 64;
  for (const m of messages) hint += 96 + (m.entries?.reduce((s, e) => s + 32 + e.data.byteLength, 0) ?? 0);
  const w = new WireWriter(hint);
  w.reserve(headroom);
  w.u8(BATCH_KIND).u32(messages.length);
  for (const m of messages) {
    const at = w.reserve(4);
    writeMessage(w, m);
    w.patchU32(at, w.length - at - 4);
  }
  return w.finish();
}

/**
 * Decodes a frame body from `encodeBatch`. A broken frame (wrong kind, truncated framing) throws;
 * a message that does not decode comes back as its MessageDecodeError, the rest still decode.
 */
export function decodeBatch(body: Buffer): Array<Message | MessageDecodeError> {
  const r = new WireReader(body);
  const kind = r.u8("frame kind");
  if (kind !== BATCH_KIND) throw new MessageDecodeError(`frame kind: expected ${BATCH_KIND}, got ${kind}`);
  const n = r.u32("message count");
  const out: Array<Message | MessageDecodeError> = [];
  for (let i = 0; i < n; i++) {
    const len = r.u32("message length");
    const start = r.offset;
    r.skip(len, "message");
    const one = new WireReader(body, start, start + len);
    try {
      const m = readMessage(one);
      if (!one.done) throw new MessageDecodeError(`${start + len - one.offset} trailing byte(s)`);
      out.push(m);
    } catch (err) {
      if (!(err instanceof MessageDecodeError)) throw err;
      out.push(err);
    }
  }
  if (!r.done) throw new MessageDecodeError(`${body.length - r.offset} trailing byte(s) after the batch`);
  return out;
}
