import { expect } from "chai";
import { HDNodeWallet, Mnemonic, Wallet } from "ethers";
import type { DevNode } from "../../src/chain/devnode";
import { InProcessCluster, getJson, post, signedTransfer, startChains, stopChains, waitFor } from "./harness";
import { chainOf } from "../helpers/chain-headers";

const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
const account = (i: number): HDNodeWallet => HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`);

interface Header {
  hash: string;
  stateRoot: string;
  receiptsRoot: string;
  timestamp: string;
  transactions: string[];
}

/** Every block of a replica, genesis first. */
describe("node: a replica per member (issue 13)", function () {
  this.timeout(180_000);
  let chains: DevNode[];
  let cluster: InProcessCluster;
  const ids = ["n1", "n2", "n3"];

  before(async function () {
    chains = await startChains(3);
    cluster = new InProcessCluster({ roles: ["trading-centre", "trading-centre", "participant"], chains: chains.map((c) => c.url), clockAdvance: true });
    await cluster.startAll();
    await cluster.leader();
  });

  after(async function () {
    await cluster?.stopAll();
    cluster?.cleanup();
    await stopChains(chains);
  });

  /** Waits until every node's replica applied `hashes` (or refused them) and every block its store holds. */
  async function settled(...hashes: string[]): Promise<void> {
    for (const h of hashes) {
      await waitFor(async () => {
        const views = await Promise.all(ids.map((id) => cluster.nodes.get(id)!.lookup(h)));
        return views.every((v) => v?.status === "applied" || v?.error !== undefined) ? true : undefined;
      }, 60_000, `${h} on every replica`);
    }
    await waitFor(() => {
      const st = ids.map((id) => cluster.nodes.get(id)!.status());
      const top = st[0]!.blocks.number;
      return st.every((s) => s.blocks.number === top && s.replica?.appliedBlock === top) ? true : undefined;
    }, 60_000, "every replica to apply every stored block");
  }

  async function expectIdenticalReplicas(): Promise<Header[]> {
    const all = await Promise.all(chains.map((c) => chainOf<Header>(c.url)));
    for (const [k, replica] of all.entries()) {
      expect(replica.length, `${ids[k]}'s height`).to.equal(all[0]!.length);
      // Hardhat's header has no node-local field: with the same genesis and timestamps, hashes agree at every height.
      expect(replica.map((b) => b.hash), `${ids[k]}'s block hashes`).to.deep.equal(all[0]!.map((b) => b.hash));
      expect(replica.map((b) => b.stateRoot), `${ids[k]}'s state roots`).to.deep.equal(all[0]!.map((b) => b.stateRoot));
    }
    return all[0]!;
  }

  describe("when transfers are ordered while a node restarts", function () {
    it("applies every acknowledged transaction once, in the ordered sequence, to every replica, and the replicas are identical", async function () {
      const senders = [account(1), account(2), account(3)];
      const nonces = [0, 0, 0];
      const acked: string[] = [];
      const round = async (count: number): Promise<void> => {
        const raws = await Promise.all(Array.from({ length: count }, (_, k) => signedTransfer(senders[k % 3]!, nonces[k % 3]!++, account(9).address)));
        await Promise.all(
          [0, 1, 2].map(async (s) => {
            for (const raw of raws.filter((_, k) => k % 3 === s)) {
              const via = cluster.nodes.has(`n${s + 1}`) ? `n${s + 1}` : "n1";
              const res = await post(cluster.peerApi[via]!, raw);
              expect(res.status).to.equal(200);
              acked.push((res.body.hash as string).toLowerCase());
            }
          }),
        );
      };
      await round(30);
      await cluster.stop("n3");
      await round(30);
      await cluster.start("n3");
      await round(15);
      await settled(...acked);
      const chain = await expectIdenticalReplicas();
      const onChain = chain.flatMap((b) => b.transactions.map((h) => h.toLowerCase()));
      expect(new Set(onChain).size).to.equal(onChain.length);
      expect([...onChain].sort()).to.deep.equal([...acked].sort());
      const placed = await Promise.all(acked.map((h) => cluster.nodes.get("n1")!.lookup(h)));
      const byOrder = acked.map((h, k) => ({ h, p: placed[k]! })).sort((a, b) => a.p.block! - b.p.block! || a.p.index! - b.p.index!);
      expect(onChain).to.deep.equal(byOrder.map((x) => x.h));
      const st = cluster.nodes.get("n2")!.status();
      expect(st.replica).to.deep.include({ number: chain.length - 1, hash: chain.at(-1)!.hash, stateRoot: chain.at(-1)!.stateRoot });
    });
  });

  describe("when a transaction is looked up", function () {
    it("gives the same answer on every node, applied with its receipt status or the chain's refusal", async function () {
      const ok = await post(cluster.peerApi.n2!, await signedTransfer(account(4), 0, account(9).address));
      // An account without ether: the orderer takes the nonce, every replica's chain refuses the transaction.
      const broke = new Wallet(Wallet.createRandom().privateKey);
      const refused = await post(cluster.peerApi.n3!, await signedTransfer(broke, 0, account(9).address));
      expect([ok.status, refused.status]).to.deep.equal([200, 200]);
      await settled(ok.body.hash as string, refused.body.hash as string);
      for (const [hash, want] of [[ok.body.hash, "applied"], [refused.body.hash, "ordered"]] as const) {
        const answers = await Promise.all(ids.map((id) => getJson(`${cluster.peerApi[id]}/v1/transactions/${hash}`)));
        for (const a of answers) expect(a).to.deep.equal(answers[0]);
        expect(answers[0]!.body.status).to.equal(want);
      }
      const okAnswer = (await getJson(`${cluster.peerApi.n1}/v1/transactions/${ok.body.hash}`)).body;
      expect(okAnswer.receiptStatus).to.equal("success");
      const refusal = (await getJson(`${cluster.peerApi.n1}/v1/transactions/${refused.body.hash}`)).body;
      expect(refusal).to.deep.include({ chainBlock: null });
      expect(refusal.error).to.match(/funds/i);
    });
  });

  describe("when the devnet clock is advanced (POST /v1/clock)", function () {
    it("moves the next block's time forward by the same amount on every replica", async function () {
      const day = 86_400;
      const before = Math.floor(Date.now() / 1000);
      const res = await fetch(`${cluster.peerApi.n3}/v1/clock`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ advanceSeconds: day }) });
      expect(res.status).to.equal(200);
      const body = (await res.json()) as { offsetSeconds: number; index: number; now: number };
      expect(body.offsetSeconds).to.equal(day);
      expect(body.now).to.be.at.least(before + day);
      // The advance itself is an empty block at the new time on every replica (calls and gas estimates read the head).
      const heads = await waitFor(async () => {
        const tops = await Promise.all(chains.map(async (c) => (await chainOf<Header>(c.url)).at(-1)!));
        return tops.every((t) => Number(BigInt(t.timestamp)) >= before + day && t.transactions.length === 0) ? tops : undefined;
      }, 30_000, "the clock's empty block on every replica");
      for (const h of heads) expect(h.hash).to.equal(heads[0]!.hash);
      const tx = await post(cluster.peerApi.n1!, await signedTransfer(account(5), 0, account(9).address));
      expect(tx.status).to.equal(200);
      await settled(tx.body.hash as string);
      const chain = await expectIdenticalReplicas();
      const mined = chain.find((b) => b.transactions.map((h) => h.toLowerCase()).includes(tx.body.hash as string))!;
      expect(Number(BigInt(mined.timestamp))).to.be.at.least(before + day);
      const st = ids.map((id) => cluster.nodes.get(id)!.status());
      expect(new Set(st.map((s) => s.blocks.hash)).size).to.equal(1);
    });

    it("refuses a malformed advance with 400", async function () {
      const res = await fetch(`${cluster.peerApi.n1}/v1/clock`, { method: "POST", body: JSON.stringify({ advanceSeconds: -5 }) });
      expect(res.status).to.equal(400);
    });
  });

  describe("when peers compare replicas", function () {
    it("serves a replica's chain block by number, the same on every node", async function () {
      const blocks = await Promise.all(ids.map((id) => getJson(`${cluster.peerApi[id]}/v1/replica/blocks/1`)));
      for (const b of blocks) expect(b).to.deep.equal(blocks[0]);
      expect(blocks[0]!.status).to.equal(200);
      expect((await getJson(`${cluster.peerApi.n1}/v1/replica/blocks/999999`)).status).to.equal(404);
    });
  });
});


