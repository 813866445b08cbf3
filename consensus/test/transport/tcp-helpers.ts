import net from "node:net";
import pino from "pino";
import type { Message } from "../../src/core/types";
import { TcpTransport, type TcpTransportOptions } from "../../src/transport/tcp";
import type { TestIdentity } from "./pki";

export const HOST = "127.0.0.1";

export interface Node {
  id: string;
  identity: TestIdentity;
  t: TcpTransport;
  got: Message[];
  logs: Array<Record<string, unknown>>;
}

export type NodeOpts = Partial<Omit<TcpTransportOptions, "id" | "tls" | "listen" | "logger">> & { port?: number };

export function makeNode(identity: TestIdentity, opts: NodeOpts = {}): Node {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => logs.push(JSON.parse(s)) });
  const { port, ...rest } = opts;
  const t = new TcpTransport({
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    ...rest,
    id: identity.id,
    listen: { host: HOST, port: port ?? 0 },
    tls: identity.material,
    logger,
  });
  const got: Message[] = [];
  t.onMessage((m) => got.push(m));
  return { id: identity.id, identity, t, got, logs };
}

/** The transports a test makes, all closed after it. */
export class Nodes {
  private list: Node[] = [];

  make(identity: TestIdentity, opts?: NodeOpts): Node {
    const n = makeNode(identity, opts);
    this.list.push(n);
    return n;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.list.splice(0).map((n) => n.t.close()));
  }
}

/** Tells `a` where `b` listens; pins `fingerprint` (b's own by default), or with null trusts the CA. */
export function introduce(a: Node, b: Node, fingerprint: string | null = b.identity.fingerprint, port = b.t.address().port): void {
  a.t.setPeer({ id: b.id, host: HOST, port, ...(fingerprint === null ? {} : { fingerprint }) });
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const msg = (from: string, to: string, term: number, data?: number[]): Message => ({
  type: "append",
  from,
  to,
  term,
  index: term,
  logTerm: term,
  commit: 0,
  entries: data === undefined ? [] : [{ term, index: term + 1, type: "normal", data: Uint8Array.from(data) }],
});

export const hasLog = (n: Node, pred: (l: Record<string, unknown>) => boolean): boolean => n.logs.some(pred);

/** TLS record type of application data (and, in TLS 1.3, of every encrypted record). */
const APPLICATION_DATA = 23;

export interface RecordProxy {
  port: number;
  /** Every byte the client sent, as seen on the wire. */
  clientBytes: () => Buffer;
  /** From now on, client records of type 23 go through `tamper` (the handshake is over by then). */
  arm: () => void;
  close: () => Promise<void>;
}

/**
 * A man in the middle on 127.0.0.1 that relays whole TLS records. Once armed, it passes the client's
 * encrypted records through `tamper`, which returns the records to forward instead; an empty answer
 * freezes the relay (it stops reading, like a peer that hung).
 */
export async function tlsRecordProxy(targetPort: number, tamper: (record: Buffer, n: number) => Buffer[]): Promise<RecordProxy> {
  const sockets = new Set<net.Socket>();
  const seen: Buffer[] = [];
  let armed = false;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: HOST, port: targetPort });
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let n = 0;
    upstream.on("data", (d) => client.write(d));
    client.on("data", (chunk: Buffer) => {
      seen.push(chunk);
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
        const record = pending.subarray(0, 5 + pending.readUInt16BE(3));
        pending = pending.subarray(record.length);
        const out = armed && record[0] === APPLICATION_DATA ? tamper(record, n++) : [record];
        for (const o of out) upstream.write(o);
        if (out.length === 0) return void client.pause();
      }
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on("close", close);
      s.on("error", close);
    }
  });
  await new Promise<void>((r) => server.listen(0, HOST, () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    clientBytes: () => Buffer.concat(seen),
    arm: () => void (armed = true),
    close: async () => {
      const closed = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
