import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/** The dispatch centre approves the matched result (the security check passed). */
export function approveMatching(client: MarketClient, dispatch: Signer, options?: TxOptions): Promise<TransactionReceipt> {
  return send(client, dispatch, client.sys.market.approveMatching.populateTransaction(), options);
}
