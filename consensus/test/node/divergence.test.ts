import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { Agent, type Dispatcher } from "undici";
import type { ReplicaBlock } from "../../src/api/types";
import type { ReplicaHead } from "../../src/chain/applier";
import type { ReplicaEvm } from "../../src/config/schema";
import { OrdererMetrics } from "../../src/metrics/metrics";
import { DivergenceMonitor, blockDifference, peerJsonGetter } from "../../src/node/divergence";

const root = (c: string) => "0x" + c.repeat(64);
const block = (over: Partial<ReplicaHead> = {}): ReplicaHead => ({
  number: 3,
  hash: root("a"),
  stateRoot: root("b"),
  timestamp: 1_767_225_610,
  transactionsRoot: root("c"),
  receiptsRoot: root("d"),
  ...over,
});

/** A monitor of this node's replica (`mine`, on `ownEvm`) against one peer answering `theirs` from `theirEvm`. */
function monitorOf(ownEvm: ReplicaEvm, mine: ReplicaHead, theirEvm: ReplicaEvm | undefined, theirs: ReplicaBlock, theirsAt?: (n: number) => ReplicaBlock) {
  const asked: number[] = [];
  const blockAt = (url: string) => {
    const n = Number(url.split("/").pop());
    asked.push(n);
    return theirsAt?.(n) ?? { ...theirs, number: n };
  };
  const metrics = new OrdererMetrics({ nodeId: "n1" });
  const monitor = new DivergenceMonitor({
    peers: () => [{ id: "n2", url: "http://n2" }],
    ownHead: async () => mine,
    ownBlock: async (n) => ({ ...mine, number: n }),
    ownEvm,
    getJson: async (url) => (url.endsWith("/v1/status") ? { replica: { number: theirs.number, ...(theirEvm === undefined ? {} : { evm: theirEvm }) } } : blockAt(url)),
    metrics,
    logger: pino({ level: "silent" }),
    intervalMs: 0,
  });
  return { monitor, metrics, asked };
}

