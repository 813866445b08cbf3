import { expect } from "chai";
import pino from "pino";
import type { ReplicaBlock } from "../../src/api/types";
import type { ReplicaHead } from "../../src/chain/applier";
import type { ReplicaEvm } from "../../src/config/schema";
import { OrdererMetrics } from "../../src/metrics/metrics";
import { DivergenceMonitor, blockDifference } from "../../src/node/divergence";

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
