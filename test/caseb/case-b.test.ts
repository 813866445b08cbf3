import { expect } from "chai";
import path from "node:path";
import pino from "pino";
import { loadMarket, type MarketData, type MarketOrder } from "../../src/data";
import type { TradeRecord } from "../../src/replay/result";
import { startDevnets, type DevnetPair } from "../../src/devnet/pair";
import { Contract } from "ethers";
import { runCaseB, type CaseBOutcome } from "../../src/caseb/flow";
import { runCaseBSweep } from "../../src/caseb/sweep";
import { ROLES, roleId } from "../../src/chain/roles";
import { ACCOUNT, devnetProvider, devnetWallet } from "../../src/devnet/accounts";
import { certPriceWad, obligationUnits, UNITS_PER_CERTIFICATE, withCertificateCosts } from "../../src/caseb/certificates";
import { summarize, toCaseBJson } from "../../src/caseb/result";
import { renderCaseB } from "../../src/caseb/report";
import { DeploymentSchema } from "../../src/ops/deployment";
import { measured } from "../../src/paper/command";
import { parsePrice, tokenAmount } from "../../src/units";
import { runMarket } from "../model/market-model";

function ask(o: MarketOrder): bigint {
  if (o.kind === "consumer") throw new Error(`${o.name} is not a seller`);
  return o.askPrice;
}

const CASE_A = path.join(__dirname, "..", "..", "data", "case-a");

/** The paper's market with every consumer's green quota halved: the excess then covers every thermal obligation. */
function halfQuotas(data: MarketData): MarketData {
  const consumers = data.consumers.map((c) => ({ ...c, windRatioPpm: c.windRatioPpm / 2n }));
  return { ...data, consumers, orders: [...consumers, ...data.wind, ...data.thermal] };
}

const sumMwh = (trades: readonly TradeRecord[]) => trades.reduce((a, t) => a + t.mwh, 0n);

/**
 * What the quota rule gives, from the trades alone: a consumer owes ceil(ratio × MWh bought) certificates (in units)
 * and retires min(certificates of the wind it bought, quota).
 */
function expectedQuotas(o: CaseBOutcome): Map<string, { owed: bigint; retired: bigint }> {
  const out = new Map<string, { owed: bigint; retired: bigint }>();
  for (const c of o.data.consumers) {
    const bought = sumMwh(o.trades.filter((t) => t.buyer.name === c.name));
    if (c.windRatioPpm === 0n || bought === 0n) continue;
    const wind = sumMwh(o.trades.filter((t) => t.group === "wind" && t.buyer.name === c.name)) * UNITS_PER_CERTIFICATE;
    const owed = (c.windRatioPpm * bought * UNITS_PER_CERTIFICATE + 999_999n) / 1_000_000n;
    out.set(c.name, { owed, retired: wind < owed ? wind : owed });
  }
  return out;
}

function obligationOf(o: CaseBOutcome, name: string): bigint {
  const mwh = sumMwh(o.trades.filter((t) => t.seller.name === name));
  return mwh === 0n ? 0n : obligationUnits(mwh, 2000n);
}

