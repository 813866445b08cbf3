import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { pegFixture, type Peg } from "./fixtures";
import { MAIN_CHAIN, abandonQuorum, call, govern, quorum, refundQuorum, sent, type Message } from "./helpers";
import { WAD } from "../helpers/rules";

/**
 * Model-based check of the peg under deliveries, abandons and refunds in any order: each lock ends minted or
 * refunded, never both; nothing is created or lost. Invariants: test/PROPERTIES.md, "Bridge refunds".
 */
const SEED = Number(process.env.FC_SEED ?? 20261207);
const RUNS = Number(process.env.FC_RUNS ?? 40);
/** The side chain's mint limit in this property (one window for the whole run). */
const LIMIT = 100n * WAD;
const AMOUNTS = [10n * WAD, 40n * WAD, 70n * WAD, 150n * WAD]; // the last one exceeds the whole limit

/** Four locks by users[0] (one of each amount), not delivered; one mint window for the whole run. */
async function fourLocksFixture(): Promise<Peg & { messages: Message[] }> {
  const p = await pegFixture();
  await (await govern(p.side, call(p.side, "setMintLimit", [LIMIT, 2n ** 40n]))).wait();
  const messages: Message[] = [];
  for (const amount of AMOUNTS) messages.push(...(await sent(p.main, p.vault.connect(p.users[0]!).lock(amount, p.users[0]!.address))));
  return { ...p, messages };
}

type Op = { t: "execute" | "abandon" | "refund"; i: number };
const opArb: fc.Arbitrary<Op> = fc.record({ t: fc.constantFrom("execute" as const, "abandon" as const, "refund" as const), i: fc.integer({ min: 0, max: 3 }) });

/** What the contracts must do, as a small independent model. */
class PegModel {
  minted = [false, false, false, false];
  abandoned = [false, false, false, false];
  refunded = [false, false, false, false];
  used = 0n;
  processed(i: number): boolean {
    return this.minted[i]! || this.abandoned[i]!;
  }
  /** Amount locked in the vault but not (yet) minted: in flight, or abandoned and not refunded yet. */
  unminted(): bigint {
    return AMOUNTS.reduce((sum, a, i) => (this.minted[i] || this.refunded[i] ? sum : sum + a), 0n);
  }
}

async function apply(p: Peg & { messages: Message[] }, model: PegModel, op: Op): Promise<void> {
  const m = p.messages[op.i]!;
  const amount = AMOUNTS[op.i]!;
  if (op.t === "execute") {
    const tx = p.side.execute(m, await quorum(p.side, m));
    if (model.processed(op.i)) await expect(tx).to.be.revertedWithCustomError(p.side, "BridgeGatewayAlreadyProcessed");
    else if (amount > LIMIT - model.used) await expect(tx).to.be.revertedWithCustomError(p.side, "BridgeGatewayMintLimitExceeded");
    else {
      await expect(tx).to.emit(p.wrapped, "WrappedDPLCMinted");
      model.minted[op.i] = true;
      model.used += amount;
    }
  } else if (op.t === "abandon") {
    const tx = p.side.abandon(m, await abandonQuorum(p.side, m));
    if (model.processed(op.i)) await expect(tx).to.be.revertedWithCustomError(p.side, "BridgeGatewayAlreadyProcessed");
    else {
      await expect(tx).to.emit(p.side, "BridgeMessageAbandoned");
      model.abandoned[op.i] = true;
    }
  } else if (model.abandoned[op.i]) {
    // Honest validators attest a refund only for an abandoned message.
    const tx = p.main.refund(m, await refundQuorum(p.main, m));
    if (model.refunded[op.i]) await expect(tx).to.be.revertedWithCustomError(p.main, "BridgeGatewayAlreadyRefunded");
    else {
      await expect(tx).to.emit(p.vault, "TokenVaultRefunded");
      model.refunded[op.i] = true;
    }
  }
}

describe("Bridge refunds — property", function () {
  it(`ends each lock minted or refunded, never both, and conserves the user's DPLC (seed ${SEED}, ${RUNS} runs)`, async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 16 }), async (ops) => {
        const p = await loadFixture(fourLocksFixture);
        const alice = p.users[0]!;
        const total = (await p.token.balanceOf(alice.address)) + AMOUNTS.reduce((a, b) => a + b, 0n);
        const model = new PegModel();
        for (const op of ops) {
          await apply(p, model, op);
          const locked = await p.vault.locked();
          const supply = await p.wrapped.totalSupply();
          expect(locked - supply).to.equal(model.unminted());
          expect(await p.token.balanceOf(await p.vault.getAddress())).to.equal(locked);
          expect((await p.token.balanceOf(alice.address)) + (await p.wrapped.balanceOf(alice.address)) + locked - supply).to.equal(total);
        }
        for (const [i, m] of p.messages.entries()) {
          expect(await p.side.processed(MAIN_CHAIN, await p.main.getAddress(), m.nonce)).to.equal(model.processed(i));
          expect(model.minted[i] && model.refunded[i]).to.equal(false);
          expect(await p.main.refunded(m.nonce)).to.equal(model.refunded[i]);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });
});
