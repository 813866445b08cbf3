/** The paper's Table 5 as printed (data/paper/table5.csv). Pure parsing: the file's text comes from the caller. */
import { z } from "zod";
import { parseRows } from "../data/parse";
import { priceField } from "../data/fields";

/** A row of Table 5: prices in 18-decimal token/kWh (printed with 3 decimals). */
export interface PaperMatch {
  readonly group: number;
  readonly buyer: string;
  readonly seller: string;
  readonly mwh: bigint;
  readonly buyerPrice: bigint;
  readonly sellerPrice: bigint;
}

const row = z.object({
  group: z.string().regex(/^\d+$/, "expected a row number"),
  buyer: z.string().min(1),
  seller: z.string().min(1),
  mwh: z.string().regex(/^\d+$/, "expected whole MWh"),
  buyer_price: priceField,
  seller_price: priceField,
});

export function parseTable5(text: string): PaperMatch[] {
  return parseRows("table5.csv", text, row).map(({ value: r }) => ({
    group: Number(r.group),
    buyer: r.buyer,
    seller: r.seller,
    mwh: BigInt(r.mwh),
    buyerPrice: r.buyer_price,
    sellerPrice: r.seller_price,
  }));
}

/** A row of Table 6 as printed: the certificate price as printed (3, 4, 5 for the text's 300, 400, 500), tokens. */
export interface PaperOutcome {
  readonly case: "A" | "B";
  readonly certPrice: number;
  readonly certIncome: number;
  readonly windProfit: number;
  readonly generatorRevenue: number;
}

const outcomeRow = z.object({
  case: z.enum(["A", "B"]),
  cert_price: z.string().regex(/^\d+$/, "expected a whole number"),
  cert_income: z.string().regex(/^\d+$/, "expected a whole number"),
  wind_profit: z.string().regex(/^\d+$/, "expected a whole number"),
  generator_revenue: z.string().regex(/^\d+$/, "expected a whole number"),
});

export function parseTable6(text: string): PaperOutcome[] {
  return parseRows("table6.csv", text, outcomeRow).map(({ value: r }) => ({
    case: r.case,
    certPrice: Number(r.cert_price),
    certIncome: Number(r.cert_income),
    windProfit: Number(r.wind_profit),
    generatorRevenue: Number(r.generator_revenue),
  }));
}
