import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/**
 * The trading centre sets a consumer's green quota: `ratioPpm` of the energy it buys must be covered by certificates
 * (Table 2's wind power ratio). Assigned by the trading centre, never declared by the consumer.
 */
export function setGreenQuota(
  client: MarketClient,
  tradingCentre: Signer,
  account: string,
  ratioPpm: bigint,
  options?: TxOptions,
): Promise<TransactionReceipt> {
  return send(client, tradingCentre, client.sys.registry.setGreenQuota.populateTransaction(account, ratioPpm), options);
}
