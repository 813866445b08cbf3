import { expect } from "chai";
import net from "node:net";
import pino from "pino";
import { generateNodeKey, type NodeKey } from "../../src/config/keys";
import type { Message } from "../../src/core/types";
import { encodeFrame, FrameDecoder } from "../../src/transport/frame";
import { TcpTransport } from "../../src/transport/tcp";

const HOST = "127.0.0.1";

interface Node {
  id: string;
  key: NodeKey;
  t: TcpTransport;
  got: Message[];
  logs: Array<Record<string, unknown>>;
}

interface NodeOpts {
  port?: number;
  queueLimit?: number;
  key?: NodeKey;
  stallTimeoutMs?: number;
  maxPendingHandshakes?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

function makeNode(id: string, opts: NodeOpts = {}): Node {
  const key = opts.key ?? generateNodeKey();
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => logs.push(JSON.parse(s)) });
  const t = new TcpTransport({
    id,
    listen: { host: HOST, port: opts.port ?? 0 },
    privateKey: key.privateKey,
    queueLimit: opts.queueLimit,
    stallTimeoutMs: opts.stallTimeoutMs,
    maxPendingHandshakes: opts.maxPendingHandshakes,
    reconnectMinMs: opts.reconnectMinMs ?? 20,
    reconnectMaxMs: opts.reconnectMaxMs ?? 200,
    handshakeTimeoutMs: 2_000,
    logger,
  });
  const got: Message[] = [];
  t.onMessage((m) => got.push(m));
  return { id, key, t, got, logs };
}

