import type { Signer } from "ethers";
import { KEEPER_GAS_LIMIT, type TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";
import type { SteppedRun } from "./run-matching";
import { RoundState } from "./round-status";

/**
 * Runs `TRANS(steps)` on the approved round (anyone may), once or until every trade is settled and every escrow
 * refunded; `onStep` hears the number of trades settled after each transaction.
 */
export async function runSettlement(
  client: MarketClient,
  keeper: Signer,
  a: { steps: number; untilDone: boolean; onStep?: (settledTrades: number) => void },
  options?: TxOptions,
): Promise<SteppedRun> {
  const market = client.sys.market;
  const round = async () => market.round(await market.currentRound());
  const gas: bigint[] = [];
  let r;
  do {
    gas.push((await send(client, keeper, market.TRANS.populateTransaction(a.steps), { gasLimit: KEEPER_GAS_LIMIT, ...options })).gasUsed);
    r = await round();
    a.onStep?.(Number(r.settledTrades));
  } while (a.untilDone && r.state === RoundState.Settling);
  return { calls: gas.length, gas, done: r.state === RoundState.Closed };
}
