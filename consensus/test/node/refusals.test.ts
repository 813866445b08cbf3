import { expect } from "chai";
import { Signature, Transaction, type BaseWallet } from "ethers";
import type { DevNode } from "../../src/chain/devnode";
import { devWallet } from "../chain/registry-fixture";
import { CHAIN_ID, InProcessCluster, getJson, post, startChains, stopChains, waitFor } from "./harness";

type Answer = { status: number; body: Record<string, unknown> };

/**
 * "Never acknowledge what the chain will refuse": each bad transaction sent to the leader and to
 * every follower gets the same answer from every node, before anything is ordered.
 */
describe("node: a transaction the chain would refuse is never acknowledged", function () {
  this.timeout(120_000);
  let chains: DevNode[];
  let cluster: InProcessCluster;
  let leader: string;
  let followers: string[];

  before(async function () {
    chains = await startChains(3);
    cluster = new InProcessCluster({ roles: ["trading-centre", "trading-centre", "participant"], chains: chains.map((c) => c.url) });
    await cluster.startAll();
    leader = await cluster.leader();
    followers = [...cluster.nodes.keys()].filter((id) => id !== leader);
  });

  after(async function () {
    await cluster?.stopAll();
    cluster?.cleanup();
    await stopChains(chains);
  });

  const transfer = (w: BaseWallet, nonce: number, value = 1n): Promise<string> =>
    w.signTransaction({ type: 2, chainId: CHAIN_ID, nonce, to: devWallet(0).address, value, gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n });
  const hashOf = (raw: string): string => Transaction.from(raw).hash!;

  /** The same request to the leader, then to each follower: every answer, in that order. */
  async function everyNode(raw: string): Promise<Answer[]> {
    const out: Answer[] = [];
    for (const id of [leader, ...followers]) out.push(await post(cluster.peerApi[id]!, raw));
    return out;
  }

  async function lookupEverywhere(hash: string): Promise<Answer[]> {
    return Promise.all([leader, ...followers].map((id) => getJson(`${cluster.peerApi[id]}/v1/transactions/${hash}`)));
  }

  async function appliedEverywhere(hash: string): Promise<Answer[]> {
    return waitFor(async () => {
      const views = await lookupEverywhere(hash);
      return views.every((v) => v.body.status === "applied") ? views : undefined;
    }, 30_000, `${hash} applied on every node`);
  }

  function expectSame(answers: Answer[], status: number, body: Record<string, unknown>): void {
    for (const a of answers) expect(a).to.deep.equal({ status, body });
  }

  describe("when the signature recovers no key (r is not a curve point)", function () {
    it("answers 400 on every node and orders nothing", async function () {
      const tx = Transaction.from(await transfer(devWallet(10), 0));
      tx.signature = Signature.from({ r: "0x" + "00".repeat(31) + "05", s: tx.signature!.s, yParity: 0 });
      const answers = await everyNode(tx.serialized);
      expect(answers[0]!.status).to.equal(400);
      expect(answers[0]!.body.error).to.match(/^invalid signature/);
      expectSame(answers, 400, answers[0]!.body);
      expectSame(await lookupEverywhere(tx.hash!), 404, { error: `unknown transaction ${tx.hash} (never submitted here, or older than the ledger keeps)` });
    });
  });

  describe("when the nonce leaves a gap", function () {
    it("answers 409 with the sender's next nonce (its chain nonce) on every node", async function () {
      const w = devWallet(11);
      expectSame(await everyNode(await transfer(w, 3)), 409, {
        error: `nonce 3 of ${w.address} leaves a gap: its next nonce is 0`,
        sender: w.address,
        nonce: 3,
        expectedNonce: 0,
      });
    });

    it("orders the same bytes once the gap is filled, and the chain runs both in order", async function () {
      const w = devWallet(12);
      const second = await transfer(w, 1);
      expect((await post(cluster.peerApi[followers[0]!]!, second)).status).to.equal(409);
      expect((await post(cluster.peerApi[leader]!, await transfer(w, 0))).body.status).to.equal("ordered");
      const again = await post(cluster.peerApi[followers[1]!]!, second);
      expect(again).to.deep.equal({ status: 200, body: { hash: hashOf(second), status: "ordered" } });
      const views = await appliedEverywhere(hashOf(second));
      for (const v of views) expect(v.body).to.deep.equal(views[0]!.body);
    });
  });

  describe("when the nonce is already used", function () {
    it("answers 409 with the next nonce on every node, counting what is ordered but not yet applied", async function () {
      const w = devWallet(13);
      const first = await transfer(w, 0);
      expect((await post(cluster.peerApi[followers[1]!]!, first)).body.status).to.equal("ordered");
      expectSame(await everyNode(await transfer(w, 0, 2n)), 409, {
        error: `nonce 0 of ${w.address} is already used: its next nonce is 1`,
        sender: w.address,
        nonce: 0,
        expectedNonce: 1,
      });
      // The very same bytes again are no conflict: every node answers where they went.
      for (const a of await everyNode(first)) {
        expect(a.status).to.equal(200);
        expect(a.body.hash).to.equal(hashOf(first));
        expect(a.body.status).to.be.oneOf(["ordered", "applied"]);
      }
    });

    it("orders exactly one of two transactions with the same nonce sent at once, to the leader or through two followers", async function () {
      const w = devWallet(14);
      for (const [nonce, targets] of [[0, [leader, leader]], [1, followers]] as const) {
        const [a, b] = [await transfer(w, nonce, 1n), await transfer(w, nonce, 2n)];
        const answers = await Promise.all([post(cluster.peerApi[targets[0]!]!, a), post(cluster.peerApi[targets[1]!]!, b)]);
        expect(answers.map((x) => x.status).sort()).to.deep.equal([200, 409]);
        const lost = answers.find((x) => x.status === 409)!;
        expect(lost.body.expectedNonce).to.equal(nonce + 1);
        const won = answers.find((x) => x.status === 200)!;
        await appliedEverywhere(won.body.hash as string);
      }
    });
  });

  describe("when one sender's transactions come as one batch (POST /v1/transactions/batch)", function () {
    const postBatch = async (url: string, raws: string[]): Promise<Answer> => {
      const res = await fetch(`${url}/v1/transactions/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ raws }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it("takes consecutive nonces in at once through a follower: they share ordered blocks and the chain runs them in order", async function () {
      const w = devWallet(15);
      const raws = await Promise.all([0, 1, 2, 3, 4].map((n) => transfer(w, n)));
      const res = await postBatch(cluster.peerApi[followers[0]!]!, raws);
      expect(res.status).to.equal(200);
      expect(res.body.results).to.deep.equal(raws.map((r) => ({ hash: hashOf(r), status: "ordered" })));
      const views = await Promise.all(raws.map((r) => appliedEverywhere(hashOf(r))));
      const blocks = views.map((v) => v[0]!.body.block as number);
      // Each is taken in once the one before is admitted, not once it is committed: one commit each would give five.
      expect(new Set(blocks).size).to.be.lessThan(raws.length);
      const order = views.map((v) => [v[0]!.body.block as number, v[0]!.body.index as number]);
      expect(order).to.deep.equal([...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    });

    it("refuses the item whose nonce leaves a gap, on its own, with the sender's next nonce", async function () {
      const w = devWallet(16);
      const raws = [await transfer(w, 0), await transfer(w, 2)];
      const res = await postBatch(cluster.peerApi[leader]!, raws);
      const results = res.body.results as Record<string, unknown>[];
      expect(results[0]).to.deep.equal({ hash: hashOf(raws[0]!), status: "ordered" });
      expect(results[1]).to.deep.equal({
        hash: hashOf(raws[1]!),
        code: 409,
        error: `nonce 2 of ${w.address} leaves a gap: its next nonce is 1`,
        sender: w.address,
        nonce: 2,
        expectedNonce: 1,
      });
    });
  });

  describe("when a clock advance is asked of nodes whose config does not enable it", function () {
    it("refuses it with 403 on every node", async function () {
      for (const id of [leader, ...followers]) {
        const res = await fetch(`${cluster.peerApi[id]}/v1/clock`, { method: "POST", body: JSON.stringify({ advanceSeconds: 60 }) });
        expect(res.status, id).to.equal(403);
        expect(((await res.json()) as { error: string }).error).to.match(/clock advances are disabled/);
      }
    });
  });
});
