import { expect } from "chai";
import path from "node:path";
import pino from "pino";
import { loadMarket, type MarketOrder } from "../../src/data";
import { startDevnets, type DevnetPair } from "../../src/devnet/pair";
import { runCaseB, type CaseBOutcome } from "../../src/caseb/flow";
import { certPriceWad, obligationUnits, UNITS_PER_CERTIFICATE, withCertificateCosts } from "../../src/caseb/certificates";
import { summarize, toCaseBJson } from "../../src/caseb/result";
import { renderCaseB } from "../../src/caseb/report";
import { DeploymentSchema } from "../../src/ops/deployment";
import { measured } from "../../src/paper/command";
import { tokenAmount } from "../../src/units";
import { runMarket } from "../model/market-model";

function ask(o: MarketOrder): bigint {
  if (o.kind === "consumer") throw new Error(`${o.name} is not a seller`);
  return o.askPrice;
}

const CASE_A = path.join(__dirname, "..", "..", "data", "case-a");

describe("Case B replay (paper §IV) on two devnets with the relayer", function () {
  this.timeout(240_000);
  let devnets: DevnetPair;
  let outcome: CaseBOutcome;
  const data = loadMarket(CASE_A);

  before(async () => {
    devnets = await startDevnets();
    outcome = await runCaseB({
      data,
      pricing: "surplus-split",
      certPrice: "300",
      main: devnets.main,
      side: devnets.side,
      relayerLogger: pino({ level: "silent" }),
    });
  });

  after(async () => {
    await devnets?.stop();
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
    const windMwh = outcome.trades.filter((t) => t.group === "wind").reduce((a, t) => a + t.mwh, 0n);
    expect(outcome.certificates.issued).to.equal(windMwh * UNITS_PER_CERTIFICATE);
  });

  it("has every thermal generator buy and retire exactly its 0.2-per-MWh obligation", () => {
    let owed = 0n;
    for (const h of data.thermal) {
      const mwh = outcome.trades.filter((t) => t.seller.name === h.name).reduce((a, t) => a + t.mwh, 0n);
      const c = outcome.compliance.get(h.name)!;
      expect(c.owed, h.name).to.equal(mwh === 0n ? 0n : obligationUnits(mwh, 2000n));
      expect(c.retired, h.name).to.equal(c.owed);
      expect(c.met, h.name).to.equal(true);
      owed += c.owed;
    }
    expect(outcome.certificates.traded).to.equal(owed);
    expect(outcome.certificates.retired).to.equal(owed);
  });

  it("pays for certificates in wrapped DPLC locked on the main chain: locked = wrapped supply = payments", () => {
    const paid = outcome.purchases.reduce((a, p) => a + p.cost, 0n);
    expect(outcome.bridge.locked).to.equal(paid);
    expect(outcome.bridge.wrappedSupply).to.equal(outcome.bridge.locked);
    // 13,463.4 certificates at 300 tokens.
    expect(paid).to.equal(4_039_020n * 10n ** 18n);
  });

  it("shares certificate sales pro rata among wind generators, and certificate money only moves between generators", () => {
    const s = summarize(outcome);
    let net = 0n;
    for (const f of s.generators.values()) net += f.certificateIncome;
    expect(net).to.equal(0n);
    const sold = new Map<string, bigint>();
    for (const p of outcome.purchases) sold.set(p.seller, (sold.get(p.seller) ?? 0n) + p.units);
    const issued = outcome.certificates.issued;
    for (const w of data.wind) {
      const held = outcome.trades.filter((t) => t.seller.name === w.name).reduce((a, t) => a + t.mwh, 0n) * UNITS_PER_CERTIFICATE;
      const expected = (held * outcome.certificates.traded) / issued;
      const got = sold.get(w.name) ?? 0n;
      expect(got - expected, w.name).to.be.oneOf([0n, 1n]);
    }
    let windProfit = 0n;
    for (const t of outcome.trades.filter((x) => x.group === "wind")) windProfit += tokenAmount(t.sellerPrice - ask(t.seller), t.mwh);
    for (const w of data.wind) windProfit += s.generators.get(w.name)!.certificateIncome;
    expect(s.windProfit).to.equal(windProfit);
  });

  it("writes the --out JSON with Case A's matches and totals plus the certificate, bridge and summary fields", () => {
    const json = toCaseBJson(outcome, "surplus-split");
    expect(json).to.include.keys("case", "pricing", "certPrice", "matches", "certificates", "bridge", "totals", "summary");
    expect(json.case).to.equal("B");
    expect(json.certPrice).to.equal(300);
    expect(json.certificates).to.deep.equal({ issued: 22439, traded: 13463.4, retired: 13463.4 });
    expect(json.bridge).to.deep.equal({ locked: 4039020, wrappedSupply: 4039020 });
    expect(json.totals.grid!.mwh).to.be.greaterThan(0);
    expect(Object.values(json.summary.obligationsMet).every(Boolean)).to.equal(true);
    expect(DeploymentSchema.safeParse(outcome.deployment).success).to.equal(true);
    expect(renderCaseB("Case B", [outcome])).to.match(/certificates traded\s+13,463\.4/);
  });

  it("measures for Table 6: the wind generators' certificate income, total wind profit and generator revenue", () => {
    const s = summarize(outcome);
    const m = measured(outcome);
    const windIncome = [...s.generators.values()].filter((g) => g.kind === "wind").reduce((a, g) => a + g.certificateIncome, 0n);
    expect(m).to.deep.equal({ certPrice: 300, certIncome: windIncome, windProfit: s.windProfit, generatorRevenue: s.generatorRevenue });
    // Every certificate sold earns its seller P tokens: 13,463.4 certificates at 300 tokens.
    expect(m.certIncome).to.equal(outcome.certificates.traded * 300n * 10n ** 18n / UNITS_PER_CERTIFICATE);
  });
});
