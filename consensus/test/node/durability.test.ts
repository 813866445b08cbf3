import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import type { Entry, HardState, Message } from "../../src/core/types";
import { OrdererNode } from "../../src/node/node";
import type { Transport, TransportFactory } from "../../src/transport/transport";
import { StorageError } from "../../src/storage/errors";
import { FileStorage } from "../../src/storage/file-storage";
import { clusterConfigs, waitFor } from "./harness";

/** What reached the disk and the wire, in the order it happened. */
type Event =
  | { kind: "saved"; term: number | undefined; vote: string | null | undefined; entries: number }
  | { kind: "sent"; messages: Message[] };

interface Rig {
  node: OrdererNode;
  events: Event[];
  deliver(m: Omit<Message, "to">): void;
  /** The next save throws this error instead of writing. */
  failNextSave(err: Error): void;
  fatal: Error[];
  dir: string;
}

/**
 * Node n2 of three (n1 plays the leader by hand), with a transport that records every send and a
 * FileStorage whose `save` records when it has returned. Ticks are a minute apart, so the node
 * never campaigns on its own: every message it sends answers one delivered here.
 */
async function followerRig(): Promise<Rig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-durable-"));
  const config = clusterConfigs({ roles: ["trading-centre", "trading-centre", "participant"], tickMs: 60_000 }, dir)[1]!;
  const events: Event[] = [];
  const fatal: Error[] = [];
  let failure: Error | null = null;
  let onMessage: ((m: Message) => void) | null = null;
  const transport: TransportFactory = (handler) => {
    onMessage = handler;
    const t: Transport = {
      async start() {},
      send(messages) {
        events.push({ kind: "sent", messages: structuredClone(messages) });
      },
      async close() {},
    };
    return t;
  };
  const openStorage = (d: string, opts: Parameters<typeof FileStorage.open>[1]): FileStorage => {
    const storage = FileStorage.open(d, opts);
    const save = storage.save.bind(storage);
    storage.save = (hs: HardState | null | undefined, entries: Entry[], snap) => {
      if (failure !== null) {
        const err = failure;
        failure = null;
        throw err;
      }
      save(hs, entries, snap);
      events.push({ kind: "saved", term: hs?.term, vote: hs?.vote, entries: entries.length });
    };
    return storage;
  };
  const node = new OrdererNode({
    config,
    logger: pino({ level: "silent" }),
    transport,
    openStorage,
    onFatal: (err) => fatal.push(err),
  });
  await node.start();
  return {
    node,
    events,
    fatal,
    dir,
    deliver: (m) => onMessage!({ ...m, to: "n2" } as Message),
    failNextSave: (err) => (failure = err),
  };
}

const entry = (index: number, term: number): Entry => ({ index, term, type: "normal", data: new Uint8Array(0) });

/** The first recorded send carrying a message of `type`, and its position among the events. */
async function sentOf(rig: Rig, type: Message["type"]): Promise<{ at: number; message: Message }> {
  return waitFor(
    () => {
      for (let at = 0; at < rig.events.length; at++) {
        const ev = rig.events[at]!;
        const message = ev.kind === "sent" ? ev.messages.find((m) => m.type === type) : undefined;
        if (message !== undefined) return { at, message };
      }
      return undefined;
    },
    5_000,
    `a ${type} on the transport`,
  );
}

/** Lets every scheduled drain run. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

// Raft §5.1/Figure 2: currentTerm, votedFor and log[] are updated on stable storage before
// responding to RPCs. A vote or an acknowledgement that leaves before its write is durable can be
// forgotten by a crash: the node votes twice in a term, or a leader commits an entry a majority
// no longer holds.
describe("node: durable before visible (Raft §5.1, etcd's Ready order)", function () {
  this.timeout(20_000);
  let rig: Rig;

  beforeEach(async function () {
    rig = await followerRig();
  });

  afterEach(async function () {
    await rig.node.stop();
    fs.rmSync(rig.dir, { recursive: true, force: true });
  });

  describe("when a candidate of a new term asks for a vote", function () {
    it("saves the new term and the vote before the voteResp reaches the transport", async function () {
      rig.deliver({ type: "vote", from: "n1", term: 5, index: 1, logTerm: 1 });
      const { at, message } = await sentOf(rig, "voteResp");
      expect(message.reject ?? false).to.equal(false);
      expect(message.term).to.equal(5);
      const saved = rig.events.slice(0, at).filter((e) => e.kind === "saved");
      expect(saved).to.deep.include({ kind: "saved", term: 5, vote: "n1", entries: 0 });
      expect(rig.events.slice(0, at).some((e) => e.kind === "sent")).to.equal(false);
    });
  });

  describe("when the leader appends an entry to a follower", function () {
    it("saves the entry before the appendResp acknowledging it reaches the transport", async function () {
      rig.deliver({ type: "heartbeat", from: "n1", term: 5, commit: 1 });
      await sentOf(rig, "heartbeatResp");
      const before = rig.events.length;
      rig.deliver({ type: "append", from: "n1", term: 5, index: 1, logTerm: 1, entries: [entry(2, 5)], commit: 1 });
      const { at, message } = await sentOf(rig, "appendResp");
      expect(message.reject ?? false).to.equal(false);
      expect(message.index).to.equal(2);
      const between = rig.events.slice(before, at);
      // The term is durable already (the heartbeat's save): this save carries the entry alone.
      expect(between).to.deep.equal([{ kind: "saved", term: undefined, vote: undefined, entries: 1 }]);
    });
  });

  describe("when the save throws", function () {
    it("sends nothing, halts and reports the error once", async function () {
      const err = new StorageError("disk full");
      rig.failNextSave(err);
      rig.deliver({ type: "append", from: "n1", term: 5, index: 1, logTerm: 1, entries: [entry(2, 5)], commit: 1 });
      await waitFor(() => (rig.fatal.length > 0 ? true : undefined), 5_000, "the node to halt");
      // Later messages are refused too: the failed Ready's acknowledgement must never go out.
      rig.deliver({ type: "vote", from: "n3", term: 7, index: 2, logTerm: 5 });
      rig.deliver({ type: "append", from: "n1", term: 5, index: 1, logTerm: 1, entries: [entry(2, 5)], commit: 1 });
      await settle();
      expect(rig.fatal).to.deep.equal([err]);
      expect(rig.events).to.deep.equal([]);
    });
  });
});
