import { MaxUint256, type Signer, type TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/**
 * A consumer lets the market take its escrow at listing (an unlimited allowance, as wallets give exchanges). With
 * `unlessAtLeast`, nothing is sent when the allowance already covers that many token units.
 */
export async function approveEscrow(
  client: MarketClient,
  consumer: Signer,
  a: { unlessAtLeast?: bigint } = {},
  options?: TxOptions,
): Promise<TransactionReceipt | undefined> {
  const { token, market } = client.sys;
  const spender = await market.getAddress();
  if (a.unlessAtLeast !== undefined && (await token.allowance(await consumer.getAddress(), spender)) >= a.unlessAtLeast) {
    return undefined;
  }
  return send(client, consumer, token.approve.populateTransaction(spender, MaxUint256), options);
}