describe("Case B replay (paper §IV) on two devnets with the relayer", function () {
  this.timeout(480_000);
  let devnets: DevnetPair;
  const data = loadMarket(CASE_A);
  const run = (market: MarketData) =>
    runCaseB({ data: market, pricing: "surplus-split", certPrice: "300", main: devnets.main, side: devnets.side, relayerLogger: pino({ level: "silent" }) });

  before(async () => {
    devnets = await startDevnets();
  });

  after(async () => {
    await devnets?.stop();
  });

  /** The paper's market at 300 on the direct path, which the ordered path must reproduce. */
  let paperOutcome: CaseBOutcome;

  describe("with the paper's market (Case A, certificate price 300)", () => {
    let outcome: CaseBOutcome;
    before(async () => {
      outcome = paperOutcome = await run(data);
    });

    it("grants every bridge role of the roles table on both chains to its holder", async () => {
      const d = outcome.deployment;
      const holders: Record<string, Record<string, string>> = {
        main: { admin: devnetWallet(ACCOUNT.admin).address, BridgeGateway: d.main.bridge!.gateway, TokenVault: d.main.bridge!.vault, SettlementReporter: d.main.bridge!.reporter },
        side: { admin: devnetWallet(ACCOUNT.admin).address, BridgeGateway: d.side!.gateway, WrappedDPLC: d.side!.wrappedToken },
      };
      const at: Record<string, Record<string, string>> = {
        main: { BridgeGateway: d.main.bridge!.gateway, TokenVault: d.main.bridge!.vault, SettlementReporter: d.main.bridge!.reporter },
        side: { BridgeGateway: d.side!.gateway, WrappedDPLC: d.side!.wrappedToken, GreenCertificate: d.side!.certificate },
      };
      const providers = { main: devnetProvider(devnets.main.url, devnets.main.chainId), side: devnetProvider(devnets.side.url, devnets.side.chainId) };
      try {
        const rows = ROLES.filter((r) => at[r.chain]![r.contract] !== undefined);
        expect(rows).to.have.length(15);
        for (const r of rows) {
          const c = new Contract(at[r.chain]![r.contract]!, ["function hasRole(bytes32, address) view returns (bool)"], providers[r.chain]);
          expect(await c.getFunction("hasRole")(roleId(r.role), holders[r.chain]![r.holder]!), `${r.chain} ${r.contract} ${r.role}`).to.equal(true);
        }
      } finally {
        providers.main.destroy();
        providers.side.destroy();
      }
    });

    it("matches and prices with X_thermal = 0.2 × 300 / 1000 token/kWh exactly as the reference model does", () => {
      const model = runMarket(withCertificateCosts(data, certPriceWad("300"), 2000n), "surplus-split");
      const json = toCaseBJson(outcome, "surplus-split");
      expect(json.thermalCertCost).to.equal(0.06);
      expect(json.matches).to.deep.equal(model.matches);
      // X_thermal is paid to thermal sellers: each thermal seller price is at least ask + X.
      for (const t of outcome.trades.filter((x) => x.group === "thermal")) {
        expect(t.sellerPrice >= ask(t.seller) + outcome.thermalCertCost, t.seller.name).to.equal(true);
      }
    });

    it("issues one certificate per settled wind MWh, to the wind generator, through the bridge", () => {
      const windMwh = sumMwh(outcome.trades.filter((t) => t.group === "wind"));
      expect(outcome.certificates.issued).to.equal(windMwh * UNITS_PER_CERTIFICATE);
    });

    it("retires the certificates of each consumer's wind purchases for its quota (ratio × MWh bought): D short", () => {
      const expected = expectedQuotas(outcome);
      expect([...expected.keys()].sort()).to.deep.equal(["B1", "B2", "C", "D"]);
      for (const [name, q] of expected) {
        const got = outcome.quotas.get(name)!;
        expect([got.owed, got.retired, got.met], name).to.deep.equal([q.owed, q.retired, q.retired === q.owed]);
      }
      // D owes 20 % of 53,928 MWh but bought only 4,355 MWh of wind.
      expect([...outcome.quotas].filter(([, c]) => !c.met).map(([n]) => n)).to.deep.equal(["D"]);
    });

    it("sells only the excess over the quotas to thermal generators, which it does not fully cover", () => {
      const quotaRetired = [...outcome.quotas.values()].reduce((a, q) => a + q.retired, 0n);
      const excess = outcome.certificates.issued - quotaRetired;
      let owed = 0n;
      let retired = 0n;
      for (const h of data.thermal) {
        const c = outcome.compliance.get(h.name)!;
        expect(c.owed, h.name).to.equal(obligationOf(outcome, h.name));
        expect(c.met, h.name).to.equal(c.retired >= c.owed);
        owed += c.owed;
        retired += c.retired;
      }
      expect(excess < owed).to.equal(true);
      expect(outcome.certificates.traded).to.equal(excess);
      expect(retired).to.equal(excess);
      expect(outcome.certificates.retired).to.equal(outcome.certificates.issued);
    });

    it("pays for certificates in wrapped DPLC locked on the main chain: locked = wrapped supply = payments", () => {
      const paid = outcome.purchases.reduce((a, p) => a + p.cost, 0n);
      expect(outcome.bridge.locked).to.equal(paid);
      expect(outcome.bridge.wrappedSupply).to.equal(outcome.bridge.locked);
      expect(paid).to.equal((outcome.certificates.traded * 300n * 10n ** 18n) / UNITS_PER_CERTIFICATE);
    });

    it("writes the --out JSON with Case A's matches and totals plus the certificate, bridge, quota and summary fields", () => {
      const json = toCaseBJson(outcome, "surplus-split");
      expect(json).to.include.keys("case", "pricing", "certPrice", "matches", "certificates", "bridge", "totals", "summary");
      expect(json.case).to.equal("B");
      expect(json.certPrice).to.equal(300);
      // 22,439 issued; quotas retire 1,149.6 (B1) + 3,652.95 (B2) + 859.05 (C) + 4,355 (D, short); the rest is sold.
      expect(json.certificates).to.deep.equal({ issued: 22439, traded: 12422.4, retired: 22439 });
      expect(json.bridge).to.deep.equal({ locked: 3726720, wrappedSupply: 3726720 });
      expect(json.totals.grid!.mwh).to.be.greaterThan(0);
      expect(json.summary.quotasMet).to.deep.equal({ B1: true, B2: true, C: true, D: false });
      expect(json.summary.quotaShort).to.deep.equal({ B1: 0, B2: 0, C: 0, D: 10785.6 - 4355 });
      const short = Object.values(json.summary.obligationShort).reduce((a, x) => a + x, 0);
      expect(short).to.be.closeTo(13463.4 - 12422.4, 1e-9);
      expect(DeploymentSchema.safeParse(outcome.deployment).success).to.equal(true);
      const table = renderCaseB("Case B", [outcome]);
      expect(table).to.match(/consumer quotas met\s+B1, B2, C; D short 6,430\.6/);
      expect(table).to.match(/certificates traded\s+12,422\.4/);
    });

    it("measures for Table 6: the wind generators' certificate income, total wind profit and generator revenue", () => {
      const s = summarize(outcome);
      const m = measured(outcome);
      const windIncome = [...s.generators.values()].filter((g) => g.kind === "wind").reduce((a, g) => a + g.certificateIncome, 0n);
      expect(m).to.deep.equal({ certPrice: 300, certIncome: windIncome, windProfit: s.windProfit, generatorRevenue: s.generatorRevenue });
      // Every certificate sold earns its seller P tokens.
      expect(m.certIncome).to.equal((outcome.certificates.traded * 300n * 10n ** 18n) / UNITS_PER_CERTIFICATE);
    });
  });

  describe("when the main chain is behind the improved-Raft ordering service (real processes)", () => {
    it("gives the same --out JSON as the direct path, with every main-chain transaction ordered", async () => {
      const { outcomes, ordering } = await runCaseBSweep({
        data,
        pricing: "surplus-split",
        prices: ["300"],
        ordering: { mode: "local", nodes: 3, pool: 2 },
        relayerLogger: pino({ level: "silent" }),
      });
      expect(toCaseBJson(outcomes[0]!, "surplus-split")).to.deep.equal(toCaseBJson(paperOutcome, "surplus-split"));
      expect(outcomes[0]!.deployment.chainId).to.equal(31337);
      expect([ordering.mode, ordering.nodes, ordering.pool]).to.deep.equal(["raft", 3, ["n1", "n2"]]);
      // Deployment, registration, listings, matching, settlement, quotas, reports, locks and confirmation blocks.
      expect(ordering.transactions).to.be.greaterThan(outcomes[0]!.data.orders.length * 2);
    });
  });

  describe("when the quotas are half the paper's (the excess covers every thermal obligation)", () => {
    let outcome: CaseBOutcome;
    before(async () => {
      outcome = await run(halfQuotas(data));
    });

    it("retires for each quota what the buyer's own wind purchases cover: D (10 % of 53,928 MWh) still short", () => {
      for (const [name, q] of expectedQuotas(outcome)) {
        expect(outcome.quotas.get(name), name).to.deep.equal({ owed: q.owed, retired: q.retired, met: q.retired === q.owed });
      }
      expect([...outcome.quotas].filter(([, c]) => !c.met).map(([n]) => n)).to.deep.equal(["D"]);
    });

    it("has every thermal generator buy and retire exactly its 0.2-per-MWh obligation", () => {
      let owed = 0n;
      for (const h of outcome.data.thermal) {
        const c = outcome.compliance.get(h.name)!;
        expect([c.owed, c.retired, c.met], h.name).to.deep.equal([obligationOf(outcome, h.name), c.owed, true]);
        owed += c.owed;
      }
      const quotaRetired = [...outcome.quotas.values()].reduce((a, q) => a + q.retired, 0n);
      expect(outcome.certificates.traded).to.equal(owed);
      expect(outcome.certificates.retired).to.equal(quotaRetired + owed);
    });

    it("moves certificate money only between generators, paid with wrapped DPLC locked on the main chain", () => {
      const s = summarize(outcome);
      let net = 0n;
      for (const f of s.generators.values()) net += f.certificateIncome;
      expect(net).to.equal(0n);
      let windProfit = 0n;
      for (const t of outcome.trades.filter((x) => x.group === "wind")) windProfit += tokenAmount(t.sellerPrice - ask(t.seller), t.mwh);
      for (const w of outcome.data.wind) windProfit += s.generators.get(w.name)!.certificateIncome;
      expect(s.windProfit).to.equal(windProfit);
      const paid = outcome.purchases.reduce((a, p) => a + p.cost, 0n);
      expect(outcome.bridge).to.deep.equal({ locked: paid, wrappedSupply: paid });
    });
  });
});
