import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Wallet } from "ethers";
import { gatewaysFixture, type Gateways } from "./fixtures";
import { MAIN_CHAIN, VALIDATORS, byAddress, call, govern, namedWallet, sent, sign, type Message } from "./helpers";

/**
 * Model-based checks of the gateway's two money-guarding rules, independent of the hand-picked unit cases in
 * BridgeGateway.test.ts: which signature lists `execute` accepts (threshold, validator set, no signer twice, ascending
 * order) and the per-period mint limit. Invariants: test/PROPERTIES.md, "Bridge gateway".
 */
const SEED = Number(process.env.FC_SEED ?? 20261206);
const RUNS = Number(process.env.FC_RUNS ?? 80);

/** Five validators (the fixture's three plus two) and one key outside the set; index 5 is the forger. */
const EXTRA = ["validator-4", "validator-5"].map(namedWallet);
const SET: Wallet[] = byAddress([...VALIDATORS, ...EXTRA]);
const KEYS: Wallet[] = [...SET, namedWallet("forger")];
const FORGER = KEYS.length - 1;

async function fiveValidatorsFixture(): Promise<Gateways & { m: Message; signatures: string[] }> {
  const g = await gatewaysFixture();
  for (const w of EXTRA) await (await govern(g.side, call(g.side, "addValidator", [w.address]))).wait();
  const [m] = await sent(g.main, g.main.connect(g.sender).send(await g.side.chainId(), await g.receiver.getAddress(), "0x"));
  // The message is the same in every run (the fixture is restored), so each key signs it once.
  return { ...g, m: m!, signatures: await sign(g.side, m!, KEYS) };
}

type Verdict = { ok: true } | { ok: false; error: string; args: unknown[] };

/**
 * The rule: at least `threshold` signatures, each by a validator, signers strictly ascending (hence distinct).
 * A refused list names its first violation, count first, then signature by signature.
 */
function verdict(keys: number[], threshold: number): Verdict {
  if (keys.length < threshold) return { ok: false, error: "BridgeGatewayTooFewSignatures", args: [keys.length, threshold] };
  let previous = 0n;
  for (const [i, k] of keys.entries()) {
    const address = KEYS[k]!.address;
    const value = BigInt(address);
    if (k === FORGER) return { ok: false, error: "BridgeGatewayUnknownSigner", args: [i, address] };
    if (value === previous) return { ok: false, error: "BridgeGatewayDuplicateSigner", args: [address] };
    if (value < previous) return { ok: false, error: "BridgeGatewaySignersUnordered", args: [KEYS[keys[i - 1]!]!.address, address] };
    previous = value;
  }
  return { ok: true };
}

/** Mostly near-valid lists (an ascending subset of the set, then one defect), so both sides of each rule are hit. */
const signerListArb: fc.Arbitrary<number[]> = fc.oneof(
  fc.array(fc.nat(FORGER), { maxLength: 7 }),
  fc
    .tuple(
      fc.subarray([0, 1, 2, 3, 4]),
      fc.constantFrom("none", "duplicate", "swap", "forge"),
      fc.nat(),
    )
    .map(([keys, defect, at]) => {
      if (keys.length === 0 || defect === "none") return keys;
      const i = at % keys.length;
      const out = [...keys];
      if (defect === "duplicate") out.splice(i, 0, keys[i]!);
      else if (defect === "forge") out.splice(i, 0, FORGER);
      else if (keys.length > 1) [out[i], out[(i + 1) % keys.length]] = [out[(i + 1) % keys.length]!, out[i]!];
      return out;
    }),
);

