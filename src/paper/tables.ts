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
