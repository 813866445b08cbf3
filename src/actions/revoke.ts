import type { Signer, TransactionReceipt } from "ethers";
import { code32 } from "../chain/participants";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/** The trading centre revokes an approved participant's admission, with a short reason (at most 31 bytes). */
export function revoke(client: MarketClient, tradingCentre: Signer, account: string, reason: string, options?: TxOptions): Promise<TransactionReceipt> {
  return send(client, tradingCentre, client.sys.registry.revoke.populateTransaction(account, code32(reason)), options);
}
