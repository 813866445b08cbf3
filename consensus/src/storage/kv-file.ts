import fs from "node:fs";
import path from "node:path";
import { KvFileCorruptionError } from "./errors";
import { mkdirDurable, writeFileAtomic } from "./fs-util";
import { frameRecord, readRecordAt } from "./record";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const KV_MAGIC = Buffer.from("DPLCKV01", "ascii");
const KV_RECORD_TYPE = 4;

/**
 * A small durable key-value file (e.g. the applier's "last applied block" checkpoint). Every `set`
 * replaces the file atomically (temp + fsync + rename + fsync dir), so after a crash it holds either
 * the previous or the new values, checksummed.
 */
export class DurableKv {
  private values: Record<string, JsonValue> = {};

  constructor(
    readonly file: string,
    private readonly opts: { fsync?: boolean } = {},
  ) {
    const dir = path.dirname(file);
    mkdirDurable(dir, opts.fsync ?? true);
    // Temp files of an interrupted replace of this file (only ours: the dir may be shared).
    const prefix = `.${path.basename(file)}.`;
    for (const n of fs.readdirSync(dir)) {
      if (n.startsWith(prefix) && n.endsWith(".tmp")) fs.rmSync(path.join(dir, n), { force: true });
    }
    if (fs.existsSync(file)) this.values = readKvFile(file);
  }

  get(key: string): JsonValue | undefined {
    return Object.prototype.hasOwnProperty.call(this.values, key) ? this.values[key] : undefined;
  }

  /** The value as a number, or `fallback` when absent; throws if present but not a number. */
  getNumber(key: string, fallback: number): number {
    const v = this.get(key);
    if (v === undefined) return fallback;
    if (typeof v !== "number") throw new KvFileCorruptionError(this.file, `"${key}" is not a number`);
    return v;
  }

  all(): Record<string, JsonValue> {
    return JSON.parse(JSON.stringify(this.values)) as Record<string, JsonValue>;
  }

  set(key: string, value: JsonValue): void {
    this.setMany({ [key]: value });
  }

  /** Updates several keys in one atomic replace: a crash never leaves half of them written. */
  setMany(updates: Record<string, JsonValue>): void {
    const next = { ...this.values, ...JSON.parse(JSON.stringify(updates)) } as Record<string, JsonValue>;
    this.write(next);
  }

  delete(key: string): void {
    if (this.get(key) === undefined) return;
    const next = { ...this.values };
    delete next[key];
    this.write(next);
  }

  private write(next: Record<string, JsonValue>): void {
    const payload = Buffer.from(JSON.stringify(next), "utf8");
    writeFileAtomic(this.file, Buffer.concat([KV_MAGIC, frameRecord(KV_RECORD_TYPE, payload)]), {
      fsync: this.opts.fsync ?? true,
    });
    this.values = next;
  }
}

function readKvFile(file: string): Record<string, JsonValue> {
  const buf = fs.readFileSync(file);
  if (!buf.subarray(0, KV_MAGIC.length).equals(KV_MAGIC)) throw new KvFileCorruptionError(file, "bad header");
  const got = readRecordAt(buf, KV_MAGIC.length);
  if (got === null || got.record.type !== KV_RECORD_TYPE || got.next !== buf.length) {
    throw new KvFileCorruptionError(file, "checksum mismatch or truncated");
  }
  try {
    const parsed = JSON.parse(got.record.payload.toString("utf8")) as unknown;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, JsonValue>;
  } catch (err) {
    throw new KvFileCorruptionError(file, (err as Error).message, { cause: err });
  }
}
