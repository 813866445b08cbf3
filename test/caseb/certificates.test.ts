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
  purchaseCost,
  type CertListing,
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

  describe("certificate price lists", () => {
    it("parses a sweep and refuses bad entries with one line", () => {
      expect(parseCertPrices("300, 400,500")).to.deep.equal(["300", "400", "500"]);
      for (const bad of ["", "300,,400", "-1", "abc", "0", "300,300"]) {
        expect(() => parseCertPrices(bad), bad).to.throw(InvalidArgumentError).with.property("message").that.does.not.contain("\n");
      }
    });
  });
});
