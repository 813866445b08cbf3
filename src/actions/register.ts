import type { Signer, TransactionReceipt } from "ethers";
import { code32, KIND_CODE } from "../chain/participants";
import type { OrderKind } from "../data";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/** `Regis`: `who` applies for admission as a consumer, wind or thermal generator in `region`. */
export function register(
  client: MarketClient,
  who: Signer,
  a: { kind: OrderKind; region: string; code: string },
  options?: TxOptions,
): Promise<TransactionReceipt> {
  return send(client, who, client.sys.registry.Regis.populateTransaction(KIND_CODE[a.kind], code32(a.region), code32(a.code)), options);
}
