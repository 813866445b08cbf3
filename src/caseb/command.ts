import fs from "node:fs";
import { isCsvFile, writeReplayOut } from "../replay/csv";
import type { MarketData, PricingRule } from "../data";
import type { Evm } from "../devnet/node";
import { InvalidArgumentError } from "../errors";
import { renderReplay } from "../replay/report";
import { terminalProgress } from "../cli/progress-bar";
import { renderCaseB } from "./report";
import { toCaseBJson } from "./result";
import { parseCertPrices, runCaseBSweep } from "./sweep";
import type { OrderingArgs } from "../ordering/args";
import { orderingLine } from "../ordering/summary";

/** The paper's three certificate prices (§IV, Case B). */
export const DEFAULT_CERT_PRICES = "300,400,500";

/** The replay task's arguments, already checked (the market loaded, `out` writable). */
export interface CaseBCommandArgs {
  readonly data: MarketData;
  readonly pricing: PricingRule;
  readonly out?: string;
  readonly matchSteps: number;
  readonly settleSteps: number;
  readonly certPrice?: string;
  /** The Hardhat network the task was started with (Case B always runs on its own two devnets). */
  readonly network: string;
  /** Print the sweep beside the paper's Table 6; with `report`, write that as Markdown too. */
  readonly comparePaper?: boolean;
  /** The EVM the two devnets run (default hardhat). */
  readonly chain?: Evm;
  readonly report?: string;
  readonly root: string;
  /** How the main chain's transactions reach it (default: direct). */
  readonly ordering?: OrderingArgs;
}

/**
 * `hardhat replay --case B`: starts the main and side devnets, runs Case B at each certificate price with 3 validator
 * processes and the relayer, prints the result (one price: its match table and the certificate table; several: one
 * table), writes `--out`.
 * `--out` holds one object for one price and an array of them, in the order given, for a sweep.
 */
export async function replayCaseB(args: CaseBCommandArgs): Promise<void> {
  if (args.network !== "hardhat") {
    throw new InvalidArgumentError(`--case B starts its own two devnets; drop --network ${args.network}`);
  }
  const prices = parseCertPrices(args.certPrice ?? DEFAULT_CERT_PRICES);
  const { data, pricing } = args;
  const bar = terminalProgress();
  const { outcomes, ordering } = await runCaseBSweep({
    ordering: args.ordering,
    devnets: { evm: args.chain },
    data,
    pricing,
    prices,
    matchSteps: args.matchSteps,
    settleSteps: args.settleSteps,
    marketProgress: bar.sink,
    progress: (line) => {
      bar.stop();
      process.stderr.write(`${line}\n`);
    },
  }).finally(() => bar.stop());
  const color = process.stdout.isTTY;
  if (outcomes.length === 1) {
    const where = ordering.mode === "raft" ? `main chain behind a ${ordering.nodes}-node ordering service, side devnet` : `main and side devnets (${args.chain ?? "hardhat"})`;
    const title = `Case B — P = ${outcomes[0]!.certPrice} tokens/certificate — ${pricing} pricing — ${where}`;
    console.log(renderReplay(title, outcomes[0]!.trades, data.orders, color));
    console.log("");
  }
  console.log(renderCaseB(`Case B — green certificates — ${pricing} pricing`, outcomes, color));
  console.log(`\n${orderingLine(ordering)}`);
  if (args.out !== undefined) {
    const json = outcomes.map((o) => ({ ...toCaseBJson(o, pricing), ordering }));
    if (isCsvFile(args.out)) {
      // A CSV file holds one table: one match table (and its totals) per certificate price of the sweep.
      const written = json.flatMap((j) => writeReplayOut(json.length === 1 ? args.out! : args.out!.replace(/\.csv$/i, `.p${j.certPrice}.csv`), j));
      console.log(`\nwrote ${written.join(", ")}`);
    } else {
      fs.writeFileSync(args.out, JSON.stringify(json.length === 1 ? json[0] : json, null, 2) + "\n");
      console.log(`\nwrote ${args.out}`);
    }
  }
  if (args.comparePaper === true || args.report !== undefined) {
    const { comparePaperCaseB } = await import("../paper/command");
    comparePaperCaseB({ root: args.root, outcomes, report: args.report, print: (text) => console.log(`\n${text}`) });
  }
}
