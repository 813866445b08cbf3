import type { Signer, TransactionReceipt } from "ethers";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/** The cashier converts an attested RMB deposit (18-decimal fixed point) into tokens for `account`, once per receipt. */
export function deposit(
  client: MarketClient,
  cashier: Signer,
  a: { account: string; rmb: bigint; receiptId: string },
  options?: TxOptions,
): Promise<TransactionReceipt> {
  return send(client, cashier, client.sys.token.deposit.populateTransaction(a.account, a.rmb, a.receiptId), options);
}