describe("node/divergence: replicas compared with peers', on the same EVM and across EVMs", function () {
  describe("when the peer's replica runs on the same EVM", function () {
    it("compares block hashes: equal roots under another hash are a divergence", async function () {
      const { monitor } = monitorOf("hardhat", block(), "hardhat", block({ hash: root("e") }));
      await monitor.checkAll();
      expect(monitor.divergences).to.deep.equal([{ peer: "n2", height: 3, field: "hash", mine: root("a"), theirs: root("e") }]);
    });

    it("takes a peer whose status names no EVM (an older node) for Hardhat", async function () {
      const { monitor } = monitorOf("hardhat", block(), undefined, block());
      await monitor.checkAll();
      expect(monitor.divergences).to.deep.equal([]);
    });
  });

  describe("when the peer's replica runs on another EVM", function () {
    it("agrees although hash and state root differ (what the EVMs fill in their own way)", async function () {
      const { monitor, metrics } = monitorOf("anvil", block(), "hardhat", block({ hash: root("e"), stateRoot: root("f") }));
      await monitor.checkAll();
      expect(monitor.divergences).to.deep.equal([]);
      expect(await metrics.registry.getSingleMetricAsString("orderer_replica_diverged")).to.match(/peer="n2"[^}]*\} 0$/m);
    });

    it("compares every height once, since roots do not chain: a difference below the head is found and kept", async function () {
      const { monitor, asked } = monitorOf("anvil", block(), "hardhat", block(), (n) => block({ number: n, hash: root("e"), ...(n === 2 ? { receiptsRoot: root("7") } : {}) }));
      await monitor.checkAll();
      expect(asked).to.deep.equal([1, 2]);
      expect(monitor.divergences).to.deep.equal([{ peer: "n2", height: 2, field: "receiptsRoot", mine: root("d"), theirs: root("7") }]);
      await monitor.checkAll();
      expect(asked).to.deep.equal([1, 2, 2]);
      expect(monitor.divergences).to.have.length(1);
    });

    it("does not compare again what already agreed", async function () {
      const { monitor, asked } = monitorOf("anvil", block(), "hardhat", block({ hash: root("e") }));
      await monitor.checkAll();
      await monitor.checkAll();
      expect(asked).to.deep.equal([1, 2, 3]);
    });

    for (const field of ["timestamp", "transactionsRoot", "receiptsRoot"] as const) {
      it(`reports a different ${field}`, async function () {
        const other = field === "timestamp" ? { timestamp: 1_767_225_611 } : { [field]: root("9") };
        const { monitor } = monitorOf("anvil", block(), "hardhat", block({ hash: root("e"), ...other }));
        await monitor.checkAll();
        expect(monitor.divergences).to.have.length(1);
        expect(monitor.divergences[0]).to.deep.include({ peer: "n2", height: 1, field, mine: String(block()[field]) });
      });
    }
  });

  describe("when this node's own chain node is checked against chain.evm (web3_clientVersion)", function () {
    const ownMonitor = (ownEvm: ReplicaEvm, version: () => Promise<string>) => {
      const metrics = new OrdererMetrics({ nodeId: "n1" });
      const monitor = new DivergenceMonitor({
        peers: () => [],
        ownHead: async () => block(),
        ownBlock: async () => block(),
        ownEvm,
        ownClientVersion: version,
        getJson: async () => ({}),
        metrics,
        logger: pino({ level: "silent" }),
        intervalMs: 0,
      });
      return { monitor, metrics };
    };
    const wrongGauge = async (metrics: OrdererMetrics) => (await metrics.registry.getSingleMetricAsString("orderer_replica_wrong_evm")).trim().split("\n").pop();

    it("reports an Anvil node configured as Hardhat, and clears once the configured EVM answers", async function () {
      let version = "anvil/v1.7.1";
      const { monitor, metrics } = ownMonitor("hardhat", async () => version);
      await monitor.checkAll();
      expect(monitor.wrongEvm).to.deep.equal({ configured: "hardhat", running: "anvil", clientVersion: "anvil/v1.7.1" });
      expect(await wrongGauge(metrics)).to.equal("orderer_replica_wrong_evm{node=\"n1\"} 1");
      version = "HardhatNetwork/2.29.1/@nomicfoundation/edr/0.12.0";
      await monitor.checkAll();
      expect(monitor.wrongEvm).to.equal(null);
      expect(await wrongGauge(metrics)).to.equal("orderer_replica_wrong_evm{node=\"n1\"} 0");
    });

    it("reports a client that is neither EVM as unknown", async function () {
      const { monitor } = ownMonitor("anvil", async () => "Geth/v1.14.0-stable/linux-amd64/go1.22");
      await monitor.checkAll();
      expect(monitor.wrongEvm).to.deep.include({ configured: "anvil", running: "unknown" });
    });

    it("does not call a chain node that does not answer a wrong EVM", async function () {
      const { monitor } = ownMonitor("hardhat", async () => {
        throw new Error("ECONNREFUSED");
      });
      await monitor.checkAll();
      expect(monitor.wrongEvm).to.equal(null);
    });
  });

  it("blockDifference names the first differing field, or null", function () {
    expect(blockDifference(block(), block({ hash: root("e") }), false)).to.equal(null);
    expect(blockDifference(block(), block({ receiptsRoot: root("1"), transactionsRoot: root("2") }), false)).to.deep.equal({
      field: "transactionsRoot",
      mine: root("c"),
      theirs: root("2"),
    });
  });
});

