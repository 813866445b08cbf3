import type { ReplicaEvm } from "../config/schema";

/** Which EVM a chain node is, from its `web3_clientVersion` (`HardhatNetwork/…`, `anvil/v…`); null for any other. */
export function evmOfClientVersion(version: string): ReplicaEvm | null {
  if (/^hardhatnetwork\//i.test(version)) return "hardhat";
  if (/^anvil\//i.test(version)) return "anvil";
  return null;
}

/** What the replica host appends to `web3_clientVersion` (kept equal to replica-host.js's HOST_TAG, which is not
 * imported: the orderer's bundle must not pull Hardhat in). Version 2 checks a call's `parent` (block-call.ts); a
 * version-1 host would ignore it, so it is fed one send at a time like any other Hardhat node. */
const HOST_TAG = /\bdplc-replica-host\/2\b/;

/**
 * How the applier can feed a chain node, from its `web3_clientVersion`: `host` (our replica host) takes
 * `dplc_applyBlocks`; `anvil` takes a block's sends as one JSON-RPC batch, checked against its pending block
 * (applier.ts); any other one send per round trip.
 */
export type ChainFeed = "host" | "anvil" | "sends";

export function feedOfClientVersion(version: string): ChainFeed {
  if (HOST_TAG.test(version)) return "host";
  return evmOfClientVersion(version) === "anvil" ? "anvil" : "sends";
}
