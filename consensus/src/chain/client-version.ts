import type { ReplicaEvm } from "../config/schema";

/** Which EVM a chain node is, from its `web3_clientVersion` (`HardhatNetwork/…`, `anvil/v…`); null for any other. */
export function evmOfClientVersion(version: string): ReplicaEvm | null {
  if (/^hardhatnetwork\//i.test(version)) return "hardhat";
  if (/^anvil\//i.test(version)) return "anvil";
  return null;
}