/** A logger that keeps what was logged at each level (message text only). */
function recordingLogger() {
  const lines: string[] = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push(`${level}: ${msg ?? ""}`);
  return { lines, logger: { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") } as unknown as Logger };
}

/**
 * A monitor on Hardhat whose peers answer through `peerAt(url)` (a status or a block, or a throw), with this node's
 * head `own` (null: its chain has not answered) and its blocks from `ownAt`.
 */
function peersMonitor(o: {
  peers: { id: string; url: string | null }[];
  peerAt: (url: string) => unknown;
  own?: ReplicaHead | null;
  ownAt?: (n: number) => ReplicaHead | null;
  ownClientVersion?: () => Promise<string>;
  intervalMs?: number;
}) {
  const asked: string[] = [];
  const metrics = new OrdererMetrics({ nodeId: "n1" });
  const { lines, logger } = recordingLogger();
  const monitor = new DivergenceMonitor({
    peers: () => o.peers,
    ownHead: async () => (o.own === undefined ? block() : o.own),
    ownBlock: async (n) => (o.ownAt === undefined ? block({ number: n }) : o.ownAt(n)),
    ownEvm: "hardhat",
    ...(o.ownClientVersion === undefined ? {} : { ownClientVersion: o.ownClientVersion }),
    getJson: async (url) => (asked.push(url), o.peerAt(url)),
    metrics,
    logger,
    intervalMs: o.intervalMs ?? 0,
  });
  return { monitor, metrics, asked, lines };
}

/** A peer on Hardhat at height `height`, whose blocks are `at(n)` (default: this node's own). */
const hardhatPeer = (height: unknown, at: (n: number) => unknown = (n) => block({ number: n })) => (url: string) =>
  url.endsWith("/v1/status") ? { replica: { number: height, evm: "hardhat" } } : at(Number(url.split("/").pop()));

describe("node/divergence: the monitor's rounds, one peer at a time", function () {
  it("compares at the lower of the two heights, and skips peers without a URL", async function () {
    const { monitor, asked } = peersMonitor({ peers: [{ id: "n2", url: "http://n2" }, { id: "n3", url: null }], peerAt: hardhatPeer(5) });
    await monitor.checkAll();
    expect(asked).to.deep.equal(["http://n2/v1/status", "http://n2/v1/replica/blocks/3"]);
  });

  it("takes a peer whose status names no EVM for Hardhat: one hash comparison at the common height", async function () {
    const { monitor, asked } = peersMonitor({
      peers: [{ id: "n2", url: "http://n2" }],
      peerAt: (url) => (url.endsWith("/v1/status") ? { replica: { number: 3 } } : block({ receiptsRoot: root("7") })),
    });
    await monitor.checkAll();
    expect(asked).to.deep.equal(["http://n2/v1/status", "http://n2/v1/replica/blocks/3"]);
    expect(monitor.divergences).to.deep.equal([]);
  });

  it("compares nothing with a peer without a replica, or while its own chain has not answered", async function () {
    const noReplica = peersMonitor({ peers: [{ id: "n2", url: "http://n2" }], peerAt: () => ({}) });
    await noReplica.monitor.checkAll();
    expect(noReplica.asked).to.deep.equal(["http://n2/v1/status"]);
    expect(noReplica.lines).to.deep.equal([]);
    const noHeight = peersMonitor({ peers: [{ id: "n2", url: "http://n2" }], peerAt: hardhatPeer("3") });
    await noHeight.monitor.checkAll();
    expect(noHeight.asked).to.deep.equal(["http://n2/v1/status"]);
    const noChain = peersMonitor({ peers: [{ id: "n2", url: "http://n2" }], peerAt: hardhatPeer(3), own: null });
    await noChain.monitor.checkAll();
    expect(noChain.asked).to.deep.equal(["http://n2/v1/status"]);
  });

  it("records no divergence when either block is missing (own chain behind, or the peer answered without a block)", async function () {
    const ownMissing = peersMonitor({ peers: [{ id: "n2", url: "http://n2" }], peerAt: hardhatPeer(3, () => block({ hash: root("e") })), ownAt: () => null });
    await ownMissing.monitor.checkAll();
    expect(ownMissing.monitor.divergences).to.deep.equal([]);
    const theirsMissing = peersMonitor({ peers: [{ id: "n2", url: "http://n2" }], peerAt: hardhatPeer(3, () => ({ error: "not found" })) });
    await theirsMissing.monitor.checkAll();
    expect(theirsMissing.monitor.divergences).to.deep.equal([]);
  });

  it("goes on with the next peer when one does not answer", async function () {
    const { monitor, asked, lines } = peersMonitor({
      peers: [{ id: "n2", url: "http://n2" }, { id: "n3", url: "http://n3" }],
      peerAt: (url) => {
        if (url.startsWith("http://n2")) throw new Error("ECONNREFUSED");
        return hardhatPeer(3, () => block({ hash: root("e") }))(url);
      },
    });
    await monitor.checkAll();
    expect(asked).to.deep.equal(["http://n2/v1/status", "http://n3/v1/status", "http://n3/v1/replica/blocks/3"]);
    expect(lines).to.deep.equal(["debug: replica comparison skipped: the peer did not answer", "error: replica diverged from n3's at chain block 3"]);
    expect(monitor.divergences.map((d) => d.peer)).to.deep.equal(["n3"]);
  });

  it("logs a divergence once, labels its gauges with the peer, and clears it when the peer agrees again", async function () {
    let theirs = block({ hash: root("e") });
    const { monitor, metrics, lines } = peersMonitor({ peers: [{ id: "n2", url: "http://n2" }], peerAt: hardhatPeer(3, () => theirs) });
    await monitor.checkAll();
    await monitor.checkAll();
    expect(lines).to.deep.equal(["error: replica diverged from n2's at chain block 3"]);
    expect(await metrics.registry.getSingleMetricAsString("orderer_replica_diverged")).to.match(/peer="n2"[^}]*\} 1$/m);
    expect(await metrics.registry.getSingleMetricAsString("orderer_replica_divergence_height")).to.match(/peer="n2"[^}]*\} 3$/m);
    theirs = block();
    await monitor.checkAll();
    expect(monitor.divergences).to.deep.equal([]);
    expect(lines.slice(1)).to.deep.equal(["info: replica agrees with the peer's again"]);
    expect(await metrics.registry.getSingleMetricAsString("orderer_replica_diverged")).to.match(/peer="n2"[^}]*\} 0$/m);
    await monitor.checkAll();
    expect(lines).to.have.length(2);
  });

  it("logs a wrong EVM once when it starts and once when it ends", async function () {
    let version = "anvil/v1.7.1";
    const { monitor, lines } = peersMonitor({ peers: [], peerAt: () => ({}), ownClientVersion: async () => version });
    await monitor.checkAll();
    await monitor.checkAll();
    expect(lines).to.deep.equal(["error: this node's chain runs anvil (anvil/v1.7.1), not hardhat as chain.evm says"]);
    version = "HardhatNetwork/2.29.1/@nomicfoundation/edr/0.12.0";
    await monitor.checkAll();
    await monitor.checkAll();
    expect(lines.slice(1)).to.deep.equal(["info: this node's chain runs hardhat again"]);
  });

  describe("when started with an interval", function () {
    it("checks every interval, one round at a time, never with an interval of 0, and stop waits for the round in flight", async function () {
      let rounds = 0;
      let inFlight = 0;
      let overlapped = false;
      const slowPeer = async (url: string) => {
        if (url.endsWith("/v1/status")) {
          rounds++;
          inFlight++;
          overlapped ||= inFlight > 1;
          await new Promise((r) => setTimeout(r, 30));
          inFlight--;
        }
        return hardhatPeer(3)(url);
      };
      const { monitor } = peersMonitor({ peers: [{ id: "n2", url: "http://n2" }], peerAt: slowPeer, intervalMs: 5 });
      monitor.start();
      monitor.start();
      // Rounds take 30 ms against a 5 ms interval: a second timer or overlapping rounds would show.
      while (rounds < 3) await new Promise((r) => setTimeout(r, 5));
      await monitor.stop();
      expect(inFlight).to.equal(0);
      expect(overlapped).to.equal(false);
      const after = rounds;
      await new Promise((r) => setTimeout(r, 30));
      expect(rounds).to.equal(after);
      const idle = peersMonitor({ peers: [{ id: "n2", url: "http://n2" }], peerAt: slowPeer, intervalMs: 0 });
      idle.monitor.start();
      await new Promise((r) => setTimeout(r, 20));
      expect(rounds).to.equal(after);
      await idle.monitor.stop();
    });
  });
});

describe("node/divergence: peerJsonGetter", function () {
  let server: http.Server;
  let base: string;
  before(async function () {
    server = http.createServer((req, res) => {
      if (req.url === "/ok") res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ replica: { number: 7 } }));
      else res.writeHead(404).end("no");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async function () {
    await new Promise((r) => server.close(r));
  });

  it("GETs a peer's JSON, and fails on an answer that is not ok", async function () {
    const get = peerJsonGetter(undefined);
    expect(await get(`${base}/ok`)).to.deep.equal({ replica: { number: 7 } });
    await expect(get(`${base}/missing`)).to.be.rejectedWith(`${base}/missing: HTTP 404`);
  });

  it("goes through the dispatcher it is given (the consortium CA's agent over HTTPS)", async function () {
    const paths: string[] = [];
    class Recording extends Agent {
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
        paths.push(String(opts.path));
        return super.dispatch(opts, handler);
      }
    }
    const agent = new Recording();
    expect(await peerJsonGetter(agent)(`${base}/ok`)).to.deep.equal({ replica: { number: 7 } });
    expect(paths).to.deep.equal(["/ok"]);
    await agent.close();
  });
});
