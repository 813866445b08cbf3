import type { Signer, TransactionReceipt } from "ethers";
import { UNLIMITED_MWH } from "../chain/deploy";
import { code32 } from "../chain/participants";
import type { TxOptions } from "../submitters";
import { send, type MarketClient } from "./client";

/** A corridor's parameters: loss rate in ppm, transmission price (18 decimals), capacity in MWh (null: unlimited). */
export interface Corridor {
  readonly seller: string;
  readonly buyer: string;
  readonly lossPpm: bigint;
  readonly transmissionPrice: bigint;
  readonly capacityMwh: bigint | null;
}

/** The grid company sets a (seller region, buyer region) corridor. */
export function setCorridor(client: MarketClient, grid: Signer, c: Corridor, options?: TxOptions): Promise<TransactionReceipt> {
  const tx = client.sys.grid.setPair.populateTransaction(
    code32(c.seller),
    code32(c.buyer),
    c.lossPpm,
    c.transmissionPrice,
    c.capacityMwh ?? UNLIMITED_MWH,
  );
  return send(client, grid, tx, options);
}
