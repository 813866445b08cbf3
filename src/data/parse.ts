/** Pure parsing and validation of a market's files (format: data/README.md). No I/O here: see load.ts. */
import { z } from "zod";
import { DataFormatError } from "../errors";
import { MAX_REGIONS } from "../limits";
import { parsePrice, parseRatioToBps } from "../units";
import { parseCsv, type CsvColumns } from "./csv";
import {
  bidAskField,
  capacityField,
  lossRateField,
  mwhField,
  mwhOrZeroField,
  nameField,
  percentField,
  priceField,
  regionField,
} from "./fields";
import {
  PRICING_RULES,
  type ConsumerOrder,
  type GridLink,
  type MarketData,
  type MarketFiles,
  type MarketOrder,
  type OrderKind,
  type RoundConfig,
  type ThermalOrder,
  type WindOrder,
} from "./types";

const gridRow = z.object({
  seller_region: regionField,
  buyer_region: regionField,
  loss_rate_pct: lossRateField,
  transmission_price: priceField,
  capacity_mwh: capacityField,
});
const consumerRow = z.object({
  name: nameField,
  region: regionField,
  bid_price: bidAskField,
  quantity_mwh: mwhField,
  wind_ratio_pct: percentField,
  wind_demand_mwh: mwhOrZeroField,
});
const windRow = z.object({ name: nameField, region: regionField, ask_price: bidAskField, quantity_mwh: mwhField });
const thermalRow = z.object({
  name: nameField,
  region: regionField,
  ask_price: bidAskField,
  quantity_mwh: mwhField,
  env_price: priceField,
  subsidy_price: priceField,
});

function columnsOf(schema: z.AnyZodObject, optional: readonly string[] = []): CsvColumns {
  const keys = Object.keys(schema.shape);
  return { required: keys.filter((k) => !optional.includes(k)), optional };
}

/** Parses every data row of a CSV file with a zod row schema, mapping the first issue to file, row and field. */
export function parseRows<S extends z.AnyZodObject>(
  file: string,
  text: string,
  schema: S,
  optional: readonly string[] = [],
): { row: number; value: z.output<S> }[] {
  return parseCsv(file, text, columnsOf(schema, optional)).map(({ row, values }) => {
    const result = schema.safeParse(values);
    if (result.success) return { row, value: result.data as z.output<S> };
    const issue = result.error.issues[0]!;
    const cause = issue.code === z.ZodIssueCode.custom ? (issue.params?.["cause"] as unknown) : undefined;
    throw new DataFormatError({ file, row, field: String(issue.path[0]) }, issue.message, { cause });
  });
}

function parseGrid(text: string): GridLink[] {
  const file = "grid.csv";
  const seen = new Set<string>();
  return parseRows(file, text, gridRow, ["capacity_mwh"]).map(({ row, value: v }) => {
    const key = `${v.seller_region}->${v.buyer_region}`;
    if (seen.has(key)) {
      throw new DataFormatError({ file, row, field: "buyer_region" }, `region pair ${key} is listed twice`);
    }
    seen.add(key);
    return {
      sellerRegion: v.seller_region,
      buyerRegion: v.buyer_region,
      lossPpm: v.loss_rate_pct,
      transmissionPrice: v.transmission_price,
      capacityMwh: v.capacity_mwh,
    };
  });
}

type Unnumbered<T> = Omit<T, "orderId">;

function parseConsumers(text: string): Unnumbered<ConsumerOrder>[] {
  const file = "consumers.csv";
  return parseRows(file, text, consumerRow).map(({ row, value: v }) => {
    if (v.wind_demand_mwh > v.quantity_mwh) {
      throw new DataFormatError(
        { file, row, field: "wind_demand_mwh" },
        `wind demand ${v.wind_demand_mwh} MWh exceeds quantity ${v.quantity_mwh} MWh`,
      );
    }
    return {
      kind: "consumer",
      name: v.name,
      region: v.region,
      bidPrice: v.bid_price,
      quantityMwh: v.quantity_mwh,
      windRatioPpm: v.wind_ratio_pct,
      windDemandMwh: v.wind_demand_mwh,
    };
  });
}

function parseWind(text: string): Unnumbered<WindOrder>[] {
  return parseRows("wind.csv", text, windRow).map(({ value: v }) => ({
    kind: "wind",
    name: v.name,
    region: v.region,
    askPrice: v.ask_price,
    quantityMwh: v.quantity_mwh,
  }));
}

function parseThermal(text: string): Unnumbered<ThermalOrder>[] {
  return parseRows("thermal.csv", text, thermalRow).map(({ value: v }) => ({
    kind: "thermal",
    name: v.name,
    region: v.region,
    askPrice: v.ask_price,
    quantityMwh: v.quantity_mwh,
    envPrice: v.env_price,
    subsidyPrice: v.subsidy_price,
  }));
}

