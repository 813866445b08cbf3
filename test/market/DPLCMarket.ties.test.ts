import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, hexlify, keccak256 } from "ethers";
import {
  Kind,
  consumerOrder,
  deployMarketFixture,
  fund,
  join,
  list,
  matchAll,
  openRound,
  passDeadline,
  setPairs,
  trades,
  windOrder,
  type System,
} from "../helpers/fixtures";
import { price } from "../helpers/rules";

/**
 * Ties: pairs of equal converted value are ordered by each order's tie rank, the low 64 bits of
 * keccak256(abi.encode(tieSeed, commitment)) with tieSeed the XOR of the revealed salts — never by order id, which
 * whoever sequences the transactions controls.
 */
const SEED = Number(process.env.FC_SEED ?? 20261207);
const RUNS = Number(process.env.FC_RUNS ?? 12);
const BID = price("10");
const ASK = price("4");
const REGIONS = ["A", "B"] as const;
const MASK64 = (1n << 64n) - 1n;

interface Participant {
  kind: "consumer" | "wind";
  region: (typeof REGIONS)[number];
}
/** Two consumers and two wind generators in each region: every pair of them has the same converted value, 6. */
const PARTICIPANTS: Participant[] = REGIONS.flatMap((region) => [
  { kind: "consumer" as const, region },
  { kind: "consumer" as const, region },
  { kind: "wind" as const, region },
  { kind: "wind" as const, region },
]);

async function tiedMarketFixture(): Promise<System> {
  const sys = await deployMarketFixture();
  await setPairs(sys, REGIONS.flatMap((s) => REGIONS.map((b) => ({ seller: s, buyer: b }))));
  for (const [k, p] of PARTICIPANTS.entries()) {
    await join(sys, sys.users[k]!, p.kind === "consumer" ? Kind.Consumer : Kind.Wind, p.region);
    if (p.kind === "consumer") await fund(sys, sys.users[k]!, 10n ** 30n);
  }
  await openRound(sys);
  return sys;
}

/** The rank the contract gives an order, computed here independently. */
function tieRank(seed: string, commitment: string): bigint {
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [seed, commitment]))) & MASK64;
}

interface Listing {
  participant: number;
  quantity: bigint;
  salt: string;
}

/** Lists `listings` in the given order, reveals all, matches; returns the trades by owner (participant index). */
async function runRound(listings: readonly Listing[]) {
  const sys = await loadFixture(tiedMarketFixture);
  const owners: number[] = [];
  for (const l of listings) {
    const who = sys.users[l.participant]!;
    const request = PARTICIPANTS[l.participant]!.kind === "consumer" ? consumerOrder(l.quantity, BID, l.quantity) : windOrder(l.quantity, ASK);
    await (await list(sys, who, request, { salt: l.salt })).wait();
    owners.push(l.participant);
  }
  await passDeadline(sys);
  await matchAll(sys);
  const roundId = await sys.market.currentRound();
  const byOwner = (await trades(sys)).map((t) => ({ buyer: owners[Number(t.buyer) - 1], seller: owners[Number(t.seller) - 1], mwh: t.mwh }));
  return { sys, roundId, byOwner };
}

const listingsArb = fc
  .uniqueArray(
    fc.record({
      participant: fc.integer({ min: 0, max: PARTICIPANTS.length - 1 }),
      quantity: fc.bigInt({ min: 1n, max: 20n }),
      salt: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b)),
    }),
    { minLength: 2, maxLength: PARTICIPANTS.length, selector: (l) => l.participant },
  )
  .filter((ls) => ls.some((l) => PARTICIPANTS[l.participant]!.kind === "consumer") && ls.some((l) => PARTICIPANTS[l.participant]!.kind === "wind"));

describe("DPLCMarket: ties nobody can steer", function () {
  for (const [where, layout] of [
    ["within one region (the heaps order them)", [0, 1, 2, 3]],
    ["across regions (the scan over region pairs orders them)", [0, 4, 2, 6]],
  ] as const) {
    it(`matches tied pairs by tie rank, buyer then seller, the lowest first, whatever the order ids: ${where}`, async function () {
      // Two consumers and two wind sellers of 5 MWh each; listed in this order, the lowest ids are the first consumer
      // and the first seller. The ranks decide instead.
      const listings: Listing[] = layout.map((participant, k) => ({ participant, quantity: 5n, salt: hexlify(new Uint8Array(32).fill(k + 1)) }));
      const { sys, roundId, byOwner } = await runRound(listings);
      const seed = (await sys.market.round(roundId)).tieSeed;
      const expectedSeed = listings.reduce((x, l) => x ^ BigInt(l.salt), 0n);
      expect(BigInt(seed)).to.equal(expectedSeed);
      const ranks = new Map<number, bigint>();
      for (const [k, l] of listings.entries()) ranks.set(l.participant, tieRank(seed, (await sys.market.order(BigInt(k + 1))).commitment));
      const byRank = (a: number, b: number) => (ranks.get(a)! < ranks.get(b)! ? -1 : 1);
      // Each consumer takes 5 MWh from one seller: the lower-ranked consumer first, from the lower-ranked seller.
      const [firstBuyer, secondBuyer] = [layout[0], layout[1]].sort(byRank);
      const [firstSeller, secondSeller] = [layout[2], layout[3]].sort(byRank);
      expect(byOwner).to.deep.equal([
        { buyer: firstBuyer, seller: firstSeller, mwh: 5n },
        { buyer: secondBuyer, seller: secondSeller, mwh: 5n },
      ]);
    });
  }

  it(`lets no permutation of the submission order change who trades (seed ${SEED}, ${RUNS} runs)`, async function () {
    await fc.assert(
      fc.asyncProperty(
        listingsArb.chain((ls) => fc.tuple(fc.constant(ls), fc.shuffledSubarray(ls, { minLength: ls.length, maxLength: ls.length }))),
        async ([listed, permuted]) => {
          const a = await runRound(listed);
          const b = await runRound(permuted);
          expect(b.byOwner).to.deep.equal(a.byOwner);
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });
});
