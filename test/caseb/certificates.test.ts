import { expect } from "chai";
import fc from "fast-check";
import { parsePrice } from "../../src/units";
import { InvalidArgumentError } from "../../src/errors";
import {
  allotListings,
  certCostPerKwh,
  certPriceWad,
  obligationUnits,
  planPurchases,
  planQuotaTransfers,
  purchaseCost,
  type CertListing,
  type WindCertificates,
} from "../../src/caseb/certificates";
import { parseCertPrices } from "../../src/caseb/sweep";
import { assertProperty } from "../model/fc";

const listing = (id: number, seller: string, units: bigint, price = 300n * 10n ** 18n): CertListing => ({
  listingId: BigInt(id),
  seller,
  certificateId: BigInt(100 + id),
  units,
  priceWad: price,
});

describe("Case B certificate arithmetic", () => {
  describe("X_j from the certificate price", () => {
    it("is 0.2 × P / 1000 token/kWh for thermal sellers (0.06, 0.08, 0.1 at P = 300, 400, 500)", () => {
      expect(certCostPerKwh(certPriceWad("300"), 2000n)).to.equal(parsePrice("0.06"));
      expect(certCostPerKwh(certPriceWad("400"), 2000n)).to.equal(parsePrice("0.08"));
      expect(certCostPerKwh(certPriceWad("500"), 2000n)).to.equal(parsePrice("0.1"));
    });

    it("rounds up, so a thermal seller's certificate money never falls short", () => {
      // 0.2 × 0.000000000000000001 / 1000 is below one unit: X is the smallest positive price, not 0.
      expect(certCostPerKwh(1n, 2000n)).to.equal(1n);
    });
  });

  it("records the obligation as GreenCertificate does: ceil(MWh × 1000 × bps / 10000) units", () => {
    expect(obligationUnits(12326n, 2000n)).to.equal(2_465_200n);
    expect(obligationUnits(1n, 3333n)).to.equal(334n);
  });

  it("charges ceil(units × price / 1000) per purchase", () => {
    expect(purchaseCost(1000n, 300n)).to.equal(300n);
    expect(purchaseCost(1n, 300n)).to.equal(1n);
  });

  describe("allotting demand to listings", () => {
    it("takes cheaper levels whole and shares the marginal level pro rata, remainders by size then listing id", () => {
      const cheap = listing(3, "W9", 50n, 1n);
      const a = listing(1, "W1", 300n);
      const b = listing(2, "W2", 100n);
      const allot = allotListings([a, b, cheap], 251n);
      expect(allot.get(3n)).to.equal(50n);
      // 201 left at the marginal level: 300:100 → 150.75 and 50.25 → 151 and 50.
      expect(allot.get(1n)).to.equal(151n);
      expect(allot.get(2n)).to.equal(50n);
    });

    it("never allots more than a listing holds or more than is needed (property)", () => {
      const arb = fc.record({
        units: fc.array(fc.bigInt({ min: 1n, max: 10_000n }), { minLength: 1, maxLength: 6 }),
        prices: fc.array(fc.bigInt({ min: 1n, max: 3n }), { minLength: 6, maxLength: 6 }),
        demand: fc.bigInt({ min: 0n, max: 70_000n }),
      });
      assertProperty(
        fc.property(arb, ({ units, prices, demand }) => {
          const listings = units.map((u, i) => listing(i + 1, `W${i}`, u, prices[i]!));
          const allot = allotListings(listings, demand);
          const supply = units.reduce((x, y) => x + y, 0n);
          let total = 0n;
          for (const l of listings) {
            const a = allot.get(l.listingId) ?? 0n;
            expect(a >= 0n && a <= l.units).to.equal(true);
            total += a;
          }
          expect(total).to.equal(demand < supply ? demand : supply);
        }),
      );
    });
  });

  describe("planning purchases", () => {
    it("meets every need from the allotments and reports a shortfall when supply runs out", () => {
      const { purchases, shortfall } = planPurchases([listing(1, "W1", 600n), listing(2, "W2", 400n)], [
        { buyer: "H1", units: 300n },
        { buyer: "H2", units: 200n },
      ]);
      expect(purchases.map((p) => [p.buyer, p.seller, p.units])).to.deep.equal([
        ["H1", "W1", 300n],
        ["H2", "W2", 200n],
      ]);
      expect(shortfall.size).to.equal(0);
      const short = planPurchases([listing(1, "W1", 100n)], [{ buyer: "H1", units: 150n }]);
      expect(short.shortfall.get("H1")).to.equal(50n);
    });
  });

  describe("consumers' quotas first (the paper: when the quota for large users is met, the excess can be sold)", () => {
    const cert = (id: number, seller: string, buyer: string, units: bigint): WindCertificates => ({
      certificateId: BigInt(id),
      seller,
      buyer,
      units,
    });

    it("gives a consumer the certificates of the wind energy it bought, trade by trade, up to its quota", () => {
      const plan = planQuotaTransfers(
        [cert(1, "W1", "B1", 600n), cert(2, "W2", "B1", 600n), cert(3, "W1", "C", 400n)],
        new Map([["B1", 1000n], ["C", 900n]]),
      );
      expect(plan.transfers.map((t) => [t.certificateId, t.seller, t.buyer, t.units])).to.deep.equal([
        [1n, "W1", "B1", 600n],
        [2n, "W2", "B1", 400n],
        [3n, "W1", "C", 400n],
      ]);
      expect([...plan.excess]).to.deep.equal([[1n, 0n], [2n, 200n], [3n, 0n]]);
      expect([...plan.short]).to.deep.equal([["C", 500n]]);
    });

    it("never hands one consumer the certificates of energy sold to another", () => {
      const plan = planQuotaTransfers([cert(1, "W1", "B1", 500n)], new Map([["B1", 100n], ["D", 700n]]));
      expect(plan.transfers).to.deep.equal([{ certificateId: 1n, seller: "W1", buyer: "B1", units: 100n }]);
      expect(plan.excess.get(1n)).to.equal(400n);
      expect(plan.short.get("D")).to.equal(700n);
    });

    it("leaves every certificate as excess for a buyer without a quota, and refuses a negative quota", () => {
      const plan = planQuotaTransfers([cert(1, "W1", "B9", 300n)], new Map());
      expect(plan.transfers).to.deep.equal([]);
      expect(plan.excess.get(1n)).to.equal(300n);
      expect(() => planQuotaTransfers([], new Map([["B1", -1n]]))).to.throw(InvalidArgumentError, /negative quota for B1/);
    });

    it("retires min(wind bought, quota) per consumer and leaves the rest as excess (property, against a per-consumer model)", () => {
      const buyers = ["B1", "B2", "C"];
      const trade = fc.record({ buyer: fc.constantFrom(...buyers), units: fc.bigInt({ min: 1n, max: 10_000n }) });
      const quota = fc.bigInt({ min: 0n, max: 20_000n });
      assertProperty(
        fc.property(fc.array(trade, { maxLength: 12 }), fc.tuple(quota, quota, quota), (trades, qs) => {
          const quotas = new Map(buyers.map((b, i) => [b, qs[i]!] as const));
          const wind = trades.map((t, i) => cert(i + 1, `W${i % 3}`, t.buyer, t.units));
          const plan = planQuotaTransfers(wind, quotas);
          let excess = 0n;
          for (const v of plan.excess.values()) excess += v;
          let retiredTotal = 0n;
          for (const b of buyers) {
            const bought = trades.filter((t) => t.buyer === b).reduce((a, t) => a + t.units, 0n);
            const q = quotas.get(b)!;
            const retired = bought < q ? bought : q;
            const got = plan.transfers.filter((t) => t.buyer === b).reduce((a, t) => a + t.units, 0n);
            expect(got, b).to.equal(retired);
            expect(plan.short.get(b) ?? 0n, b).to.equal(q - retired);
            retiredTotal += retired;
          }
          expect(excess + retiredTotal).to.equal(trades.reduce((a, t) => a + t.units, 0n));
          for (const t of plan.transfers) expect(wind[Number(t.certificateId) - 1]!.buyer).to.equal(t.buyer);
        }),
      );
    });
  });

  describe("certificate price lists", () => {
    it("parses a sweep and refuses bad entries with one line", () => {
      expect(parseCertPrices("300, 400,500")).to.deep.equal(["300", "400", "500"]);
      for (const bad of ["", "300,,400", "-1", "abc", "0", "300,300"]) {
        expect(() => parseCertPrices(bad), bad).to.throw(InvalidArgumentError).with.property("message").that.does.not.contain("\n");
      }
    });
  });
});