const decimalString = (parse: (t: string) => bigint) =>
  z
    .union([z.string(), z.number().finite()])
    .transform((raw, ctx) => {
      try {
        return parse(String(raw));
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message, params: { cause: err } });
        return z.NEVER;
      }
    });

const roundSchema = z
  .object({
    bundlingRatio: decimalString(parseRatioToBps).default("3"),
    windCertCost: decimalString(parsePrice).default("0"),
    thermalCertCost: decimalString(parsePrice).default("0"),
    pricing: z.enum(PRICING_RULES as [string, ...string[]]).default("surplus-split"),
  })
  .strict();

export function parseRound(text: string): RoundConfig {
  const file = "round.json";
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataFormatError({ file }, `not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const result = roundSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.length > 0 ? String(issue.path[0]) : issue.code === "unrecognized_keys" ? issue.keys.join(",") : undefined;
    const cause = issue.code === z.ZodIssueCode.custom ? (issue.params?.["cause"] as unknown) : undefined;
    throw new DataFormatError({ file, field }, issue.message, { cause });
  }
  const r = result.data;
  return {
    bundlingRatioBps: r.bundlingRatio,
    windCertCost: r.windCertCost,
    thermalCertCost: r.thermalCertCost,
    pricing: r.pricing as RoundConfig["pricing"],
  };
}

const FILE_OF_KIND = { consumer: "consumers.csv", wind: "wind.csv", thermal: "thermal.csv" } as const;

/** Numbers the orders in listing order and refuses a name used twice anywhere in the market. */
function numberOrders(groups: readonly (readonly Unnumbered<MarketOrder>[])[]): MarketOrder[] {
  const seen = new Map<string, string>();
  const orders: MarketOrder[] = [];
  for (const group of groups) {
    group.forEach((order, k) => {
      const file = FILE_OF_KIND[order.kind];
      const first = seen.get(order.name);
      if (first !== undefined) {
        throw new DataFormatError({ file, row: k + 1, field: "name" }, `name ${order.name} is already used in ${first}`);
      }
      seen.set(order.name, `${file} row ${k + 1}`);
      orders.push({ ...order, orderId: orders.length + 1 } as MarketOrder);
    });
  }
  return orders;
}

/** The grid registers a region with the first corridor that names it, and holds at most MAX_REGIONS of them. */
function checkRegionCount(grid: readonly GridLink[]): void {
  const regions = new Set<string>();
  grid.forEach((link, k) => {
    for (const [field, region] of [["seller_region", link.sellerRegion], ["buyer_region", link.buyerRegion]] as const) {
      if (regions.has(region)) continue;
      regions.add(region);
      if (regions.size > MAX_REGIONS) {
        const reason = `region ${region} is region number ${regions.size}; the grid holds at most ${MAX_REGIONS}`;
        throw new DataFormatError({ file: "grid.csv", row: k + 1, field }, reason);
      }
    }
  });
}

/**
 * Every participant must sit in a region from which (sellers) or into which (consumers) some corridor runs: the
 * market refuses a region the grid does not know, and a party with no corridor could never trade. Refusing it here
 * names the row, where the chain would only name the region after deployment (data/README.md, grid.csv).
 */
function checkParticipantRegions(grid: readonly GridLink[], orders: readonly MarketOrder[]): void {
  const from = new Set(grid.map((l) => l.sellerRegion));
  const into = new Set(grid.map((l) => l.buyerRegion));
  const rowInFile = new Map<OrderKind, number>();
  for (const o of orders) {
    const row = (rowInFile.get(o.kind) ?? 0) + 1;
    rowInFile.set(o.kind, row);
    const consumer = o.kind === "consumer";
    if ((consumer ? into : from).has(o.region)) continue;
    const reason = consumer
      ? `no corridor in grid.csv runs into region ${o.region}: this consumer could never buy`
      : `no corridor in grid.csv runs out of region ${o.region}: this seller could never sell`;
    throw new DataFormatError({ file: FILE_OF_KIND[o.kind], row, field: "region" }, reason);
  }
}

/** Parses and validates a market from the text of its files. Throws DataFormatError naming file, row and field. */
export function parseMarket(files: MarketFiles): MarketData {
  const round = parseRound(files["round.json"]);
  const grid = parseGrid(files["grid.csv"]);
  const orders = numberOrders([
    parseConsumers(files["consumers.csv"]),
    parseWind(files["wind.csv"]),
    parseThermal(files["thermal.csv"]),
  ]);
  checkRegionCount(grid);
  checkParticipantRegions(grid, orders);
  const regions = new Set<string>(orders.map((o) => o.region));
  for (const link of grid) regions.add(link.sellerRegion).add(link.buyerRegion);
  return {
    consumers: orders.filter((o): o is ConsumerOrder => o.kind === "consumer"),
    wind: orders.filter((o): o is WindOrder => o.kind === "wind"),
    thermal: orders.filter((o): o is ThermalOrder => o.kind === "thermal"),
    orders,
    grid,
    round,
    regions: [...regions].sort(),
  };
}
