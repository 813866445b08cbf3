import { expect } from "chai";
import { seededRandom } from "../../src/core/config";
import { encodeConfChange } from "../../src/core/membership";
import { RawNode } from "../../src/core/rawnode";
import { MemoryStorage } from "../../src/core/storage";
import type { ConfState, Entry, HardState, Message, Snapshot } from "../../src/core/types";
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

  saveInBackground(hs: HardState | undefined, entries: Entry[], onDurable: DurableCallback): void {
    this.save(hs, entries);
    onDurable(null, this.storage.lastIndex());
  }
}

interface Rig {
  raw: RawNode;
  loop: ReadyLoop;
  disk: RecordingDisk;
  events: string[];
}

/** Node `id` of the three, its Ready loop writing to a recording disk and "sending" into `events`. */
function rig(id: string): Rig {
  const storage = new MemoryStorage(conf);
  const events: string[] = [];
  const disk = new RecordingDisk(storage, events);
  const raw = new RawNode({ id, random: seededRandom(1), preVote: false }, storage);
  const loop = new ReadyLoop(
    raw,
    disk,
    {
      send: (ms) => ms.forEach((m) => events.push(`send ${m.type}->${m.to}`)),
      installSnapshot: () => events.push("install"),
      apply: (e, c) => events.push(`apply ${e.index}${c === undefined ? "" : " conf"}`),
      onDurable: (err, lastIndex) => {
        if (err === null) raw.synced(lastIndex);
      },
    },
    { id, backgroundSync: false, durable: { term: 1, vote: null } },
  );
  return { raw, loop, disk, events };
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
});
