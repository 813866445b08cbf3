/**
 * Table 6 against Case B's sweep, and the test that decides whether any model could have printed it: at equally
 * spaced certificate prices an affine result y(P) = a + b·P has second difference y(P₃) − 2·y(P₂) + y(P₁) = 0.
 * Pure: figures in, figures out.
 */
import { WAD } from "../units";
import type { PaperOutcome } from "./tables";

/**
 * Case B's measures at one certificate price, exact in token wei (definitions in src/caseb/result.ts); the table's
 * rows are brought to the same form, so second differences are exact integers.
 */
export interface MeasuredOutcome {
  readonly certPrice: number;
  readonly certIncome: bigint;
  readonly windProfit: bigint;
  readonly generatorRevenue: bigint;
}

/** A printed row in the same form (whole tokens as printed, in wei). */
export function printedOutcome(p: PaperOutcome): MeasuredOutcome {
  return {
    certPrice: p.certPrice,
    certIncome: BigInt(p.certIncome) * WAD,
    windProfit: BigInt(p.windProfit) * WAD,
    generatorRevenue: BigInt(p.generatorRevenue) * WAD,
  };
}

export const MEASURES = ["certIncome", "windProfit", "generatorRevenue"] as const;
export type Measure = (typeof MEASURES)[number];

/** The second difference of each measure over three equally spaced prices, or undefined when they are not. */
export function secondDifferences(rows: readonly MeasuredOutcome[]): Record<Measure, bigint> | undefined {
  if (rows.length !== 3) return undefined;
  const [a, b, c] = [...rows].sort((x, y) => x.certPrice - y.certPrice) as [MeasuredOutcome, MeasuredOutcome, MeasuredOutcome];
  if (b.certPrice - a.certPrice !== c.certPrice - b.certPrice) return undefined;
  const d = (m: Measure) => c[m] - 2n * b[m] + a[m];
  return { certIncome: d("certIncome"), windProfit: d("windProfit"), generatorRevenue: d("generatorRevenue") };
}

export interface Table6Comparison {
  /** Case B rows of the table beside ours, paired in price order (the table prints 3, 4, 5 for 300, 400, 500). */
  readonly pairs: { readonly paper: PaperOutcome; readonly ours: MeasuredOutcome | undefined }[];
  readonly paperSecond: Record<Measure, bigint> | undefined;
  readonly oursSecond: Record<Measure, bigint> | undefined;
}

export function compareTable6(paper: readonly PaperOutcome[], ours: readonly MeasuredOutcome[]): Table6Comparison {
  const printed = paper.filter((r) => r.case === "B").sort((x, y) => x.certPrice - y.certPrice);
  const sorted = [...ours].sort((x, y) => x.certPrice - y.certPrice);
  const pairs = printed.map((p, k) => ({ paper: p, ours: printed.length === sorted.length ? sorted[k] : undefined }));
  return { pairs, paperSecond: secondDifferences(printed.map(printedOutcome)), oursSecond: secondDifferences(sorted) };
}
