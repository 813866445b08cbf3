import { expect } from "chai";
import { Wallet, type BaseWallet } from "ethers";
import hre from "hardhat";
import { applyBlock, edrBatch, type Eip1193, type EdrBatch } from "../../chain/replica-host";

// The replica host's one EDR batch per ordered block, against the Hardhat network of this test process: what the
// host relies on (EDR runs a batch in order and stops at the first error) and that a block takes one batch.
describe("chain/replica-host: one EDR batch per ordered block", function () {
  const provider = hre.network.provider as unknown as Eip1193 & { init(): Promise<unknown> };
  let batch: EdrBatch;
  let snapshot: unknown;

  const blockNumber = async (): Promise<number> => Number(BigInt((await provider.request({ method: "eth_blockNumber" })) as string));
  const head = async (): Promise<{ timestamp: string }> => (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string };

  beforeEach(async function () {
    const found = edrBatch(await provider.init());
    expect(found, "EDR's batch call under Hardhat's network provider").to.not.equal(null);
    batch = found!;
    snapshot = await provider.request({ method: "evm_snapshot" });
  });

  afterEach(async function () {
    await provider.request({ method: "evm_setAutomine", params: [true] });
    await provider.request({ method: "evm_revert", params: [snapshot] });
  });

  it("runs a batch's calls in order and answers each", async function () {
    const before = await blockNumber();
    const out = await batch([{ method: "evm_mine", params: [] }, { method: "evm_mine", params: [] }, { method: "eth_blockNumber", params: [] }]);
    expect(out).to.have.length(3);
    expect(Number(BigInt(out![2] as string))).to.equal(before + 2);
  });

  it("stops at the first error, keeping what ran before it, and answers null", async function () {
    const before = await blockNumber();
    const past = Number(BigInt((await head()).timestamp)) - 10;
    await provider.request({ method: "evm_mine", params: [] });
    const out = await batch([{ method: "evm_mine", params: [] }, { method: "evm_mine", params: [past] }, { method: "evm_mine", params: [] }]);
    expect(out).to.equal(null);
    expect(await blockNumber()).to.equal(before + 2);
  });

  it("applies a block with one batch and no call one at a time, in the order sent", async function () {
    await provider.request({ method: "evm_setAutomine", params: [false] });
    const senders = [Wallet.createRandom(), Wallet.createRandom()];
    for (const w of senders) await provider.request({ method: "hardhat_setBalance", params: [w.address, "0x" + (10n ** 20n).toString(16)] });
    const { chainId } = await hre.ethers.provider.getNetwork();
    const sign = (w: BaseWallet, nonce: number) =>
      w.signTransaction({ type: 2, chainId, nonce, to: senders[0]!.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: BigInt(1 + nonce) });
    const raws = [await sign(senders[1]!, 0), await sign(senders[0]!, 0), await sign(senders[1]!, 1)];
    const calls: string[] = [];
    const counting: Eip1193 = { request: (a) => (calls.push(a.method), provider.request(a)) };
    let batches = 0;
    const countingBatch: EdrBatch = (c) => (batches++, batch(c));
    const timestamp = Number(BigInt((await head()).timestamp)) + 5;

    const answer = await applyBlock(counting, { index: 1, timestamp, transactions: raws }, countingBatch);

    expect({ batches, calls }).to.deep.equal({ batches: 1, calls: [] });
    const mined = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { transactions: string[]; timestamp: string };
    expect(mined.transactions).to.deep.equal(raws.map((r) => hre.ethers.keccak256(r)));
    expect(Number(BigInt(mined.timestamp))).to.equal(timestamp);
    expect(answer.results.map((r) => r.chainBlock)).to.deep.equal(raws.map(() => Number(BigInt(answer.head!.number))));
  });
});
