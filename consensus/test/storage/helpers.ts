import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Entry } from "../../src/core/types";
import { FileStorage, type FileStorageOptions } from "../../src/storage/file-storage";

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

/**
 * A fresh data dir per test (mocha hooks registered in the calling `describe`), and the FileStorages opened on it,
 * closed after each test unless `forget` was told a test closed one itself.
 */
export function storageRig(prefix: string): {
  readonly dir: string;
  open(opts?: FileStorageOptions): FileStorage;
  reopen(s: FileStorage, opts?: FileStorageOptions): FileStorage;
  forget(s: FileStorage): void;
} {
  let dir = "";
  let open: FileStorage[] = [];
  beforeEach(function () {
    dir = tempDir(prefix);
    open = [];
  });
  afterEach(function () {
    open.forEach((s) => s.close());
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const rig = {
    get dir() {
      return dir;
    },
    open(opts: FileStorageOptions = {}): FileStorage {
      const s = FileStorage.open(dir, opts);
      open.push(s);
      return s;
    },
    reopen(s: FileStorage, opts: FileStorageOptions = {}): FileStorage {
      s.close();
      open = open.filter((x) => x !== s);
      return rig.open(opts);
    },
    forget(s: FileStorage): void {
      open = open.filter((x) => x !== s);
    },
  };
  return rig;
}
