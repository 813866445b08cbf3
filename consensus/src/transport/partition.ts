import type { NodeId } from "../core";
import type { PartitionControl } from "./transport";

/** Environment variable naming the peers a node starts partitioned from: `DPLC_BLOCK_PEERS=n2,n3`. */
export const PARTITION_ENV = "DPLC_BLOCK_PEERS";

/**
 * Makes exactly `peers` blocked (unblocking any others). Idempotent, so an admin endpoint or a test
 * harness can simply send the desired partition.
 */
export function setPartition(t: PartitionControl, peers: readonly NodeId[]): void {
  const want = new Set(peers);
  for (const p of t.blockedPeers()) if (!want.has(p)) t.unblock(p);
  for (const p of want) t.block(p);
}

/** Parses a comma-separated peer list; blanks are ignored. */
export function parsePeerList(text: string | undefined): NodeId[] {
  if (text === undefined) return [];
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Applies `DPLC_BLOCK_PEERS` from the environment; returns the peers now blocked. */
export function partitionFromEnv(t: PartitionControl, env: NodeJS.ProcessEnv = process.env): NodeId[] {
  const peers = parsePeerList(env[PARTITION_ENV]);
  setPartition(t, peers);
  return t.blockedPeers();
}
