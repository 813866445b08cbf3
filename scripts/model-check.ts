#!/usr/bin/env node
/**
 * A large synthetic market's trades on chain against the reference model (test/model/market-model.ts), at sizes the
 * property tests cannot reach (issue 15: 1,000 orders per side over 32 regions). Replays the market on a fresh Anvil
 * node, writes the chain's trades, every order's commitment and the round's tie seed to `--dump`, then matches the
 * same book in the model, with tie ranks computed by the model from those commitments and that seed, and compares
 * trade by trade. `--from FILE` compares a dump written before, without replaying.
 */
import fs from "node:fs";
import { Command } from "commander";
import { countArg } from "../src/cli/args";

const program = new Command()
  .name("model-check")
  .description("A synthetic market's trades on an Anvil node against the reference model's, trade by trade")
  .option("--orders <n>", "orders per side", (v) => countArg("--orders", v, 1), 1000)
  .option("--regions <n>", "regions (every region pair a corridor)", (v) => countArg("--regions", v, 1, 32), 32)
  .option("--seed <n>", "seed of generateSyntheticMarket", (v) => countArg("--seed", v), 7)
  .option("--match-steps <n>", "matching steps per matchOrders transaction", (v) => countArg("--match-steps", v, 1), 40)
  .option("--dump <file>", "write the chain's trades, commitments and tie seed here")
  .option("--from <file>", "compare this dump instead of replaying")
  .showHelpAfterError();

/** What the chain produced, exactly (bigints as decimal strings). */
interface ChainDump {
  readonly orders: number;
  readonly regions: number;
  readonly seed: number;
  readonly tieSeed: string;
  /** commitments[k] is order k + 1's. */
  readonly commitments: string[];
  readonly trades: { buyer: number; seller: number; mwh: string; phase: number; buyerPrice: string; sellerPrice: string }[];
  readonly gasPerMatchTx: string[];
}

type Opts = { orders: number; regions: number; seed: number; matchSteps: number; dump?: string; from?: string };

async function replayOnAnvil(o: Opts): Promise<ChainDump> {
  const { generateSyntheticMarket } = await import("../src/data");
  const { openAnvilBenchChain } = await import("../src/bench/gas");
  const { replayMarket } = await import("../src/replay/replay");
  const { DIRECT_MAX_IN_FLIGHT } = await import("../src/replay/in-flight");
  const { terminalProgress } = await import("../src/cli/progress-bar");
  const data = generateSyntheticMarket({ buyers: o.orders, sellers: o.orders, regions: o.regions, seed: o.seed }).market;
  const bench = await openAnvilBenchChain();
  const bar = terminalProgress();
  try {
    const { operators, rpc, submitter, advanceTime, fund } = bench.chain;
    const out = await replayMarket({ data, pricing: "surplus-split", operators, rpc, submitter, advanceTime, fund, matchSteps: o.matchSteps, settleSteps: 60, maxInFlight: DIRECT_MAX_IN_FLIGHT, progress: bar.sink });
    bar.stop();
    // Listings go out in data order, so on-chain ids are the data's; the comparison below relies on it.
    for (const [id, order] of out.orders) if (Number(id) !== order.orderId) throw new Error(`order ${order.name}: id ${id} on chain, ${order.orderId} in the data`);
    const market = out.system.market;
    const commitments: string[] = [];
    for (let id = 1; id <= data.orders.length; id++) commitments.push((await market.order(BigInt(id))).commitment);
    return {
      orders: o.orders,
      regions: o.regions,
      seed: o.seed,
      tieSeed: (await market.round(out.roundId)).tieSeed,
      commitments,
      trades: out.trades.map((t) => ({
        buyer: t.buyer.orderId,
        seller: t.seller.orderId,
        mwh: String(t.mwh),
        phase: t.group === "wind" ? 1 : 2,
        buyerPrice: String(t.buyerPrice),
        sellerPrice: String(t.sellerPrice),
      })),
      gasPerMatchTx: out.gas.match.map(String),
    };
  } finally {
    bar.stop();
    await bench.stop();
  }
}

async function compare(dump: ChainDump): Promise<boolean> {
  const { generateSyntheticMarket } = await import("../src/data");
  const { bookFromMarket, matchRound, tieRank } = await import("../test/model/market-model");
  const data = generateSyntheticMarket({ buyers: dump.orders, sellers: dump.orders, regions: dump.regions, seed: dump.seed }).market;
  const plain = bookFromMarket(data, "surplus-split");
  const tie = (id: number) => tieRank(dump.tieSeed, dump.commitments[id - 1]!);
  const book = { ...plain, buyers: plain.buyers.map((b) => ({ ...b, tie: tie(b.id) })), sellers: plain.sellers.map((s) => ({ ...s, tie: tie(s.id) })) };
  const started = Date.now();
  const model = matchRound(book).trades.map((t) => ({ ...t, mwh: String(t.mwh), buyerPrice: String(t.buyerPrice), sellerPrice: String(t.sellerPrice) }));
  console.log(`model: ${model.length} trades in ${((Date.now() - started) / 1000).toFixed(1)} s; chain: ${dump.trades.length} trades`);
  const n = Math.max(model.length, dump.trades.length);
  for (let k = 0; k < n; k++) {
    const m = model[k];
    const c = dump.trades[k];
    const same = m !== undefined && c !== undefined && m.buyer === c.buyer && m.seller === c.seller && m.mwh === c.mwh && m.phase === c.phase && m.buyerPrice === c.buyerPrice && m.sellerPrice === c.sellerPrice;
    if (!same) {
      console.log(`first difference at trade ${k}:\n  chain ${JSON.stringify(c)}\n  model ${JSON.stringify(m)}`);
      return false;
    }
  }
  console.log(`all ${n} trades equal (buyer, seller, MWh, phase, both prices)`);
  return true;
}

async function main(): Promise<void> {
  program.parse(process.argv);
  const o = program.opts<Opts>();
  let dump: ChainDump;
  if (o.from !== undefined) {
    dump = JSON.parse(fs.readFileSync(o.from, "utf8")) as ChainDump;
  } else {
    const started = Date.now();
    dump = await replayOnAnvil(o);
    console.log(`replay: ${dump.trades.length} trades in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (o.dump !== undefined) fs.writeFileSync(o.dump, JSON.stringify(dump) + "\n");
  }
  if (!(await compare(dump))) process.exitCode = 1;
}

main().catch(async (err: unknown) => {
  const { DplcError } = await import("../src/errors");
  // A refused argument (or any of the project's typed errors) says what is wrong; anything else keeps its stack.
  console.error(err instanceof DplcError ? `error: ${err.message}` : err);
  process.exitCode = 1;
});
