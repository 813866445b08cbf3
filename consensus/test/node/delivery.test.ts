import { expect } from "chai";
import { HDNodeWallet, Mnemonic } from "ethers";
import { startHardhatNode, type DevNode } from "../../src/chain/devnode";
import { JsonRpcClient } from "../../src/chain/rpc";
import { InProcessCluster, post, signedTransfer, waitFor } from "./harness";

const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
const account = (i: number): HDNodeWallet => HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`);

describe("node: delivery of committed blocks to the chain", function () {
  this.timeout(120_000);
  let chain: DevNode;
  let cluster: InProcessCluster;

  before(async function () {
    chain = await startHardhatNode();
  });

  after(async function () {
    await chain?.stop();
  });

  afterEach(async function () {
    await cluster.stopAll();
    cluster.cleanup();
  });

  it("puts every ordered transaction on chain exactly once, in the ordered sequence, across a restart of the delivering node", async function () {
    cluster = new InProcessCluster(
      { roles: ["trading-centre", "trading-centre", "participant"], chain: { rpcUrl: chain.url } },
      { deliverer: "n3" },
    );
    await cluster.startAll();
    await cluster.leader();
    const senders = [account(1), account(2), account(3)];
    const nonces = [0, 0, 0];
    const acked: string[] = [];
    const submitRound = async (count: number): Promise<void> => {
      const raws = await Promise.all(
        Array.from({ length: count }, (_, k) => signedTransfer(senders[k % 3]!, nonces[k % 3]!++, account(9).address)),
      );
      // Concurrent clients through different nodes; per-sender nonce order is kept by sending each sender's in order.
      await Promise.all(
        [0, 1, 2].map(async (s) => {
          for (const raw of raws.filter((_, k) => k % 3 === s)) {
            const via = cluster.nodes.has(`n${s + 1}`) ? `n${s + 1}` : "n1";
            const res = await post(cluster.peerApi[via]!, raw);
            expect(res.status).to.equal(200);
            expect(res.body.status).to.be.oneOf(["ordered", "applied"]);
            acked.push(res.body.hash as string);
          }
        }),
      );
    };
    await submitRound(30);
    await cluster.stop("n3");
    await submitRound(30);
    await cluster.start("n3");
    await submitRound(15);

    const n3 = cluster.nodes.get("n3")!;
    const placed = await Promise.all(
      acked.map((h) => waitFor(async () => {
        const l = await n3.lookup(h);
        return l?.status === "applied" ? l : undefined;
      }, 30_000, `transaction ${h} applied`)),
    );
    // The chain holds each acknowledged transaction once, in (ordered block, index) order.
    const rpc = new JsonRpcClient(chain.url);
    const height = Number(BigInt(await rpc.call<string>("eth_blockNumber")));
    const onChain: string[] = [];
    for (let b = 1; b <= height; b++) {
      const blk = await rpc.call<{ transactions: string[] }>("eth_getBlockByNumber", ["0x" + b.toString(16), false]);
      onChain.push(...blk.transactions.map((h) => h.toLowerCase()));
    }
    expect(new Set(onChain).size).to.equal(onChain.length);
    expect([...onChain].sort()).to.deep.equal([...acked].map((h) => h.toLowerCase()).sort());
    const byOrder = acked
      .map((h, k) => ({ h: h.toLowerCase(), p: placed[k]! }))
      .sort((a, b) => a.p.block! - b.p.block! || a.p.index! - b.p.index!)
      .map((x) => x.h);
    expect(onChain).to.deep.equal(byOrder);
    // One chain block per ordered block.
    const perBlock = new Map<number, Set<number>>();
    for (const p of placed) perBlock.set(p.block!, (perBlock.get(p.block!) ?? new Set()).add(p.chainBlock!));
    for (const chainBlocks of perBlock.values()) expect(chainBlocks.size).to.equal(1);
  });
});
