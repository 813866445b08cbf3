import { expect } from "chai";
import net from "node:net";
import { HandshakeAdmission, normalizeAddress } from "../../src/transport/admission";
import { TestPki, type TestIdentity } from "./pki";
import { HOST, hasLog, introduce, msg, Nodes, sleep, waitFor, type Node, type NodeOpts } from "./tcp-helpers";

describe("handshake admission (limits on unfinished inbound handshakes)", function () {
  describe("HandshakeAdmission", function () {
    const limits = { maxPendingPerSource: 2, maxPendingHandshakes: 3 };

    it("limits each source address on its own", function () {
      const adm = new HandshakeAdmission(limits);
      expect(adm.admit("10.0.0.9")).to.have.property("release");
      expect(adm.admit("10.0.0.9")).to.have.property("release");
      expect(adm.admit("10.0.0.9")).to.deep.equal({ refused: "too many pending handshakes from 10.0.0.9" });
      expect(adm.admit("10.0.0.8")).to.have.property("release");
    });

    it("shares one pool among strangers, and keeps the configured peers' addresses out of it", function () {
      const adm = new HandshakeAdmission(limits);
      adm.setPeerHosts(["10.0.0.1", "::ffff:10.0.0.2"]);
      for (const a of ["10.0.1.1", "10.0.1.2", "10.0.1.3"]) expect(adm.admit(a)).to.have.property("release");
      expect(adm.admit("10.0.1.4")).to.deep.equal({ refused: "too many pending handshakes" });
      expect(adm.admit("10.0.0.1")).to.have.property("release");
      expect(adm.admit(normalizeAddress("::ffff:10.0.0.2"))).to.have.property("release");
      expect(adm.pending()).to.deep.equal({ strangers: 3, total: 5 });
    });

    it("gives a slot back once, however often it is released", function () {
      const adm = new HandshakeAdmission(limits);
      const slot = adm.admit("10.0.0.9");
      if (!("release" in slot)) throw new Error("refused");
      slot.release();
      slot.release();
      expect(adm.pending()).to.deep.equal({ strangers: 0, total: 0 });
    });
  });

  describe("when strangers flood the raft port with handshakes they never finish", function () {
    this.timeout(30_000);
    let id: Record<"a" | "b", TestIdentity>;
    const nodes = new Nodes();
    const flood: net.Socket[] = [];
    let flooding = false;
    const node = (identity: TestIdentity, opts?: NodeOpts): Node => nodes.make(identity, opts);
    before(async function () {
      const pki = await TestPki.create();
      id = { a: await pki.identity("a"), b: await pki.identity("b") };
    });
    afterEach(async function () {
      flooding = false;
      for (const s of flood.splice(0)) s.destroy();
      await nodes.closeAll();
    });

    /**
     * The attack of issue 16: sockets that connect and never send a byte, re-opened at once when they
     * are closed (refused or timed out), from `sources` other loopback addresses. Bounded: it stops
     * with the test.
     */
    function startFlood(port: number, sockets: number, sources: number): void {
      flooding = true;
      const open = (i: number): void => {
        if (!flooding) return;
        const s = net.connect({ host: HOST, port, localAddress: `127.0.0.${2 + (i % sources)}` });
        s.on("error", () => undefined);
        s.on("close", () => {
          flood.splice(flood.indexOf(s), 1);
          setImmediate(() => open(i));
        });
        flood.push(s);
      };
      for (let i = 0; i < sockets; i++) open(i);
    }

    it("a configured peer restarting under a flood of 80 idle sockets reconnects within a second", async function () {
      const b = node(id.b, { handshakeTimeoutMs: 1_000, maxPendingPerSource: 2, maxPendingHandshakes: 64 });
      const a1 = node(id.a);
      await Promise.all([a1.t.start(), b.t.start()]);
      const aPort = a1.t.address().port;
      introduce(a1, b);
      introduce(b, a1);
      a1.t.send([msg("a", "b", 1)]);
      await waitFor("first delivery", () => b.got.length === 1);
      await a1.t.close();
      await waitFor("b notices", () => !b.t.stats().peers.a.connected);

      startFlood(b.t.address().port, 80, 40);
      await waitFor("the flood fills the strangers' pool", () => b.t.stats().pendingHandshakes === 64);
      await waitFor("and is refused beyond it", () => hasLog(b, (l) => l.reason === "too many pending handshakes"));
      // At least one round of deadlines, the slots re-taken by re-opened sockets.
      await waitFor("the handshake deadline cuts idle sockets", () => hasLog(b, (l) => l.reason === "handshake timed out"));
      await sleep(100);

      const restarted = Date.now();
      // The daemon's default backoff (50 ms doubling to 2 s): a peer refused a few times waits long.
      const a2 = node(id.a, { port: aPort, reconnectMinMs: 50, reconnectMaxMs: 2_000 });
      introduce(a2, b);
      await a2.t.start();
      a2.t.send([msg("a", "b", 2)]);
      b.t.send([msg("b", "a", 3)]);
      await waitFor("both directions back within a second", () => b.got.length === 2 && a2.got.length === 1, 1_000);
      const took = Date.now() - restarted;
      expect(took).to.be.lessThan(1_000);
      expect(flood.length).to.be.greaterThan(60);
      // Every refusal is counted, but logged at most once a second per kind: no log flood either.
      const lines = b.logs.filter((l) => l.msg === "transport: dropped connection from unauthenticated peer").length;
      expect(b.t.stats().rejected).to.be.greaterThan(10 * lines);
    });

    it("one source cannot hold more than its share, so other strangers still get in", async function () {
      const b = node(id.b, { maxPendingPerSource: 2, maxPendingHandshakes: 64 });
      await b.t.start();
      startFlood(b.t.address().port, 20, 1);
      await waitFor("the source's share is taken", () => hasLog(b, (l) => l.reason === "too many pending handshakes from 127.0.0.2"));
      expect(b.t.stats().pendingHandshakes).to.be.at.most(2);
      const other = net.connect({ host: HOST, port: b.t.address().port, localAddress: "127.0.0.99" });
      other.on("error", () => undefined);
      flood.push(other);
      await waitFor("another source admitted", () => b.t.stats().pendingHandshakes === 3);
    });
  });
});
