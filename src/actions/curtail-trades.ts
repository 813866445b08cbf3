import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/** The dispatch centre curtails trades by MWh (blocking management); matching then runs again. */
export function curtailTrades(
  client: MarketClient,
  dispatch: Signer,
  cuts: readonly { tradeId: bigint; mwh: bigint }[],
  options?: TxOptions,
): Promise<TransactionReceipt> {
  const tx = client.sys.market.curtail.populateTransaction(cuts.map((c) => c.tradeId), cuts.map((c) => c.mwh));
  return send(client, dispatch, tx, options);
}
