import { JsonRpcClient } from "../../src/chain/rpc";

/** Every block header of the chain node at `url`, genesis first (transaction hashes only). */
export async function chainOf<T>(url: string): Promise<T[]> {
  const rpc = new JsonRpcClient(url);
  const height = Number(BigInt(await rpc.call<string>("eth_blockNumber")));
  return Promise.all(Array.from({ length: height + 1 }, (_, b) => rpc.call<T>("eth_getBlockByNumber", ["0x" + b.toString(16), false])));
}
