/** zod field schemas for market files: each turns a trimmed CSV string into a typed value or a clear issue. */
import { z } from "zod";
import { MAX_CODE_BYTES } from "../limits";
import {
  parseBidAsk,
  parseLossRate,
  parseMwh,
  parsePercentToPpm,
  parsePrice,
  parseRatioToBps,
  PPM,
} from "../units";

/** Wraps a throwing parser so its message (and the error itself, as `params.cause`) becomes a zod issue. */
function parsed<T>(parse: (text: string) => T): z.ZodType<T, z.ZodTypeDef, string> {
  return z.string().transform((text, ctx): T => {
    try {
      return parse(text);
    } catch (err) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: err instanceof Error ? err.message : String(err),
        params: { cause: err },
      });
      return z.NEVER;
    }
  });
}

// Names and region codes go on chain as bytes32 text (registration and region codes): at most MAX_CODE_BYTES.
const MORE = MAX_CODE_BYTES - 1;
export const nameField = z
  .string()
  .regex(
    new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,${MORE}}$`),
    `expected a name of letters, digits, '_', '.' or '-' (max ${MAX_CODE_BYTES})`,
  );
export const regionField = z
  .string()
  .regex(
    new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,${MORE}}$`),
    `expected a region code of letters, digits, '_' or '-' (max ${MAX_CODE_BYTES})`,
  );
export const priceField = parsed(parsePrice);
/** A bid or ask: the contracts refuse a price of 0. */
export const bidAskField = parsed(parseBidAsk);
export const mwhField = parsed((t) => parseMwh(t));
export const mwhOrZeroField = parsed((t) => parseMwh(t, 0n));
export const lossRateField = parsed(parseLossRate);
export const percentField = parsed((t) => {
  const ppm = parsePercentToPpm(t);
  if (ppm > PPM) throw new Error(`invalid value ${JSON.stringify(t)}: percent must be at most 100`);
  return ppm;
});
/** Empty means unlimited. */
export const capacityField = parsed((t) => (t === "" ? null : parseMwh(t, 0n)));
export const ratioField = parsed(parseRatioToBps);
