import type { Signer } from "ethers";
import { KEEPER_GAS_LIMIT, type TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";
import { RoundState } from "./round-status";

/** How far a stepped run got: transactions sent, gas of each, and whether the stage is over. */
export interface SteppedRun {
  readonly calls: number;
  readonly gas: bigint[];
  readonly done: boolean;
}

/**
 * Runs `matchOrders(steps)` after the deadline (anyone may), once or until matching is complete; `onStep` hears of
 * each transaction. Step budgets keep every transaction far below the block gas limit.
 */
export async function runMatching(
  client: MarketClient,
  keeper: Signer,
  a: { steps: number; untilDone: boolean; onStep?: (calls: number) => void },
  options?: TxOptions,
): Promise<SteppedRun> {
  const market = client.sys.market;
  const state = async () => (await market.round(await market.currentRound())).state;
  const gas: bigint[] = [];
  do {
    gas.push((await send(client, keeper, market.matchOrders.populateTransaction(a.steps), { gasLimit: KEEPER_GAS_LIMIT, ...options })).gasUsed);
    a.onStep?.(gas.length);
  } while (a.untilDone && (await state()) === RoundState.Open);
  return { calls: gas.length, gas, done: (await state()) !== RoundState.Open };
}
