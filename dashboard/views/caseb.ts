/** Case B outcomes as the certificates page charts them: one point per certificate price. */
import type { CaseBOutcome } from "../../src/caseb/flow";
import { measured } from "../../src/paper/command";
import { toNumber18 } from "../../src/units";
import type { SweepPoint } from "../server";

export function sweepPoints(outcomes: readonly CaseBOutcome[]): SweepPoint[] {
  return outcomes.map(measured).map((m) => ({
    certPrice: m.certPrice,
    windCertIncome: toNumber18(m.certIncome),
    windProfit: toNumber18(m.windProfit),
    generatorRevenue: toNumber18(m.generatorRevenue),
  }));
}