describe("BridgeGateway — property", function () {
  it(`executes exactly the signature lists the rule accepts (seed ${SEED}, ${RUNS} runs)`, async function () {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: SET.length }), signerListArb, async (threshold, keys) => {
        const g = await loadFixture(fiveValidatorsFixture);
        // All five sign the change, so it passes whatever the threshold was.
        await (await govern(g.side, call(g.side, "setThreshold", [threshold]), SET)).wait();
        const tx = g.side.execute(g.m, keys.map((k) => g.signatures[k]!));
        const v = verdict(keys, threshold);
        if (v.ok) await expect(tx).to.emit(g.receiver, "MockBridgeReceived");
        else await expect(tx).to.be.revertedWithCustomError(g.side, v.error).withArgs(...v.args);
        expect(await g.side.processed(MAIN_CHAIN, await g.main.getAddress(), g.m.nonce)).to.equal(v.ok);
        expect(await g.receiver.received()).to.equal(v.ok ? 1n : 0n);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });

  describe("mint limit", function () {
    const PERIOD = 3_600n;
    const LIMIT = 1_000n;

    async function limitFixture(): Promise<Gateways> {
      const g = await gatewaysFixture();
      await (await g.side.grantRole(await g.side.PEG_ROLE(), g.sender.address)).wait();
      await (await g.side.setMintLimit(LIMIT, PERIOD)).wait();
      return g;
    }

    /** When the next consumption lands: a few seconds later, a period or two later, or on a period's edge. */
    type When = { t: "after"; seconds: number } | { t: "lastSecond" } | { t: "nextPeriod" };
    type Action =
      | { t: "consume"; when: When; size: "available" | "oneMore" | "oneLess" | "any"; any: number }
      | { t: "setLimit"; limit: number; periodSeconds: bigint }
      | { t: "togglePause" };

    const whenArb: fc.Arbitrary<When> = fc.oneof(
      fc.record({ t: fc.constant("after" as const), seconds: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 8_000 })) }),
      fc.constant({ t: "lastSecond" as const }),
      fc.constant({ t: "nextPeriod" as const }),
    );
    const actionArb: fc.Arbitrary<Action> = fc.oneof(
      { weight: 8, arbitrary: fc.record({ t: fc.constant("consume" as const), when: whenArb, size: fc.constantFrom("available" as const, "oneMore" as const, "oneLess" as const, "any" as const), any: fc.nat(1_500) }) },
      {
        weight: 1,
        arbitrary: fc.record({
          t: fc.constant("setLimit" as const),
          limit: fc.nat(1_500),
          periodSeconds: fc.constantFrom(PERIOD, PERIOD / 4n, PERIOD * 3n),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ t: "togglePause" as const }) },
    );

    /**
     * The limit as the interface documents it: `limit` per `block.timestamp / periodSeconds`, unused part lost; a
     * reconfiguration carries the amount used in the current window into the window current under the new length.
     */
    class LimitModel {
      limit = LIMIT;
      periodSeconds = PERIOD;
      period = 0n;
      used = 0n;
      paused = false;
      available(period: bigint): { used: bigint; available: bigint } {
        const used = period === this.period ? this.used : 0n;
        return { used, available: this.limit > used ? this.limit - used : 0n };
      }
    }

    async function timestampFor(when: When, periodSeconds: bigint): Promise<bigint> {
      const now = BigInt(await time.latest());
      if (when.t === "after") return now + BigInt(when.seconds);
      const next = (now / periodSeconds + 1n) * periodSeconds;
      return when.t === "nextPeriod" || next - 1n <= now ? next : next - 1n;
    }

    async function consume(g: Gateways, model: LimitModel, a: Extract<Action, { t: "consume" }>): Promise<void> {
      const at = await timestampFor(a.when, model.periodSeconds);
      const period = at / model.periodSeconds;
      const { used, available } = model.available(period);
      const sizes = { available, oneMore: available + 1n, oneLess: available > 0n ? available - 1n : 0n, any: BigInt(a.any) };
      const amount = sizes[a.size];
      await time.setNextBlockTimestamp(at);
      const tx = g.side.connect(g.sender).consumeMintLimit(amount);
      if (model.paused) {
        await expect(tx).to.be.revertedWithCustomError(g.side, "BridgeGatewayPaused");
      } else if (amount > available) {
        await expect(tx).to.be.revertedWithCustomError(g.side, "BridgeGatewayMintLimitExceeded").withArgs(period, amount, available);
      } else {
        await expect(tx).to.emit(g.side, "BridgeGatewayMintLimitConsumed").withArgs(g.sender.address, period, amount, used + amount);
        model.period = period;
        model.used = used + amount;
      }
    }

    async function setLimit(g: Gateways, model: LimitModel, a: Extract<Action, { t: "setLimit" }>): Promise<void> {
      const at = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(at);
      await (await govern(g.side, call(g.side, "setMintLimit", [BigInt(a.limit), a.periodSeconds]))).wait();
      const { used } = model.available(at / model.periodSeconds);
      Object.assign(model, { limit: BigInt(a.limit), periodSeconds: a.periodSeconds, period: at / a.periodSeconds, used });
      const [limit, periodSeconds, period, usedNow] = await g.side.mintLimit();
      expect([limit, periodSeconds, period, usedNow]).to.deep.equal([model.limit, model.periodSeconds, model.period, used]);
    }

    it(`grants each period exactly its limit, boundaries included (seed ${SEED}, ${RUNS} runs)`, async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(actionArb, { minLength: 5, maxLength: 25 }), async (actions) => {
          const g = await loadFixture(limitFixture);
          const model = new LimitModel();
          for (const a of actions) {
            if (a.t === "consume") await consume(g, model, a);
            else if (a.t === "setLimit") await setLimit(g, model, a); else {
              await (await (model.paused ? govern(g.side, call(g.side, "unpause")) : g.side.pause())).wait();
              model.paused = !model.paused;
            }
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    });
  });
});
