import type { JsonRpcApiProvider, Provider } from "ethers";

/** The JSON-RPC surface of a Hardhat devnet that the replay needs beyond plain ethers. */
export interface DevnetRpc {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/** Moves the devnet's clock past `timestamp` and mines a block, so deadline checks see it. */
export async function advanceTimeTo(rpc: DevnetRpc, provider: Provider, timestamp: number): Promise<void> {
  const latest = await provider.getBlock("latest");
  const now = latest?.timestamp ?? 0;
  if (now < timestamp) await rpc.send("evm_increaseTime", [timestamp - now]);
  await rpc.send("evm_mine", []);
}

/** Gives `address` `wei` of native currency on a Hardhat devnet (gas money for participants). */
export async function setBalance(rpc: DevnetRpc, address: string, wei: bigint): Promise<void> {
  await rpc.send("hardhat_setBalance", [address, "0x" + wei.toString(16)]);
}

/** The current block timestamp. */
export async function latestTimestamp(provider: Provider): Promise<number> {
  const block = await provider.getBlock("latest");
  return block?.timestamp ?? 0;
}

export type { JsonRpcApiProvider };
