import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BlockHeader } from "../../src/blocks";
import type { Entry } from "../../src/core/types";
import { OrdererMetrics } from "../../src/metrics/metrics";
import type { BlockRecorder } from "../../src/node/block-recorder";
import type { OrderLedger } from "../../src/node/ledger";
import { decodeSnapshotData } from "../../src/node/snapshot-data";
import { SnapshotScheduler } from "../../src/node/snapshots";
import { FileStorage } from "../../src/storage/file-storage";
import { capturingLog } from "../helpers/capturing-log";

const CONF = { members: [{ id: "n1", role: "trading-centre" as const }] };
const entry = (index: number): Entry => ({ index, term: 1, type: "normal", data: Uint8Array.from([index]) });
const HEAD: BlockHeader = { number: 4, raftIndex: 9, timestamp: 1000, parentHash: "0x" + "01".repeat(32), hash: "0x" + "02".repeat(32) };

/**
 * A scheduler over a real FileStorage holding entries 1..20 (snapshot every 5 applied entries, `keep` kept behind), a
 * ledger that has applied `applied` and a block store durable through `durable` (no gap unless `gap` is set).
 */
function rig(keep = 2) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-snapshots-"));
  const storage = FileStorage.open(dir, { fsync: false });
  storage.save({ term: 1, vote: null, commit: 20 }, Array.from({ length: 20 }, (_, i) => entry(i + 1)));
  const state = { applied: 0, made: 0, durable: 0, gap: null as string | null };
  const ledger = { get appliedIndex() { return state.applied; }, snapshot: () => Uint8Array.from([0xaa, state.applied]) };
  const recorder = {
    get madeIndex() { return state.made; },
    get durableRaftIndex() { return state.durable; },
    get gapReason() { return state.gap; },
    snapshotHead: HEAD,
  };
  const metrics = new OrdererMetrics({ nodeId: "n1" });
  const { log, lines } = capturingLog();
  const scheduler = new SnapshotScheduler(
    { storage, ledger: ledger as unknown as OrderLedger, recorder: recorder as unknown as BlockRecorder, conf: () => CONF, metrics, log, every: 5, keep },
    0,
  );
  /** The ledger applied through `index` and the recorder made blocks through it; durable through `durable`. */
  const apply = (index: number, durable = index) => {
    state.applied = index;
    state.made = index;
    state.durable = durable;
    scheduler.maybeSnapshot();
  };
  const taken = async () => Number((await metrics.registry.getSingleMetricAsString("orderer_snapshots_taken_total")).trim().split(" ").pop());
  return { dir, storage, state, scheduler, apply, taken, lines };
}

describe("node/snapshots: when a node snapshots its ledger and compacts its log (Raft §7)", function () {
  let r: ReturnType<typeof rig>;
  beforeEach(function () {
    r = rig();
  });
  afterEach(function () {
    r.storage.close();
    fs.rmSync(r.dir, { recursive: true, force: true });
  });

  it("takes no snapshot before `every` entries applied since the last one", async function () {
    r.apply(4);
    expect(r.storage.snapshot().meta.index).to.equal(0);
    expect(r.scheduler.lastIndex).to.equal(0);
    expect(await r.taken()).to.equal(0);
  });

  it("snapshots at exactly `every` applied entries, with the ledger, the chain head and the configuration, and compacts keeping `keep` entries", async function () {
    r.apply(5);
    const snap = r.storage.snapshot();
    expect(snap.meta).to.deep.equal({ index: 5, term: 1, conf: CONF });
    const data = decodeSnapshotData(snap.data);
    expect(data.head).to.deep.equal({ number: HEAD.number, hash: HEAD.hash, header: HEAD });
    expect([...data.ledger]).to.deep.equal([0xaa, 5]);
    expect(r.scheduler.lastIndex).to.equal(5);
    expect(r.storage.firstIndex()).to.equal(4);
    expect(await r.taken()).to.equal(1);
  });

  it("takes the next one `every` entries after the last, not after the first", function () {
    r.apply(6);
    expect(r.storage.snapshot().meta.index).to.equal(6);
    r.apply(10);
    expect(r.storage.snapshot().meta.index).to.equal(6);
    r.apply(11);
    expect(r.storage.snapshot().meta.index).to.equal(11);
    expect(r.storage.firstIndex()).to.equal(10);
  });

  it("compacts from the log's first entry on, and not while the snapshot is within `keep` entries of it", function () {
    r.storage.close();
    fs.rmSync(r.dir, { recursive: true, force: true });
    r = rig(5);
    r.apply(5);
    expect(r.storage.snapshot().meta.index).to.equal(5);
    expect(r.storage.firstIndex()).to.equal(1);
    r.storage.close();
    fs.rmSync(r.dir, { recursive: true, force: true });
    r = rig(4);
    r.apply(5);
    expect(r.storage.firstIndex()).to.equal(2);
  });

  it("says which snapshot it took and where the log now starts, also when it had been compacted further", function () {
    const logged = () => r.lines.map((l) => [l.msg, l.index, l.compactedTo]);
    r.apply(5);
    r.apply(11);
    expect(logged()).to.deep.equal([
      ["snapshot taken", 5, 3],
      ["snapshot taken", 11, 9],
    ]);
    r.storage.close();
    fs.rmSync(r.dir, { recursive: true, force: true });
    // A log compacted through 3 already (behind an earlier snapshot) and a snapshot at 5 keeping 5 entries: no compaction.
    r = rig(5);
    r.storage.createSnapshot(3, CONF, Uint8Array.from([1]));
    r.storage.compact(3);
    r.apply(5);
    expect(r.storage.firstIndex()).to.equal(4);
    expect(logged()).to.deep.equal([["snapshot taken", 5, 3]]);
  });

  describe("when the blocks it covers are not yet durable in the block store", function () {
    it("waits, and writes the snapshot taken then (not a later one) once they are", async function () {
      r.apply(5, 4);
      expect(r.storage.snapshot().meta.index).to.equal(0);
      expect(await r.taken()).to.equal(0);
      // More applied meanwhile: the snapshot due still covers index 5, with the ledger as it was then.
      r.state.applied = 7;
      r.state.made = 7;
      r.scheduler.maybeSnapshot();
      expect(r.storage.snapshot().meta.index).to.equal(0);
      r.state.durable = 5;
      r.scheduler.maybeSnapshot();
      const snap = r.storage.snapshot();
      expect(snap.meta.index).to.equal(5);
      expect([...decodeSnapshotData(snap.data).ledger]).to.deep.equal([0xaa, 5]);
      expect(r.scheduler.lastIndex).to.equal(5);
      expect(await r.taken()).to.equal(1);
    });

    it("writes it when the store has a gap it cannot fill (nothing will become durable there)", function () {
      r.apply(5, 0);
      expect(r.storage.snapshot().meta.index).to.equal(0);
      r.state.gap = "stuck";
      r.scheduler.maybeSnapshot();
      expect(r.storage.snapshot().meta.index).to.equal(5);
    });

    it("drops it when a leader's snapshot is installed meanwhile, and counts from that one", function () {
      r.apply(5, 0);
      r.scheduler.installed(8);
      expect(r.scheduler.lastIndex).to.equal(8);
      r.state.durable = 20;
      r.apply(12);
      expect(r.storage.snapshot().meta.index).to.equal(0);
      r.apply(13);
      expect(r.storage.snapshot().meta.index).to.equal(13);
    });
  });
});
