import pc from "picocolors";
import { formatPrice3, formatTokens, groupThousands } from "../cli/format";
import { renderTable } from "../cli/table";
import { formatDecimal } from "../units";
import type { CaseBOutcome, Compliance } from "./flow";
import { summarize } from "./result";

const tokens = formatTokens;
const certs = (units: bigint) => groupThousands(formatDecimal(units, 3));

/** "all", or who is short and by how many certificates ("B1, D; C short 1,736"). */
function standing(accounts: ReadonlyMap<string, Compliance>): string {
  const all = [...accounts];
  const met = all.filter(([, c]) => c.met).map(([n]) => n);
  const short = all.filter(([, c]) => !c.met).map(([n, c]) => `${n} short ${certs(c.owed - c.retired)}`);
  if (short.length === 0) return "all";
  return [met.length === 0 ? "none" : met.join(", "), short.join(", ")].join("; ");
}

/**
 * One table for one or several certificate prices: a column per price, a row per measured quantity (the
 * definitions are in `result.ts`).
 */
export function renderCaseB(title: string, outcomes: readonly CaseBOutcome[], color = false): string {
  const bold = color ? pc.bold : (s: string) => s;
  const sums = outcomes.map(summarize);
  const names = [...sums[0]!.generators.keys()];
  const row = (label: string, cell: (o: CaseBOutcome, i: number) => string) => [label, ...outcomes.map((o, i) => cell(o, i))];
  const rows = [
    row("X_thermal (token/kWh)", (o) => formatPrice3(o.thermalCertCost)),
    row("certificates issued", (o) => certs(o.certificates.issued)),
    row("certificates traded", (o) => certs(o.certificates.traded)),
    row("certificates retired", (o) => certs(o.certificates.retired)),
    ...names.map((n) => row(`certificate income ${n}`, (_o, i) => tokens(sums[i]!.generators.get(n)!.certificateIncome))),
    row("total wind profit", (_o, i) => tokens(sums[i]!.windProfit)),
    row("total generator revenue", (_o, i) => tokens(sums[i]!.generatorRevenue)),
    row("bridge: DPLC locked", (o) => tokens(o.bridge.locked)),
    row("bridge: wrapped supply", (o) => tokens(o.bridge.wrappedSupply)),
    row("consumer quotas met", (o) => standing(o.quotas)),
    row("thermal obligations met", (o) => standing(o.compliance)),
  ];
  const header = ["quantity (tokens unless noted)", ...outcomes.map((o) => `P = ${o.certPrice}`)];
  return [bold(title), "", renderTable(header, rows)].join("\n");
}

