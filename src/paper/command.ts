import fs from "node:fs";
import path from "node:path";
import type { PricingRule } from "../data";
import { PRICING_RULES } from "../data";
import type { TradeRecord } from "../replay/result";
import { compareTable5, type Table5Comparison } from "./compare";
import { fidelityReport, renderComparison } from "./report";
import { parseTable5, parseTable6 } from "./tables";
import { compareTable6, type MeasuredOutcome } from "./table6";
import { renderTable6, table6Markdown } from "./report6";
import type { CaseBOutcome } from "../caseb/flow";
import { summarize } from "../caseb/result";

export interface ComparePaperOptions {
  readonly root: string;
  /** The rule of the replay the task ran; its comparison is printed. */
  readonly pricing: PricingRule;
  /** Replays Case A under a pricing rule and returns its trades. */
  readonly replay: (pricing: PricingRule) => Promise<readonly TradeRecord[]>;
  /** Trades of the replay already run under `pricing`. */
  readonly trades: readonly TradeRecord[];
  /** Write the Markdown report (both rules, and the departures) to this file. */
  readonly report?: string;
  readonly print: (text: string) => void;
}

/** `--compare-paper` and `--report`: Case A beside Table 5 as printed (data/paper/). */
export async function comparePaper(opts: ComparePaperOptions): Promise<void> {
  const table5 = parseTable5(fs.readFileSync(path.join(opts.root, "data", "paper", "table5.csv"), "utf8"));
  const compare = (trades: readonly TradeRecord[]) => compareTable5(table5, trades);
  const own = compare(opts.trades);
  opts.print(renderComparison(`Case A beside the paper's Table 5 — ${opts.pricing} pricing`, own));
  if (opts.report === undefined) return;
  const sections: { pricing: PricingRule; cmp: Table5Comparison }[] = [];
  for (const pricing of PRICING_RULES) {
    sections.push({ pricing, cmp: pricing === opts.pricing ? own : compare(await opts.replay(pricing)) });
  }
  const departures = fs.readFileSync(path.join(opts.root, "docs", "paper-departures.md"), "utf8").replace(/^# /, "## ");
  fs.writeFileSync(opts.report, fidelityReport(sections, departures));
  opts.print(`\nwrote ${opts.report}`);
}

export interface ComparePaperCaseBOptions {
  readonly root: string;
  readonly outcomes: readonly CaseBOutcome[];
  readonly report?: string;
  readonly print: (text: string) => void;
}

/** Case B's measures as Table 6 names them: certificate income is the wind generators' (what certificates earned). */
export function measured(o: CaseBOutcome): MeasuredOutcome {
  const s = summarize(o);
  let certIncome = 0n;
  for (const g of s.generators.values()) if (g.kind === "wind") certIncome += g.certificateIncome;
  return { certPrice: Number(o.certPrice), certIncome, windProfit: s.windProfit, generatorRevenue: s.generatorRevenue };
}

/** `--case B --compare-paper` and `--report`: the sweep beside Table 6 as printed, with the second differences. */
export function comparePaperCaseB(opts: ComparePaperCaseBOptions): void {
  const table6 = parseTable6(fs.readFileSync(path.join(opts.root, "data", "paper", "table6.csv"), "utf8"));
  const cmp = compareTable6(table6, opts.outcomes.map(measured));
  opts.print(renderTable6("Case B beside the paper's Table 6", cmp));
  if (opts.report === undefined) return;
  fs.writeFileSync(opts.report, `# Case B against the paper's Table 6\n\n${table6Markdown(cmp).replace(/^## .*\n\n/, "")}\n`);
  opts.print(`\nwrote ${opts.report}`);
}
