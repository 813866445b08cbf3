import { expect } from "chai";
import hre from "hardhat";
import { JsonRpcProvider, Transaction, Wallet, id } from "ethers";
import { deployMarketSystem, type MarketSystem } from "../../src/chain/deploy";
import { startOrderingCluster, type OrderingCluster } from "../../src/ordering/cluster";
import { openOrderedChain, type MarketChain } from "../../src/ordering/session";
import { describeFailure, loadErrorCatalog } from "../../src/ops/chain-error";
import { ChainRefusedError, OrderedSubmitter, OrdererRefusedError, type Submitter } from "../../src/submitters";
import { NonceConflictError } from "../../src/submitters/orderer-api";

const RMB = 10n ** 18n;

describe("ordered submitter (src/submitters/ordered) against a running cluster", function () {
  let cluster: OrderingCluster;
  let chain: MarketChain;
  let sys: MarketSystem;
  let provider: JsonRpcProvider;
  const chainProvider = () => provider;
  before(async function () {
    cluster = await startOrderingCluster({ nodes: 3, pool: 2 });
    chain = await openOrderedChain({ urls: cluster.urls, chainUrl: cluster.chainUrl });
    sys = await deployMarketSystem(chain.operators, chain.submitter);
    provider = new JsonRpcProvider(cluster.chainUrl, 31337, { staticNetwork: true });
  });
  after(async function () {
    provider?.destroy();
    await chain?.stop();
    await cluster?.stop();
  });

  const cashier = () => chain.operators.cashier as Wallet;
  const deposit = (to: string, receipt: string) => sys.token.deposit.populateTransaction(to, RMB, id(receipt));
  const sendAll = (submitter: Submitter, txs: Awaited<ReturnType<typeof deposit>>[]) =>
    Promise.allSettled(txs.map(async (tx) => (await submitter.submit(cashier(), tx)).wait()));

  describe("when one signer submits many transactions at once", function () {
    it("orders them in call order with consecutive nonces and applies them all", async function () {
      const user = await chain.operators.dispatch.getAddress();
      const first = await cashier().getNonce();
      const results = await sendAll(chain.submitter, await Promise.all(Array.from({ length: 12 }, (_, k) => deposit(user, `many-${k}`))));
      const receipts = results.map((r) => (r.status === "fulfilled" ? r.value : expect.fail(String(r.reason))));
      const nonces = await Promise.all(receipts.map(async (r) => (await r.getTransaction()).nonce));
      expect(nonces).to.deep.equal(Array.from({ length: 12 }, (_, k) => first + k));
      expect(await sys.token.balanceOf(user)).to.equal(120n * RMB); // 12 × 1 RMB at 10 tokens/RMB
    });

    it("sends the ones that queue up behind the first as batches, in fewer requests than transactions", async function () {
      const submitter = new OrderedSubmitter({ urls: cluster.urls, provider: chainProvider(), chainId: 31337n });
      const batches: number[] = [];
      const submitBatch = submitter.api.submitBatch.bind(submitter.api);
      submitter.api.submitBatch = async (raws) => (batches.push(raws.length), submitBatch(raws));
      const user = await chain.operators.tradingCentre.getAddress();
      const before = await sys.token.balanceOf(user);
      const results = await sendAll(submitter, await Promise.all(Array.from({ length: 20 }, (_, k) => deposit(user, `batched-${k}`))));
      expect(results.every((r) => r.status === "fulfilled")).to.equal(true);
      expect(await sys.token.balanceOf(user)).to.equal(before + 200n * RMB);
      expect(batches.length).to.be.greaterThan(0);
      expect(batches.reduce((a, b) => a + b, 0)).to.be.greaterThan(10);
    });

    it("re-signs a batch from the cluster's expected nonce when another client used the next one", async function () {
      const mine = new OrderedSubmitter({ urls: cluster.urls, provider: chainProvider(), chainId: 31337n });
      const other = new OrderedSubmitter({ urls: cluster.urls, provider: chainProvider(), chainId: 31337n });
      const user = await chain.operators.tradingCentre.getAddress();
      await (await mine.submit(cashier(), await deposit(user, "resync-first"))).wait();
      await (await other.submit(cashier(), await deposit(user, "resync-elsewhere"))).wait();
      const before = await sys.token.balanceOf(user);
      const results = await sendAll(mine, await Promise.all([0, 1, 2].map((k) => deposit(user, `resync-${k}`))));
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "fulfilled", "fulfilled"]);
      expect(await sys.token.balanceOf(user)).to.equal(before + 30n * RMB);
    });

    it("refuses one the chain would revert with the contract's error, and goes on with the next", async function () {
      const user = await chain.operators.gridCompany.getAddress();
      const again = await deposit(user, "same");
      const results = await sendAll(chain.submitter, [again, again, await deposit(user, "other")]);
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
      const catalog = await loadErrorCatalog(hre.artifacts);
      const line = await describeFailure((results[1] as PromiseRejectedResult).reason, async () => catalog);
      expect(line).to.equal(`DPLCTokenDuplicateReceipt(receiptId=${id("same")})`);
      expect(await sys.token.balanceOf(user)).to.equal(20n * RMB);
    });
  });

  describe("when a node does not answer", function () {
    it("fails over to the next URL", async function () {
      const submitter = new OrderedSubmitter({ urls: ["http://127.0.0.1:9", ...cluster.urls], provider: chainProvider(), chainId: 31337n });
      const user = await chain.operators.admin.getAddress();
      const [r] = await sendAll(submitter, [await deposit(user, "failover")]);
      expect(r!.status).to.equal("fulfilled");
      expect(await sys.token.balanceOf(user)).to.equal(10n * RMB);
    });
  });

  describe("when the cluster or the chain refuses a transaction", function () {
    it("reports a transaction signed for another chain as a final 400, in one line", async function () {
      const to = await cashier().getAddress();
      const raw = await cashier().signTransaction(Transaction.from({ type: 2, chainId: 1, nonce: 0, gasLimit: 21_000, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, to }));
      const submitter = new OrderedSubmitter({ urls: cluster.urls, provider: chainProvider(), chainId: 31337n });
      const err = await submitter.api.submit(raw).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(OrdererRefusedError);
      expect((err as OrdererRefusedError).status).to.equal(400);
      expect((err as Error).message).to.match(/^the ordering service refused the transaction \(HTTP 400\): [^\n]+$/);
    });

    it("surfaces the cluster's 409 for an explicit nonce already used, with the nonce it expects, and orders nothing", async function () {
      const user = await chain.operators.admin.getAddress();
      const next = await cashier().getNonce();
      const before = await sys.token.balanceOf(user);
      const pending = chain.submitter.submit(cashier(), await deposit(user, "stale-nonce"), { nonce: 0 });
      const err = await pending.then((p) => p.wait()).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(NonceConflictError);
      expect((err as NonceConflictError).expectedNonce).to.equal(next);
      expect((err as Error).message).to.match(/nonce 0 of 0x[0-9a-fA-F]{40}.*already used/);
      expect(await sys.token.balanceOf(user)).to.equal(before);
    });

    it("turns a refusal the chain reports for an ordered transaction into a typed error", async function () {
      // A sender without ether: admitted and ordered (the cluster does not read balances), refused by the chain.
      const broke = Wallet.createRandom().connect(chainProvider());
      const tx = { to: broke.address, data: "0x", value: 0n, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n };
      const err = await chain.submitter
        .submit(broke, tx)
        .then((p) => p.wait())
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ChainRefusedError);
      expect((err as Error).message).to.match(/^the chain refused ordered transaction 0x[0-9a-f]{64}: .*(fund|balance)/i);
    });
  });
});
