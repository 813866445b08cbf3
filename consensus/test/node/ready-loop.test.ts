import { expect } from "chai";
import { seededRandom } from "../../src/core/config";
import { encodeConfChange } from "../../src/core/membership";
import { RawNode } from "../../src/core/rawnode";
import { MemoryStorage } from "../../src/core/storage";
import type { ConfState, Entry, HardState, Message, Snapshot, SoftState } from "../../src/core/types";
import { ReadyLoop, type DurableCallback, type ReadyDisk } from "../../src/node/ready-loop";

const conf: ConfState = {
  members: [
    { id: "a", role: "trading-centre" },
    { id: "b", role: "trading-centre" },
    { id: "c", role: "participant" },
  ],
};

/** A disk over MemoryStorage that records each write among the loop's other effects. */
class RecordingDisk implements ReadyDisk {
  failNext: Error | null = null;
  constructor(
    private readonly storage: MemoryStorage,
    private readonly events: string[],
  ) {}

  save(hs: HardState | undefined, entries: Entry[], snapshot?: Snapshot): void {
    if (this.failNext !== null) throw this.failNext;
    if (snapshot !== undefined) this.storage.applySnapshot(snapshot);
    this.storage.append(entries);
    if (hs !== undefined) this.storage.setHardState(hs);
    this.events.push(`save entries=${entries.length} commit=${hs?.commit ?? "-"}`);
  }

  /** Background writes land at once but become durable only when the test calls `durable()`. */
  saveInBackground(hs: HardState | undefined, entries: Entry[], onDurable: DurableCallback): void {
    if (hs !== undefined) this.storage.setHardState(hs);
    this.storage.append(entries);
    this.events.push(`background entries=${entries.length} commit=${hs?.commit ?? "-"}`);
    const lastIndex = this.storage.lastIndex();
    this.pending.push(() => onDurable(null, lastIndex));
  }

  private readonly pending: (() => void)[] = [];

  durable(): void {
    for (const done of this.pending.splice(0)) done();
  }
}

interface Rig {
  raw: RawNode;
  loop: ReadyLoop;
  disk: RecordingDisk;
  events: string[];
}

interface RigOptions {
  /** The leader's own appends go to `saveInBackground`. */
  backgroundSync?: boolean;
  /** Record soft and hard states handed to the node too. */
  observe?: boolean;
  /** The members (default: the three of `conf`). */
  conf?: ConfState;
  /** Prepares the storage before the node starts (a longer log, a compaction). */
  prepare?: (storage: MemoryStorage) => void;
}

/** Node `id` of the three, its Ready loop writing to a recording disk and "sending" into `events`. */
function rig(id: string, opts: RigOptions = {}): Rig {
  const storage = new MemoryStorage(opts.conf ?? conf);
  opts.prepare?.(storage);
  const events: string[] = [];
  const disk = new RecordingDisk(storage, events);
  const raw = new RawNode({ id, random: seededRandom(1), preVote: false }, storage);
  const observers = {
    onSoftState: (ss: SoftState) => events.push(`soft ${ss.state} lead=${ss.lead ?? "-"}`),
    onHardState: (hs: HardState) => events.push(`hard term=${hs.term} vote=${hs.vote ?? "-"} commit=${hs.commit}`),
  };
  const loop = new ReadyLoop(
    raw,
    disk,
    {
      // An empty hand-over is recorded too: the transport should not be called for nothing.
      send: (ms) => (ms.length === 0 ? events.push("send nothing") : ms.forEach((m) => events.push(`send ${m.type}->${m.to}`))),
      installSnapshot: (snap) => events.push(`install ${snap.meta.index}`),
      apply: (e, c) => events.push(`apply ${e.index}${c === undefined ? "" : " conf"}`),
      onDurable: (err, lastIndex) => {
        if (err === null) raw.synced(lastIndex);
      },
      ...(opts.observe === true ? observers : {}),
    },
    { id, backgroundSync: opts.backgroundSync ?? false, durable: { term: 1, vote: null } },
  );
  return { raw, loop, disk, events };
}

/** Node a campaigns and wins b's vote; its events are cleared after the vote's Ready. */
function leaderRig(opts: RigOptions = {}): Rig {
  const r = rig("a", opts);
  r.raw.campaign();
  r.loop.drain();
  r.raw.step({ type: "voteResp", from: "b", to: "a", term: 2 });
  r.events.length = 0;
  return r;
}

const append = (term: number, index: number, logTerm: number, entries: Entry[], commit: number): Message => ({
  type: "append",
  from: "a",
  to: "b",
  term,
  index,
  logTerm,
  entries,
  commit,
});

