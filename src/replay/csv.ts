/**
 * The replay result as CSV, for spreadsheets: the match table and the totals, one table per file (a CSV file holds
 * one table). Columns mirror the `--out` JSON fields, so both formats say the same; csv-stringify does the quoting.
 */
import fs from "node:fs";
import { stringify } from "csv-stringify/sync";
import type { ReplayJson } from "./result";

/** One row per settled match: buyer, seller, MWh, buyer and seller price (token/kWh). */
export function matchesCsv(json: ReplayJson): string {
  return stringify(json.matches, { header: true, columns: ["buyer", "seller", "mwh", "buyerPrice", "sellerPrice"] });
}

/** One row per participant (listing order, then the grid company): MWh traded and tokens paid or received. */
export function totalsCsv(json: ReplayJson): string {
  const rows = Object.entries(json.totals).map(([name, t]) => ({ name, mwh: t.mwh, tokens: t.tokens }));
  return stringify(rows, { header: true, columns: ["name", "mwh", "tokens"] });
}

/** Where the totals go beside a match table written to `file`: `x.csv` → `x.totals.csv`. */
export function totalsFileFor(file: string): string {
  return file.replace(/(\.csv)?$/i, ".totals.csv");
}

/** True when `--out` names a CSV file: the match table goes there and the totals beside it. */
export function isCsvFile(file: string): boolean {
  return /\.csv$/i.test(file);
}

/**
 * Writes a replay's result for `--out`: `x.csv` gets the match table and `x.totals.csv` the totals; any other name
 * the JSON `json` (with everything it carries beside matches and totals). Returns the files written.
 */
export function writeReplayOut<T extends ReplayJson>(file: string, json: T): string[] {
  if (!isCsvFile(file)) {
    fs.writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
    return [file];
  }
  const totals = totalsFileFor(file);
  fs.writeFileSync(file, matchesCsv(json));
  fs.writeFileSync(totals, totalsCsv(json));
  return [file, totals];
}