/** Tells `a` where `b` listens and with which key. */
function introduce(a: Node, b: Node, key = b.key): void {
  a.t.setPeer({ id: b.id, host: HOST, port: b.t.address().port, publicKey: key.publicKeyHex });
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A man in the middle on 127.0.0.1: relays b's frames untouched and passes a's data frames (every
 * frame after the hello) through `tamper`, which returns the frames to forward instead.
 */
async function mitmProxy(
  targetPort: number,
  tamper: (frame: Buffer, n: number) => Buffer[],
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: HOST, port: targetPort });
    sockets.add(client).add(upstream);
    const decoder = new FrameDecoder(1 << 30);
    let seen = 0;
    upstream.on("data", (d) => client.write(d));
    client.on("data", (chunk) => {
      for (const f of decoder.push(chunk)) {
        const out = seen === 0 ? [f] : tamper(f, seen - 1);
        seen++;
        for (const o of out) upstream.write(encodeFrame(o));
        // An empty answer freezes the relay: it stops reading, like a peer that hung.
        if (out.length === 0) return void client.pause();
      }
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", close);
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
  });
  await new Promise<void>((r) => server.listen(0, HOST, () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      const closed = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const msg = (from: string, to: string, term: number, data?: number[]): Message => ({
  type: "append",
  from,
  to,
  term,
  index: term,
  logTerm: term,
  commit: 0,
  entries: data === undefined ? [] : [{ term, index: term + 1, type: "normal", data: Uint8Array.from(data) }],
});

describe("TCP transport (authenticated peers on 127.0.0.1)", function () {
  this.timeout(30_000);
  let nodes: Node[] = [];
  const node = (id: string, opts?: Parameters<typeof makeNode>[1]): Node => {
    const n = makeNode(id, opts);
    nodes.push(n);
    return n;
  };
  afterEach(async function () {
    await Promise.all(nodes.map((n) => n.t.stop()));
    nodes = [];
  });

  it("two transports on ephemeral ports exchange messages both ways, bytes intact", async function () {
    const a = node("a");
    const b = node("b");
    await Promise.all([a.t.start(), b.t.start()]);
    introduce(a, b);
    introduce(b, a);
    a.t.send([msg("a", "b", 1, [1, 2, 3]), msg("a", "b", 2)]);
    b.t.send([msg("b", "a", 7, [255])]);
    await waitFor("delivery", () => b.got.length === 2 && a.got.length === 1);
    expect(b.got).to.deep.equal([msg("a", "b", 1, [1, 2, 3]), msg("a", "b", 2)]);
    expect(a.got).to.deep.equal([msg("b", "a", 7, [255])]);
    expect(a.t.stats().peers.b).to.include({ sent: 2, connected: true, connects: 1 });
  });

  it("carries a 2 MB entry (one full block)", async function () {
    const a = node("a");
    const b = node("b");
    await Promise.all([a.t.start(), b.t.start()]);
    introduce(a, b);
    introduce(b, a);
    const big: Message = { ...msg("a", "b", 1), entries: [{ term: 1, index: 2, type: "normal", data: new Uint8Array(2 * 1024 * 1024).fill(9) }] };
    a.t.send([big]);
    await waitFor("big delivery", () => b.got.length === 1);
    expect(b.got[0].entries?.[0].data.byteLength).to.equal(2 * 1024 * 1024);
    expect(b.got[0].entries?.[0].data.every((x) => x === 9)).to.equal(true);
  });

  it("survives many back-pressured writes on one connection without leaking listeners", async function () {
    const a = node("a");
    const b = node("b");
    await Promise.all([a.t.start(), b.t.start()]);
    introduce(a, b);
    introduce(b, a);
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on("warning", onWarning);
    try {
      for (let i = 1; i <= 12; i++) {
        // A 4 MB frame overflows loopback's socket buffers, so the write waits for "drain".
        a.t.send([{ ...msg("a", "b", i), entries: [{ term: i, index: i + 1, type: "normal", data: new Uint8Array(4 << 20) }] }]);
        await waitFor(`message ${i}`, () => b.got.length === i);
      }
      await sleep(20);
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).to.not.include("MaxListenersExceededWarning");
    expect(a.t.stats().peers.b.connects).to.equal(1);
  });

  describe("when the sender is not an authenticated peer", function () {
    it("drops and logs a connection from an unknown node", async function () {
      const b = node("b");
      const stranger = node("mallory");
      await Promise.all([b.t.start(), stranger.t.start()]);
      introduce(stranger, b);
      stranger.t.send([msg("mallory", "b", 1)]);
      await waitFor("rejection log", () => b.logs.some((l) => l.reason === "unknown peer mallory"));
      await sleep(100);
      expect(b.got).to.have.length(0);
      expect(b.t.stats().rejected).to.be.greaterThan(0);
      expect(b.logs.find((l) => l.reason === "unknown peer mallory")).to.include({
        msg: "transport: dropped connection from unauthenticated peer",
        claimedPeer: "mallory",
      });
    });

    it("drops a node that claims a known id but holds the wrong key", async function () {
      const a = node("a");
      const b = node("b");
      const impostor = node("a");
      await Promise.all([a.t.start(), b.t.start(), impostor.t.start()]);
      introduce(b, a);
      introduce(impostor, b);
      impostor.t.send([msg("a", "b", 99)]);
      await waitFor("bad signature log", () => b.logs.some((l) => l.reason === "bad signature for a"));
      await sleep(100);
      expect(b.got).to.have.length(0);
    });

    it("drops raw frames sent without a handshake", async function () {
      const a = node("a");
      const b = node("b");
      await Promise.all([a.t.start(), b.t.start()]);
      introduce(b, a);
      const sock = net.connect({ host: HOST, port: b.t.address().port });
      let closed = false;
      sock.on("close", () => (closed = true));
      sock.on("error", () => undefined);
      sock.resume(); // read (and ignore) b's challenge so the close is seen
      await new Promise((r) => sock.once("connect", r));
      sock.write(encodeFrame(Buffer.from(JSON.stringify({ k: "msgs", m: [msg("a", "b", 1)] }))));
      await waitFor("socket closed by b", () => closed);
      expect(b.got).to.have.length(0);
      expect(b.logs.some((l) => l.reason === "expected hello, got msgs")).to.equal(true);
    });

    it("refuses a large frame before the handshake without buffering it", async function () {
      const b = node("b");
      await b.t.start();
      const sock = net.connect({ host: HOST, port: b.t.address().port });
      let closed = false;
      sock.on("close", () => (closed = true));
      sock.on("error", () => undefined);
      sock.resume();
      await new Promise((r) => sock.once("connect", r));
      const header = Buffer.alloc(4);
      header.writeUInt32BE(200 * 1024 * 1024);
      sock.write(header);
      await waitFor("socket closed by b", () => closed);
      expect(b.logs.some((l) => String(l.reason).includes("exceeds the 4096-byte limit"))).to.equal(true);
    });

    it("limits connections that sit in the handshake, and admits peers again once they go", async function () {
      const a = node("a");
      const b = node("b", { maxPendingHandshakes: 2 });
      await Promise.all([a.t.start(), b.t.start()]);
      introduce(b, a);
      const idle: net.Socket[] = [];
      for (let i = 0; i < 2; i++) {
        const s = net.connect({ host: HOST, port: b.t.address().port });
        s.on("error", () => undefined);
        await new Promise((r) => s.once("connect", r));
        idle.push(s);
      }
      introduce(a, b);
      a.t.send([msg("a", "b", 1)]);
      await waitFor("refusal", () => b.logs.some((l) => l.reason === "too many pending handshakes"));
      expect(b.got).to.have.length(0);
      idle.forEach((s) => s.destroy());
      a.t.send([msg("a", "b", 2)]);
      await waitFor("the real peer gets in", () => b.got.some((m) => m.term === 2));
    });

    it("drops a message whose `from` is not the authenticated peer", async function () {
      const a = node("a");
      const b = node("b");
      await Promise.all([a.t.start(), b.t.start()]);
      introduce(a, b);
      introduce(b, a);
      a.t.send([msg("c", "b", 5), msg("a", "b", 6)]);
      await waitFor("the genuine message", () => b.got.length === 1);
      expect(b.got[0].term).to.equal(6);
      expect(b.logs.some((l) => l.msg === "transport: dropped message not from the authenticated peer" && l.from === "c")).to.equal(true);
    });

    describe("when a man in the middle touches an authenticated stream", function () {
      let proxy: Awaited<ReturnType<typeof mitmProxy>> | null = null;
      afterEach(async function () {
        await Promise.all(nodes.map((n) => n.t.stop()));
        await proxy?.close();
        proxy = null;
      });

      async function throughProxy(tamper: (frame: Buffer, n: number) => Buffer[]): Promise<[Node, Node]> {
        const a = node("a");
        const b = node("b");
        await Promise.all([a.t.start(), b.t.start()]);
        introduce(b, a);
        proxy = await mitmProxy(b.t.address().port, tamper);
        a.t.setPeer({ id: "b", host: HOST, port: proxy.port, publicKey: b.key.publicKeyHex });
        return [a, b];
      }

      it("drops an altered frame and closes the connection", async function () {
        const [a, b] = await throughProxy((f, n) => {
          if (n !== 0) return [f];
          const changed = Buffer.from(f);
          changed[changed.length - 2] ^= 0x01;
          return [changed];
        });
        a.t.send([msg("a", "b", 1, [1, 2, 3])]);
        await waitFor("MAC rejection", () => b.logs.some((l) => String(l.reason).startsWith("bad frame MAC")));
        await sleep(50);
        expect(b.got).to.have.length(0);
      });

      it("drops a replayed frame (the sequence number no longer matches)", async function () {
        const [a, b] = await throughProxy((f, n) => (n === 0 ? [f, f] : [f]));
        a.t.send([msg("a", "b", 1)]);
        await waitFor("MAC rejection", () => b.logs.some((l) => String(l.reason).startsWith("bad frame MAC")));
        await sleep(50);
        expect(b.got.map((m) => m.term)).to.deep.equal([1]);
      });

      it("replaces a connection whose writes stall (peer hung without closing)", async function () {
        const a = node("a", { stallTimeoutMs: 300 });
        const b = node("b");
        await Promise.all([a.t.start(), b.t.start()]);
        introduce(b, a);
        proxy = await mitmProxy(b.t.address().port, () => []);
        a.t.setPeer({ id: "b", host: HOST, port: proxy.port, publicKey: b.key.publicKeyHex });
        await waitFor("connected", () => a.t.stats().peers.b.connected);
        const big = (i: number): Message => ({ ...msg("a", "b", i), entries: [{ term: i, index: i + 1, type: "normal", data: new Uint8Array(1 << 20) }] });
        a.t.send([msg("a", "b", 1)]); // the relay freezes on this first data frame
        await sleep(100);
        a.t.send(Array.from({ length: 16 }, (_, i) => big(i + 2)));
        await waitFor("stall detected", () => a.logs.some((l) => l.msg === "transport: writes stalled; reconnecting"), 10_000);
        await waitFor("reconnected", () => a.t.stats().peers.b.connects >= 2, 10_000);
      });

      it("passes frames through an honest relay", async function () {
        const [a, b] = await throughProxy((f) => [f]);
        a.t.send([msg("a", "b", 1), msg("a", "b", 2)]);
        await waitFor("delivery through the relay", () => b.got.length === 2);
      });
    });

    it("the dialer refuses a listener that cannot prove the expected key", async function () {
      const a = node("a");
      const b = node("b");
      await Promise.all([a.t.start(), b.t.start()]);
      introduce(b, a);
      introduce(a, b, generateNodeKey()); // a expects some other key for b
      a.t.send([msg("a", "b", 1)]);
      await waitFor("dialer rejection", () => a.logs.some((l) => l.reason === "peer failed to prove its key"));
      expect(b.got).to.have.length(0);
    });
  });

  /** a and b exchange one message, then b stops; answers a, and a way to bring b back on its old port and key. */
  async function peerThatStops(aOpts?: NodeOpts): Promise<{ a: Node; restartB: () => Promise<Node> }> {
    const a = node("a", aOpts);
    const b1 = node("b");
    await Promise.all([a.t.start(), b1.t.start()]);
    const port = b1.t.address().port;
    introduce(a, b1);
    introduce(b1, a);
    a.t.send([msg("a", "b", 1)]);
    await waitFor("first delivery", () => b1.got.length === 1);
    await b1.t.stop();
    await waitFor("a notices", () => a.t.stats().peers.b.connected === false);
    const restartB = async (): Promise<Node> => {
      const b2 = node("b", { port, key: b1.key });
      introduce(b2, a);
      await b2.t.start();
      return b2;
    };
    return { a, restartB };
  }

  it("reconnects after the peer restarts and delivers what was queued meanwhile", async function () {
    const { a, restartB } = await peerThatStops();
    a.t.send([msg("a", "b", 2), msg("a", "b", 3)]);
    await sleep(150); // a few failed reconnect attempts while b is down
    const b2 = await restartB();
    await waitFor("delivery after restart", () => b2.got.length === 2);
    expect(b2.got.map((m) => m.term)).to.deep.equal([2, 3]);
    expect(a.t.stats().peers.b.connects).to.equal(2);
  });

  it("a peer that dials in wakes our link to it: no waiting out the reconnect backoff after its restart", async function () {
    const { a, restartB } = await peerThatStops({ reconnectMinMs: 20_000, reconnectMaxMs: 60_000 });
    a.t.send([msg("a", "b", 2)]); // a's next attempt is 10-20 s away
    const b2 = await restartB(); // b dials a at once
    await waitFor("delivery long before the backoff ends", () => b2.got.length === 1, 3_000);
    expect(b2.got[0]!.term).to.equal(2);
  });

  it("bounds the per-peer queue, dropping the oldest and counting drops", async function () {
    const a = node("a", { queueLimit: 5 });
    const b = node("b");
    await Promise.all([a.t.start(), b.t.start()]);
    introduce(b, a);
    // Point a at a port where nothing listens, so everything queues.
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(0, HOST, () => r()));
    const deadPort = (dead.address() as net.AddressInfo).port;
    await new Promise((r) => dead.close(r));
    a.t.setPeer({ id: "b", host: HOST, port: deadPort, publicKey: b.key.publicKeyHex });
    a.t.send([1, 2, 3, 4, 5, 6, 7, 8].map((i) => msg("a", "b", i)));
    expect(a.t.stats().peers.b).to.include({ queued: 5, droppedQueueFull: 3, sent: 0 });
    introduce(a, b); // the real address: the link reconnects and drains
    await waitFor("drain", () => b.got.length === 5);
    expect(b.got.map((m) => m.term)).to.deep.equal([4, 5, 6, 7, 8]);
  });

  it("block/unblock partitions a peer in both directions", async function () {
    const a = node("a");
    const b = node("b");
    await Promise.all([a.t.start(), b.t.start()]);
    introduce(a, b);
    introduce(b, a);
    a.t.send([msg("a", "b", 1)]);
    await waitFor("connected", () => b.got.length === 1);
    a.t.block("b");
    expect(a.t.blockedPeers()).to.deep.equal(["b"]);
    a.t.send([msg("a", "b", 2)]);
    b.t.send([msg("b", "a", 3)]);
    await sleep(150);
    expect(b.got.map((m) => m.term)).to.deep.equal([1]);
    expect(a.got).to.have.length(0);
    expect(a.t.stats().peers.b.droppedBlocked).to.equal(2);
    a.t.unblock("b");
    a.t.send([msg("a", "b", 4)]);
    b.t.send([msg("b", "a", 5)]);
    await waitFor("flow resumes", () => b.got.length === 2 && a.got.length === 1);
    expect(b.got.map((m) => m.term)).to.deep.equal([1, 4]);
    expect(a.got.map((m) => m.term)).to.deep.equal([5]);
  });

  it("stop() closes the listener so the port can be reused", async function () {
    const a = node("a");
    await a.t.start();
    const port = a.t.address().port;
    await a.t.stop();
    const again = node("a", { port, key: a.key });
    await again.t.start();
    expect(again.t.address().port).to.equal(port);
  });
});
