import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import type { Entry, HardState, Message } from "../../src/core/types";
import { OrdererNode } from "../../src/node/node";
import type { Transport, TransportFactory } from "../../src/transport/transport";
import { FileStorage } from "../../src/storage/file-storage";
import { clusterConfigs, waitFor } from "./harness";

/** What reached the disk and the wire, in the order it happened. */
export type RigEvent =
  | { kind: "saved"; term: number | undefined; vote: string | null | undefined; entries: number }
  | { kind: "sent"; messages: Message[] };

export interface Rig {
  node: OrdererNode;
  events: RigEvent[];
  deliver(m: Omit<Message, "to">): void;
  /** The next save throws this error instead of writing. */
  failNextSave(err: Error): void;
  fatal: Error[];
  dir: string;
  /** What the transport's own `droppedCount` answers (the TCP transport counts its full queues there). */
  transportDropped: number;
  /** The transport reports a message it refused (the TCP transport: bad authentication, unknown sender). */
  reportDrop(reason: string): void;
}

export interface RigOptions {
  /** Default 60 s: the node never ticks during a test, so every message it sends answers one delivered here. */
  tickMs?: number;
  electionTicks?: number;
  /** Gives the transport a `droppedCount` (answering `rig.transportDropped`), as the TCP transport has. */
  countsDrops?: boolean;
}

/**
 * Node n2 of three (n1 plays the leader by hand), with a transport that records every send and a
 * FileStorage whose `save` records when it has returned.
 */
export async function followerRig(opts: RigOptions = {}): Promise<Rig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-durable-"));
  const roles = ["trading-centre", "trading-centre", "participant"] as const;
  const config = clusterConfigs({ roles: [...roles], tickMs: opts.tickMs ?? 60_000, electionTicks: opts.electionTicks }, dir)[1]!;
  const events: RigEvent[] = [];
  const fatal: Error[] = [];
  let failure: Error | null = null;
  let onMessage: ((m: Message) => void) | null = null;
  const rig = { events, fatal, dir, transportDropped: 0 } as Rig;
  const transport: TransportFactory = (handler, onDropped) => {
    onMessage = handler;
    rig.reportDrop = onDropped;
    const t: Transport = {
      async start() {},
      send(messages) {
        events.push({ kind: "sent", messages: structuredClone(messages) });
      },
      async close() {},
      ...(opts.countsDrops === true ? { droppedCount: () => rig.transportDropped } : {}),
    };
    return t;
  };
  const openStorage = (d: string, o: Parameters<typeof FileStorage.open>[1]): FileStorage => {
    const storage = FileStorage.open(d, o);
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
  rig.node = new OrdererNode({ config, logger: pino({ level: "silent" }), transport, openStorage, onFatal: (err) => fatal.push(err) });
  await rig.node.start();
  rig.deliver = (m) => onMessage!({ ...m, to: "n2" } as Message);
  rig.failNextSave = (err) => (failure = err);
  return rig;
}

export async function stopRig(rig: Rig): Promise<void> {
  await rig.node.stop();
  fs.rmSync(rig.dir, { recursive: true, force: true });
}

export const entry = (index: number, term: number, data: Uint8Array = new Uint8Array(0)): Entry => ({ index, term, type: "normal", data });

/** The first recorded send carrying a message of `type`, and its position among the events. */
export async function sentOf(rig: Rig, type: Message["type"]): Promise<{ at: number; message: Message }> {
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
export const settle = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));
