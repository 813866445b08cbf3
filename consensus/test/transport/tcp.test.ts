import { expect } from "chai";
import net from "node:net";
import tls from "node:tls";
import type { Message } from "../../src/core/types";
import { TestPki, type TestIdentity } from "./pki";
import { HOST, hasLog, introduce, msg, Nodes, sleep, tlsRecordProxy, waitFor, type Node, type NodeOpts, type RecordProxy } from "./tcp-helpers";

describe("TCP transport (mutual TLS 1.3 between configured peers on 127.0.0.1)", function () {
  this.timeout(30_000);
  let id: Record<"a" | "b" | "mallory" | "aSelfSigned" | "aOtherCa", TestIdentity>;
  const nodes = new Nodes();
  const node = (identity: TestIdentity, opts?: NodeOpts): Node => nodes.make(identity, opts);
  before(async function () {
    const pki = await TestPki.create();
    const other = await TestPki.create("some other CA");
    id = {
      a: await pki.identity("a"),
      b: await pki.identity("b"),
      mallory: await pki.identity("mallory"),
      aSelfSigned: await pki.identity("a", { selfSigned: true }),
      aOtherCa: await other.identity("a"),
    };
  });
  afterEach(() => nodes.closeAll());

  async function pair(trust: "pin" | "ca" = "pin", aOpts?: NodeOpts): Promise<[Node, Node]> {
    const a = node(id.a, aOpts);
    const b = node(id.b);
    await Promise.all([a.t.start(), b.t.start()]);
    introduce(a, b, trust === "pin" ? id.b.fingerprint : null);
    introduce(b, a, trust === "pin" ? id.a.fingerprint : null);
    return [a, b];
  }

  for (const trust of ["pin", "ca"] as const) {
    it(`two transports exchange messages both ways, bytes intact (peers trusted by ${trust === "pin" ? "fingerprint pin" : "consortium CA"})`, async function () {
      const [a, b] = await pair(trust);
      a.t.send([msg("a", "b", 1, [1, 2, 3]), msg("a", "b", 2)]);
      b.t.send([msg("b", "a", 7, [255])]);
      await waitFor("delivery", () => b.got.length === 2 && a.got.length === 1);
      expect(b.got).to.deep.equal([msg("a", "b", 1, [1, 2, 3]), msg("a", "b", 2)]);
      expect(a.got).to.deep.equal([msg("b", "a", 7, [255])]);
      expect(a.t.stats().peers.b).to.include({ sent: 2, connected: true, connects: 1 });
    });
  }

  it("carries a 2 MB entry (one full block)", async function () {
    const [a, b] = await pair();
    const big: Message = { ...msg("a", "b", 1), entries: [{ term: 1, index: 2, type: "normal", data: new Uint8Array(2 * 1024 * 1024).fill(9) }] };
    a.t.send([big]);
    await waitFor("big delivery", () => b.got.length === 1);
    expect(b.got[0].entries?.[0].data.byteLength).to.equal(2 * 1024 * 1024);
    expect(b.got[0].entries?.[0].data.every((x) => x === 9)).to.equal(true);
  });

  it("survives many back-pressured writes on one connection without leaking listeners", async function () {
    const [a, b] = await pair();
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
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

  describe("when the other end is not a configured peer with the right certificate", function () {
    const refusal = (n: Node, reason: string | RegExp) => (l: Record<string, unknown>) =>
      l.msg === "transport: dropped connection from unauthenticated peer" && (typeof reason === "string" ? l.reason === reason : reason.test(String(l.reason)));

    it("drops and logs a connection from a CA-issued node that is not a configured peer", async function () {
      const b = node(id.b);
      const stranger = node(id.mallory);
      await Promise.all([b.t.start(), stranger.t.start()]);
      introduce(stranger, b, null);
      stranger.t.send([msg("mallory", "b", 1)]);
      await waitFor("rejection log", () => hasLog(b, refusal(b, "unknown peer mallory")));
      await sleep(100);
      expect(b.got).to.have.length(0);
      expect(b.t.stats().rejected).to.be.greaterThan(0);
    });

    it("drops a node that names a pinned peer's id but presents another certificate", async function () {
      const b = node(id.b);
      const impostor = node(id.aSelfSigned);
      await Promise.all([b.t.start(), impostor.t.start()]);
      b.t.setPeer({ id: "a", host: HOST, port: 1, fingerprint: id.a.fingerprint });
      introduce(impostor, b, null);
      impostor.t.send([msg("a", "b", 99)]);
      await waitFor("pin mismatch log", () => hasLog(b, refusal(b, /is not the one pinned for a$/)));
      await sleep(100);
      expect(b.got).to.have.length(0);
    });

    it("drops a node that names a CA-trusted peer's id under another CA", async function () {
      const b = node(id.b);
      const impostor = node(id.aOtherCa);
      await Promise.all([b.t.start(), impostor.t.start()]);
      b.t.setPeer({ id: "a", host: HOST, port: 1 });
      introduce(impostor, b); // pinned: the impostor's own CA does not know b
      impostor.t.send([msg("a", "b", 99)]);
      await waitFor("CA refusal log", () => hasLog(b, refusal(b, /^certificate for a not issued by the consortium CA/)));
      expect(b.got).to.have.length(0);
    });

    it("drops plain TCP (no TLS) sent in place of a handshake", async function () {
      const [, b] = await pair();
      const sock = net.connect({ host: HOST, port: b.t.address().port });
      let closed = false;
      sock.on("close", () => (closed = true));
      sock.on("error", () => undefined);
      sock.resume();
      await new Promise((r) => sock.once("connect", r));
      sock.write(Buffer.from(JSON.stringify({ k: "msgs", m: [msg("a", "b", 1)] })));
      await waitFor("socket closed by b", () => closed);
      expect(b.got).to.have.length(0);
      expect(hasLog(b, refusal(b, /^TLS handshake failed/))).to.equal(true);
    });

    it("refuses TLS 1.2 and a client without a certificate", async function () {
      const [, b] = await pair();
      const port = b.t.address().port;
      const old = tls.connect({ host: HOST, port, maxVersion: "TLSv1.2", rejectUnauthorized: false });
      const oldError = await new Promise<Error>((r) => old.once("error", r));
      expect(oldError.message).to.match(/protocol version|unsupported/i);
      const anonymous = tls.connect({ host: HOST, port, rejectUnauthorized: false });
      anonymous.on("error", () => undefined);
      await waitFor("anonymous refused", () => hasLog(b, refusal(b, "no certificate presented")));
      expect(hasLog(b, refusal(b, /^TLS handshake failed/))).to.equal(true);
      anonymous.destroy();
    });

    it("drops a message whose `from` is not the authenticated peer", async function () {
      const [a, b] = await pair();
      a.t.send([msg("c", "b", 5), msg("a", "b", 6)]);
      await waitFor("the genuine message", () => b.got.length === 1);
      expect(b.got[0].term).to.equal(6);
      expect(hasLog(b, (l) => l.msg === "transport: dropped message not from the authenticated peer" && l.from === "c")).to.equal(true);
    });

    it("the dialer refuses a listener whose certificate is not the one it pinned", async function () {
      const [a, b] = await pair();
      introduce(a, b, id.mallory.fingerprint);
      a.t.send([msg("a", "b", 1)]);
      await waitFor("dialer rejection", () => hasLog(a, (l) => /is not the one pinned for b$/.test(String(l.reason))));
      expect(b.got).to.have.length(0);
    });
  });

  describe("when a man in the middle touches the TLS stream", function () {
    let proxy: RecordProxy | null = null;
    afterEach(async function () {
      await nodes.closeAll();
      await proxy?.close();
      proxy = null;
    });

    async function throughProxy(tamper: (record: Buffer, n: number) => Buffer[], aOpts?: NodeOpts): Promise<[Node, Node]> {
      const [a, b] = await pair("pin", aOpts);
      proxy = await tlsRecordProxy(b.t.address().port, tamper);
      introduce(a, b, id.b.fingerprint, proxy.port);
      a.t.send([msg("a", "b", 1)]);
      await waitFor("first delivery through the relay", () => b.got.length === 1);
      proxy.arm();
      return [a, b];
    }

    it("sees only ciphertext: an entry's bytes never appear on the wire", async function () {
      const [a, b] = await throughProxy((r) => [r]);
      const secret = Array.from(Buffer.from("bid: 42 MWh at 0.31 RMB/kWh, signed raw transaction"));
      a.t.send([msg("a", "b", 2, secret)]);
      await waitFor("delivery", () => b.got.length === 2);
      expect(proxy!.clientBytes().includes(Buffer.from(secret))).to.equal(false);
      expect(Buffer.from(b.got[1].entries![0].data).equals(Buffer.from(secret))).to.equal(true);
    });

    it("drops an altered record and closes the connection", async function () {
      const [a, b] = await throughProxy((r, n) => {
        if (n !== 0) return [r];
        const changed = Buffer.from(r);
        changed[changed.length - 2] ^= 0x01;
        return [changed];
      });
      a.t.send([msg("a", "b", 2, [1, 2, 3])]);
      await waitFor("TLS rejection", () => hasLog(b, (l) => l.msg === "transport: closed connection from peer" && /^TLS: /.test(String(l.reason))));
      await sleep(50);
      expect(b.got.map((m) => m.term)).to.deep.equal([1]);
    });

    it("drops a replayed record (the record sequence number no longer matches)", async function () {
      const [a, b] = await throughProxy((r, n) => (n === 0 ? [r, r] : [r]));
      a.t.send([msg("a", "b", 2)]);
      await waitFor("TLS rejection", () => hasLog(b, (l) => l.msg === "transport: closed connection from peer" && /^TLS: /.test(String(l.reason))));
      await sleep(50);
      expect(b.got.map((m) => m.term)).to.deep.equal([1, 2]);
    });

    it("replaces a connection whose writes stall (peer hung without closing)", async function () {
      const [a] = await throughProxy(() => [], { stallTimeoutMs: 300 });
      const big = (i: number): Message => ({ ...msg("a", "b", i), entries: [{ term: i, index: i + 1, type: "normal", data: new Uint8Array(1 << 20) }] });
      a.t.send([msg("a", "b", 2)]); // the relay freezes on this record
      await sleep(100);
      a.t.send(Array.from({ length: 16 }, (_, i) => big(i + 3)));
      await waitFor("stall detected", () => hasLog(a, (l) => l.msg === "transport: writes stalled; reconnecting"), 10_000);
      await waitFor("reconnected", () => a.t.stats().peers.b.connects >= 2, 10_000);
    });
  });

  /** a and b exchange one message, then b stops; answers a, and a way to bring b back on its old port and certificate. */
  async function peerThatStops(aOpts?: NodeOpts): Promise<{ a: Node; restartB: () => Promise<Node> }> {
    const [a, b1] = await pair("pin", aOpts);
    const port = b1.t.address().port;
    a.t.send([msg("a", "b", 1)]);
    await waitFor("first delivery", () => b1.got.length === 1);
    await b1.t.close();
    await waitFor("a notices", () => a.t.stats().peers.b.connected === false);
    const restartB = async (): Promise<Node> => {
      const b2 = node(id.b, { port });
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
    const a = node(id.a, { queueLimit: 5 });
    const b = node(id.b);
    await Promise.all([a.t.start(), b.t.start()]);
    introduce(b, a);
    // Point a at a port where nothing listens, so everything queues.
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(0, HOST, () => r()));
    const deadPort = (dead.address() as net.AddressInfo).port;
    await new Promise((r) => dead.close(r));
    introduce(a, b, id.b.fingerprint, deadPort);
    a.t.send([1, 2, 3, 4, 5, 6, 7, 8].map((i) => msg("a", "b", i)));
    expect(a.t.stats().peers.b).to.include({ queued: 5, droppedQueueFull: 3, sent: 0 });
    introduce(a, b); // the real address: the link reconnects and drains
    await waitFor("drain", () => b.got.length === 5);
    expect(b.got.map((m) => m.term)).to.deep.equal([4, 5, 6, 7, 8]);
  });

  it("block/unblock partitions a peer in both directions", async function () {
    const [a, b] = await pair();
    a.t.send([msg("a", "b", 1)]);
    await waitFor("connected", () => b.got.length === 1);
    a.t.partition(["b"]);
    expect(a.t.blockedPeers()).to.deep.equal(["b"]);
    a.t.send([msg("a", "b", 2)]);
    b.t.send([msg("b", "a", 3)]);
    await sleep(150);
    expect(b.got.map((m) => m.term)).to.deep.equal([1]);
    expect(a.got).to.have.length(0);
    expect(a.t.stats().peers.b.droppedBlocked).to.equal(2);
    expect(a.t.droppedCount()).to.equal(2);
    a.t.partition([]);
    a.t.send([msg("a", "b", 4)]);
    b.t.send([msg("b", "a", 5)]);
    await waitFor("flow resumes", () => b.got.length === 2 && a.got.length === 1);
    expect(b.got.map((m) => m.term)).to.deep.equal([1, 4]);
    expect(a.got.map((m) => m.term)).to.deep.equal([5]);
  });

  it("close() closes the listener so the port can be reused", async function () {
    const a = node(id.a);
    await a.t.start();
    const port = a.t.address().port;
    await a.t.close();
    const again = node(id.a, { port });
    await again.t.start();
    expect(again.t.address().port).to.equal(port);
  });
});
