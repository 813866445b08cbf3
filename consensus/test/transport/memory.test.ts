import { expect } from "chai";
import type { Message } from "../../src/core/types";
import { MemoryNetwork } from "../../src/transport/memory";
import { PARTITION_ENV, partitionFromEnv, setPartition } from "../../src/transport/partition";

const hb = (from: string, to: string, term = 1): Message => ({ type: "heartbeat", from, to, term });
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("in-memory transport", function () {
  it("delivers asynchronously, never inside send", async function () {
    const net = new MemoryNetwork();
    const a = net.transport("a");
    const b = net.transport("b");
    const got: Message[] = [];
    b.onMessage((m) => got.push(m));
    await a.start();
    await b.start();
    a.send([hb("a", "b", 1), hb("a", "b", 2)]);
    expect(got).to.have.length(0);
    await tick();
    expect(got.map((m) => m.term)).to.deep.equal([1, 2]);
  });

  it("drops messages to a stopped node", async function () {
    const net = new MemoryNetwork();
    const a = net.transport("a");
    const b = net.transport("b");
    const got: Message[] = [];
    b.onMessage((m) => got.push(m));
    await a.start();
    a.send([hb("a", "b")]);
    await tick();
    expect(got).to.have.length(0);
    expect(net.dropped).to.equal(1);
  });

  it("block/unblock partitions both directions", async function () {
    const net = new MemoryNetwork();
    const a = net.transport("a");
    const b = net.transport("b");
    const atA: Message[] = [];
    const atB: Message[] = [];
    a.onMessage((m) => atA.push(m));
    b.onMessage((m) => atB.push(m));
    await Promise.all([a.start(), b.start()]);
    a.block("b");
    a.send([hb("a", "b")]);
    b.send([hb("b", "a")]);
    await tick();
    expect([atA.length, atB.length]).to.deep.equal([0, 0]);
    a.unblock("b");
    a.send([hb("a", "b")]);
    b.send([hb("b", "a")]);
    await tick();
    expect([atA.length, atB.length]).to.deep.equal([1, 1]);
  });

  it("drops a message that does not name its sender as `from`", async function () {
    const net = new MemoryNetwork();
    const a = net.transport("a");
    const b = net.transport("b");
    const got: Message[] = [];
    b.onMessage((m) => got.push(m));
    await Promise.all([a.start(), b.start(), net.transport("c").start()]);
    a.send([hb("c", "b")]);
    await tick();
    expect(got).to.have.length(0);
    expect(net.dropped).to.equal(1);
  });

  it("setPartition and partitionFromEnv set exactly the listed peers", function () {
    const t = new MemoryNetwork().transport("a");
    t.block("x");
    setPartition(t, ["b", "c"]);
    expect(t.blockedPeers()).to.deep.equal(["b", "c"]);
    expect(partitionFromEnv(t, { [PARTITION_ENV]: " c, d ,," })).to.deep.equal(["c", "d"]);
    expect(partitionFromEnv(t, {})).to.deep.equal([]);
  });
});