describe("node: the Ready loop shared by the orderer and the simulator", function () {
  describe("when a new leader replicates its first entry (Raft thesis §10.2.1)", function () {
    it("hands its appends to the transport before its own write, its term and vote having been written first", function () {
      const { raw, loop, events } = rig("a");
      raw.campaign();
      loop.drain();
      expect(events).to.deep.equal(["save entries=0 commit=1", "send vote->b", "send vote->c"]);
      events.length = 0;
      raw.step({ type: "voteResp", from: "b", to: "a", term: 2 });
      loop.drain();
      expect(raw.status().state).to.equal("leader");
      expect(events.slice(0, 3)).to.deep.equal(["send append->b", "send append->c", "save entries=1 commit=-"]);
    });
  });

  describe("when a follower applies a configuration entry on a commit-only Ready", function () {
    it("writes the commit index before the change takes effect, so a restart cannot fall back to the older configuration", function () {
      const { raw, loop, events } = rig("b");
      const cc: Entry = { index: 2, term: 2, type: "config", data: encodeConfChange({ op: "addLearner", id: "d" }) };
      raw.step(append(2, 1, 1, [cc], 1));
      loop.drain();
      events.length = 0;
      raw.step(append(2, 2, 2, [], 2));
      loop.drain();
      expect(events).to.deep.equal(["save entries=0 commit=2", "send appendResp->a", "apply 2 conf"]);
    });

    it("does not write a commit-only hard state when it applies ordinary entries (etcd's MustSync)", function () {
      const { raw, loop, events } = rig("b");
      raw.step(append(2, 1, 1, [{ index: 2, term: 2, type: "normal", data: new Uint8Array([7]) }], 1));
      loop.drain();
      events.length = 0;
      raw.step(append(2, 2, 2, [], 2));
      loop.drain();
      expect(events).to.deep.equal(["send appendResp->a", "apply 2"]);
    });
  });

  describe("when the save throws", function () {
    it("sends nothing of the Ready, applies nothing and leaves it unadvanced", function () {
      const { raw, loop, disk, events } = rig("b");
      const err = new Error("disk full");
      disk.failNext = err;
      raw.step(append(2, 1, 1, [{ index: 2, term: 2, type: "normal", data: new Uint8Array([7]) }], 2));
      expect(() => loop.drain()).to.throw(err);
      expect(events).to.deep.equal([]);
      expect(() => raw.ready()).to.throw(/advance\(\) the previous Ready/);
    });
  });
  describe("when the leader writes its own appends in the background (thesis §10.2.1)", function () {
    it("sends first, counts its own copy only once the write is durable, and commits on a follower's acknowledgement meanwhile only with a quorum", function () {
      const { raw, loop, disk, events } = leaderRig({ backgroundSync: true });
      loop.drain();
      expect(events).to.deep.equal(["send append->b", "send append->c", "background entries=1 commit=-"]);
      expect(raw.syncPending).to.equal(true);
      events.length = 0;
      raw.step({ type: "appendResp", from: "b", to: "a", term: 2, index: 2 });
      loop.drain();
      // b's copy alone is not a quorum of three: the leader's unsynced copy does not count.
      expect(raw.status().commit).to.equal(1);
      expect(events.filter((e) => e.startsWith("apply"))).to.deep.equal([]);
      disk.durable();
      expect(raw.syncPending).to.equal(false);
      loop.drain();
      expect(raw.status().commit).to.equal(2);
      expect(events.filter((e) => e.startsWith("apply"))).to.deep.equal(["apply 2"]);
    });
  });

  describe("when the leader writes synchronously", function () {
    it("advances its appends as durable, so a follower's acknowledgement commits at once", function () {
      const { raw, loop, events } = leaderRig();
      loop.drain();
      expect(events).to.deep.equal(["send append->b", "send append->c", "save entries=1 commit=-"]);
      expect(raw.syncPending).to.equal(false);
      events.length = 0;
      raw.step({ type: "appendResp", from: "b", to: "a", term: 2, index: 2 });
      loop.drain();
      expect(raw.status().commit).to.equal(2);
      expect(events.filter((e) => e.startsWith("apply"))).to.deep.equal(["apply 2"]);
    });
  });

  describe("when the node's role and hard state change", function () {
    it("tells the node each soft state and each hard state, the hard state after it is written", function () {
      const { raw, loop, events } = rig("a", { observe: true });
      raw.campaign();
      loop.drain();
      expect(events).to.deep.equal(["soft candidate lead=-", "save entries=0 commit=1", "hard term=2 vote=a commit=1", "send vote->b", "send vote->c"]);
      events.length = 0;
      raw.step({ type: "voteResp", from: "b", to: "a", term: 2 });
      loop.drain();
      expect(events.slice(0, 4)).to.deep.equal(["soft leader lead=a", "send append->b", "send append->c", "save entries=1 commit=-"]);
    });
  });

  describe("when a follower receives a snapshot (§7 InstallSnapshot)", function () {
    it("writes it, installs it, and only then acknowledges it", function () {
      const { raw, loop, events } = rig("b");
      const snapshot: Snapshot = { meta: { index: 5, term: 2, conf }, data: new Uint8Array([5]) };
      raw.step({ type: "snapshot", from: "a", to: "b", term: 2, snapshot });
      loop.drain();
      expect(events).to.deep.equal(["save entries=0 commit=5", "install 5", "send appendResp->a"]);
    });
  });

  describe("when the leader sends a snapshot to a follower behind its compacted log", function () {
    it("reports it sent once the transport took it, so the follower is probed again rather than waited for", function () {
      const { raw, loop, events } = leaderRig({
        prepare: (s) => {
          s.append([2, 3, 4].map((index) => ({ index, term: 1, type: "normal" as const, data: new Uint8Array([index]) })));
          s.setHardState({ term: 1, vote: null, commit: 4 });
          s.createSnapshot(4, conf, new Uint8Array([4]));
          s.compact(4);
        },
      });
      loop.drain();
      events.length = 0;
      // c holds nothing past the bootstrap entry: its rejection asks for entries the leader compacted away.
      raw.step({ type: "appendResp", from: "c", to: "a", term: 2, index: 4, reject: true, rejectHint: { term: 1, index: 1 } });
      raw.propose(new Uint8Array([6]));
      loop.drain();
      // The snapshot waits for the leader's write like everything but its appends and heartbeats.
      expect(events.indexOf("send snapshot->c")).to.be.greaterThan(events.indexOf("save entries=1 commit=-"));
      // Reported sent, not failed: probing resumes after the snapshot's index, not from the start.
      expect(raw.status().progress.c).to.deep.equal({ state: "probe", match: 0, next: 5 });
    });
  });

  describe("when a leader's Ready both appends and commits", function () {
    it("still sends its appends before its own write: the commit index alone is no new term or vote", function () {
      const { raw, loop, events } = leaderRig();
      loop.drain();
      raw.step({ type: "appendResp", from: "b", to: "a", term: 2, index: 2 });
      loop.drain();
      raw.propose(new Uint8Array([1]));
      loop.drain();
      events.length = 0;
      // c's acknowledgement commits entry 3 (with a's copy) while a new proposal appends entry 4.
      raw.step({ type: "appendResp", from: "c", to: "a", term: 2, index: 3 });
      raw.propose(new Uint8Array([2]));
      loop.drain();
      expect(events).to.deep.equal(["send append->b", "send append->c", "send append->b", "send append->c", "save entries=1 commit=3", "apply 3"]);
    });

    it("sends the heartbeats of the same Ready before its write too", function () {
      const { raw, loop, events } = leaderRig();
      loop.drain();
      raw.step({ type: "appendResp", from: "b", to: "a", term: 2, index: 2 });
      loop.drain();
      events.length = 0;
      raw.propose(new Uint8Array([1]));
      raw.tick();
      loop.drain();
      expect(events).to.deep.equal(["send append->b", "send heartbeat->b", "send heartbeat->c", "save entries=1 commit=-"]);
    });
  });

  describe("when a single-voter cluster elects itself (new term and first entry in one Ready)", function () {
    it("writes synchronously even with background writes on: a new term or vote is never left unsynced", function () {
      const { raw, loop, events } = rig("a", { backgroundSync: true, conf: { members: [{ id: "a", role: "trading-centre" }] } });
      raw.campaign();
      loop.drain();
      expect(raw.status().state).to.equal("leader");
      expect(events).to.deep.equal(["save entries=1 commit=1", "apply 2"]);
      expect(raw.syncPending).to.equal(false);
    });
  });

  describe("when a node restarts with a committed configuration entry not yet applied", function () {
    it("applies it without writing anything: its commit index is on disk already", function () {
      const cc: Entry = { index: 2, term: 2, type: "config", data: encodeConfChange({ op: "addLearner", id: "d" }) };
      const { loop, events } = rig("b", {
        prepare: (s) => {
          s.append([cc]);
          s.setHardState({ term: 2, vote: null, commit: 2 });
        },
      });
      loop.drain();
      expect(events).to.deep.equal(["apply 2 conf"]);
    });
  });
});
