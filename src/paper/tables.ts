/** The paper's Table 5 as printed (data/paper/table5.csv). Pure parsing: the file's text comes from the caller. */
import { z } from "zod";
import { DataFormatError } from "../errors";
import { parseCsv } from "../data/csv";
import { parsePrice } from "../units";

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
  buyer_price: z.string(),
  seller_price: z.string(),
});

export function parseTable5(text: string): PaperMatch[] {
  const file = "table5.csv";
  const columns = { required: Object.keys(row.shape), optional: [] };
  return parseCsv(file, text, columns).map(({ row: n, values }) => {
    const r = row.safeParse(values);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new DataFormatError({ file, row: n, field: String(issue.path[0]) }, issue.message);
    }
    const price = (field: "buyer_price" | "seller_price") => {
      try {
        return parsePrice(r.data[field]);
      } catch (err) {
        throw new DataFormatError({ file, row: n, field }, (err as Error).message, { cause: err });
      }
    };
    return {
      group: Number(r.data.group),
      buyer: r.data.buyer,
      seller: r.data.seller,
      mwh: BigInt(r.data.mwh),
      buyerPrice: price("buyer_price"),
      sellerPrice: price("seller_price"),
    };
  });
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
  const file = "table6.csv";
  const columns = { required: Object.keys(outcomeRow.shape), optional: [] };
  return parseCsv(file, text, columns).map(({ row: n, values }) => {
    const r = outcomeRow.safeParse(values);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new DataFormatError({ file, row: n, field: String(issue.path[0]) }, issue.message);
    }
    return {
      case: r.data.case,
      certPrice: Number(r.data.cert_price),
      certIncome: Number(r.data.cert_income),
      windProfit: Number(r.data.wind_profit),
      generatorRevenue: Number(r.data.generator_revenue),
    };
  });
}
