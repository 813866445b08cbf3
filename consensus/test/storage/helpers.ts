import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Entry } from "../../src/core/types";

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dplc-${prefix}-`));
}

export function entry(index: number, term: number, body = `e${index}t${term}`): Entry {
  return { index, term, type: "normal", data: new Uint8Array(Buffer.from(body)) };
}

export function range(lo: number, hi: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i <= hi; i++) out.push(entry(i, term));
  return out;
}

/** Entries as comparable plain values (Uint8Array contents as strings). */
export function plain(ents: Entry[]): Array<{ index: number; term: number; type: string; data: string }> {
  return ents.map((e) => ({ index: e.index, term: e.term, type: e.type, data: Buffer.from(e.data).toString("hex") }));
}

/** Runs `fn` counting fsync calls (of any fd). */
export function countSyncs(fn: () => void): number {
  const original = fs.fsyncSync;
  let n = 0;
  fs.fsyncSync = (fd: number) => {
    n++;
    original(fd);
  };
  try {
    fn();
  } finally {
    fs.fsyncSync = original;
  }
  return n;
}
