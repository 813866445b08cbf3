import { expect } from "chai";
import path from "node:path";
import { ethers } from "hardhat";
import { loadMarket, type MarketData, type PricingRule } from "../../src/data";
import { generateSyntheticMarket } from "../../src/data/synthetic";
import { startOrderingCluster, type OrderingCluster } from "../../src/ordering/cluster";
import { openOrderedChain, operatorsOf, type MarketChain } from "../../src/ordering/session";
import type { ProgressSink } from "../../src/replay/progress";
import { replayMarket } from "../../src/replay/replay";
import { toReplayJson } from "../../src/replay/result";

const CASE_A = loadMarket(path.join(__dirname, "..", "..", "data", "case-a"));
const SYNTHETIC = generateSyntheticMarket({ buyers: 12, sellers: 12, regions: 3, seed: 12 }).market;

/** `matches` and `totals` of a replay through `chain`'s submitter. */
async function replayThrough(chain: MarketChain, data: MarketData, pricing: PricingRule, progress?: ProgressSink) {
  const outcome = await replayMarket({ ...chainOptions(chain), data, pricing, matchSteps: 7, settleSteps: 5, progress });
  const { matches, totals } = toReplayJson("x", pricing, outcome.trades, data.orders);
  return { matches, totals };
}

function chainOptions(chain: MarketChain) {
  return { operators: chain.operators, rpc: chain.rpc, submitter: chain.submitter, advanceTime: chain.advanceTime, fund: chain.fund };
}

/** The same market sent straight to Hardhat's in-process network (today's direct path). */
async function replayDirect(data: MarketData, pricing: PricingRule) {
  const outcome = await replayMarket({ data, pricing, operators: operatorsOf(await ethers.getSigners()), rpc: ethers.provider, matchSteps: 7, settleSteps: 5 });
  const { matches, totals } = toReplayJson("x", pricing, outcome.trades, data.orders);
  return { matches, totals };
}

/** A 3-node cluster (pool n1, n2) and the market's view of it, started before the describe's tests, stopped after. */
function clusterPerDescribe(): { cluster: () => OrderingCluster; chain: () => MarketChain } {
  let cluster: OrderingCluster | undefined;
  let chain: MarketChain | undefined;
  before(async function () {
    cluster = await startOrderingCluster({ nodes: 3, pool: 2 });
    chain = await openOrderedChain({ urls: cluster.urls, chainUrl: cluster.chainUrl });
  });
  after(async function () {
    await chain?.stop();
    await cluster?.stop();
  });
  return { cluster: () => cluster!, chain: () => chain! };
}

describe("the market through the improved-Raft ordering service (real processes)", function () {
  describe("when a 3-node cluster (pool n1, n2) orders every transaction", function () {
    const { cluster, chain } = clusterPerDescribe();

    for (const pricing of ["surplus-split", "paper-table"] as PricingRule[]) {
      it(`replays Case A under ${pricing} pricing with the same matches and totals as direct mode`, async function () {
        const ordered = await replayThrough(chain(), CASE_A, pricing);
        expect(ordered.matches).to.have.length.greaterThan(0);
        expect(ordered).to.deep.equal(await replayDirect(CASE_A, pricing));
      });
    }

    it("replays a synthetic market (12 buyers, 12 sellers, 3 regions) with the same matches and totals", async function () {
      const ordered = await replayThrough(chain(), SYNTHETIC, "surplus-split");
      expect(ordered.matches).to.have.length.greaterThan(5);
      expect(ordered).to.deep.equal(await replayDirect(SYNTHETIC, "surplus-split"));
    });

    it("says how many transactions it ordered into how many blocks, with no leader change", async function () {
      const summary = await chain().summary();
      expect(summary).to.deep.include({ mode: "raft", nodes: 3, pool: ["n1", "n2"], leaderChanges: 0 });
      // Three replays: each deploys 6 contracts and a library, grants 2 roles and sends one transaction per participant
      // and stage.
      expect(summary.transactions).to.be.greaterThan(3 * 8 + 2 * CASE_A.orders.length + 2 * SYNTHETIC.orders.length);
      // Different signers' transactions share blocks: registrations, approvals and listings overlap.
      expect(summary.blocks).to.be.within(1, summary.transactions - 1);
      // Every node's replica applied every ordered block and ended at the same head.
      expect(summary.replicas!.map((r) => r.node)).to.deep.equal(["n1", "n2", "n3"]);
      for (const r of summary.replicas!) expect(r.head).to.deep.equal(summary.replicas![0]!.head);
      expect(summary.replicas![0]!.head.number).to.be.greaterThan(0);
      expect(summary.replicas![0]!.head.hash).to.match(/^0x[0-9a-f]{64}$/);
    });
  });

  describe("when the leader is killed with kill -9 during a replay", function () {
    const { cluster, chain } = clusterPerDescribe();

    it("completes with the same matches and totals, after a new leader from the pool takes over", async function () {
      let killing: Promise<{ killed: string; next: string }> | undefined;
      const killLeader = async () => {
        const killed = await cluster().local.leader();
        await cluster().local.kill(killed, "SIGKILL");
        const next = await cluster().local.leader(30_000);
        // The killed node comes back (its WAL, block store and replica intact): its replica goes on from its checkpoint.
        await cluster().local.start(killed);
        return { killed, next };
      };
      const progress: ProgressSink = (e) => {
        if (e.stage === "list" && e.done === 6 && killing === undefined) killing = killLeader();
      };
      const ordered = await replayThrough(chain(), SYNTHETIC, "surplus-split", progress);
      expect(killing, "the leader was killed").to.not.equal(undefined);
      const { killed, next } = await killing!;
      expect(next).to.not.equal(killed);
      expect(["n1", "n2"]).to.include(next);
      expect(ordered).to.deep.equal(await replayDirect(SYNTHETIC, "surplus-split"));
      const summary = await chain().summary();
      expect(summary.leaderChanges).to.be.at.least(1);
      for (const r of summary.replicas!) expect(r.head).to.deep.equal(summary.replicas![0]!.head);
    });
  });
});
