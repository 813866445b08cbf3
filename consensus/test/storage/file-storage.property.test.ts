import { expect } from "chai";
import fc from "fast-check";
import fs from "node:fs";
import { MemoryStorage } from "../../src/core/storage";
import type { ConfState, Entry, HardState } from "../../src/core/types";
import { FileStorage } from "../../src/storage/file-storage";
import { plain, tempDir } from "./helpers";

/**
 * FileStorage must answer exactly like the core's MemoryStorage (the reference model) under any
 * sequence of saves, snapshots, compactions and restarts. A restart differs from the model only in
 * documented ways: the log restarts at the newest snapshot, and commit is at least its index.
 */
type Op =
  | { kind: "save"; at: number; count: number; termBump: number; size: number; hs: boolean; commitFrac: number }
  | { kind: "applySnapshot"; ahead: number; termBump: number }
  | { kind: "createSnapshot"; frac: number }
  | { kind: "compact"; frac: number }
  | { kind: "reopen" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("save" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), count: fc.integer({ min: 0, max: 6 }), termBump: fc.integer({ min: 0, max: 2 }), size: fc.integer({ min: 0, max: 3000 }), hs: fc.boolean(), commitFrac: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("applySnapshot" as const), ahead: fc.integer({ min: 0, max: 5 }), termBump: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("createSnapshot" as const), frac: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("compact" as const), frac: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: "reopen" as const }) },
);

const CONF: ConfState = { members: [{ id: "a", role: "trading-centre" }] };
// Tiny segments: most saves roll a segment, so compaction deletes segments all the time.
const OPTS = { fsync: false, segmentBytes: 4096 };

function check(file: FileStorage, model: MemoryStorage): void {
  expect(file.firstIndex(), "firstIndex").to.equal(model.firstIndex());
  expect(file.lastIndex(), "lastIndex").to.equal(model.lastIndex());
  expect(file.term(file.firstIndex() - 1), "term at log start").to.equal(model.term(model.firstIndex() - 1));
  expect(plain(file.entries(file.firstIndex(), file.lastIndex() + 1))).to.deep.equal(
    plain(model.entries(model.firstIndex(), model.lastIndex() + 1)),
  );
  expect(file.initialState()).to.deep.equal(model.initialState());
  expect(file.snapshot().meta).to.deep.equal(model.snapshot().meta);
}

function step(op: Op, file: FileStorage, model: MemoryStorage, dir: string): FileStorage {
  const snapIdx = model.snapshot().meta.index;
  const last = model.lastIndex();
  const lastTerm = model.term(last);
  if (op.kind === "save") {
    const lo = Math.max(model.firstIndex(), snapIdx + 1);
    const start = Math.min(last + 1, lo + Math.floor(op.at * (last + 1 - lo + 1)));
    const base = start - 1 >= model.firstIndex() - 1 ? model.term(Math.min(start - 1, last)) : lastTerm;
    const ents: Entry[] = [];
    for (let k = 0; k < op.count; k++) {
      ents.push({ index: start + k, term: base + op.termBump, type: k % 3 === 2 ? "config" : "normal", data: new Uint8Array(op.size).fill(k) });
    }
    const newLast = ents.length > 0 ? start + ents.length - 1 : last;
    const hs: HardState | null = op.hs ? { term: lastTerm + op.termBump, vote: op.termBump % 2 ? "a" : null, commit: Math.floor(op.commitFrac * newLast) } : null;
    file.save(hs, ents);
    model.append(ents);
    if (hs !== null) model.setHardState(hs);
  } else if (op.kind === "applySnapshot") {
    const snap = { meta: { index: last + op.ahead, term: lastTerm + op.termBump, conf: CONF }, data: new Uint8Array([op.ahead]) };
    if (snap.meta.index < snapIdx || snap.meta.index === 0) return file;
    file.save(null, [], snap);
    model.applySnapshot(snap);
  } else if (op.kind === "createSnapshot") {
    const idx = snapIdx + 1 + Math.floor(op.frac * (last - snapIdx));
    if (idx > last) return file;
    file.createSnapshot(idx, CONF, new Uint8Array([idx % 256]));
    model.createSnapshot(idx, CONF, new Uint8Array([idx % 256]));
  } else if (op.kind === "compact") {
    const offset = model.firstIndex() - 1;
    const idx = offset + 1 + Math.floor(op.frac * (snapIdx - offset));
    if (idx > snapIdx || idx <= offset) return file;
    file.compact(idx);
    model.compact(idx);
  } else {
    file.close();
    file = FileStorage.open(dir, OPTS);
    if (snapIdx > model.firstIndex() - 1) model.compact(snapIdx);
    const hs = model.initialState().hardState;
    if (hs.commit < snapIdx) model.setHardState({ ...hs, commit: snapIdx });
  }
  return file;
}

describe("FileStorage matches MemoryStorage (property, with restarts)", function () {
  it("answers every read like the reference model after any op sequence", function () {
    const seed = Number(process.env.FC_SEED ?? 20261124);
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const dir = tempDir("fprop");
        let file = FileStorage.open(dir, OPTS);
        const model = new MemoryStorage();
        try {
          for (const op of ops) {
            file = step(op, file, model, dir);
            check(file, model);
          }
          file = step({ kind: "reopen" }, file, model, dir);
          check(file, model);
        } finally {
          file.close();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { seed, numRuns: 80 },
    );
  });
});
