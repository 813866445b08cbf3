import type { TransactionReceipt } from "ethers";
import type { OrdererApi } from "../submitters/orderer-api";
import type { Submitter } from "../submitters";
import type { ReplicaJson } from "./replicas";

/** The `ordering` field of the replay's `--out` JSON. */
export interface OrderingJson {
  mode: "raft" | "direct";
  nodes: number;
  pool: string[];
  leaderChanges: number;
  blocks: number;
  transactions: number;
  /** Raft mode: each node's replica head once all applied every block (equal, or the run fails). */
  replicas?: ReplicaJson[];
}

/** A submitter that remembers every transaction it sent, so a run can say how many there were and where they went. */
export interface RecordingSubmitter extends Submitter {
  readonly receipts: Promise<TransactionReceipt>[];
}

export function recording(inner: Submitter): RecordingSubmitter {
  const receipts: Promise<TransactionReceipt>[] = [];
  return {
    receipts,
    async submit(signer, tx, options) {
      const pending = await inner.submit(signer, tx, options);
      const receipt = pending.wait();
      receipt.catch(() => undefined);
      receipts.push(receipt);
      return { wait: () => receipt };
    },
  };
}

async function applied(receipts: readonly Promise<TransactionReceipt>[]): Promise<TransactionReceipt[]> {
  const settled = await Promise.allSettled(receipts);
  return settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
}

/** Direct mode: the chain's blocks stand in for ordered blocks. */
export async function directSummary(receipts: readonly Promise<TransactionReceipt>[]): Promise<OrderingJson> {
  const done = await applied(receipts);
  return { mode: "direct", nodes: 0, pool: [], leaderChanges: 0, blocks: new Set(done.map((r) => r.blockNumber)).size, transactions: done.length };
}

/** Raft mode: asks the cluster which ordered block (Raft index) holds each applied transaction. */
export async function raftSummary(
  api: OrdererApi,
  receipts: readonly Promise<TransactionReceipt>[],
  shape: { nodes: number; pool: readonly string[]; leaderChanges: number; replicas?: ReplicaJson[] },
): Promise<OrderingJson> {
  const done = await applied(receipts);
  const blocks = new Set<number>();
  for (let k = 0; k < done.length; k += 32) {
    const found = await Promise.all(done.slice(k, k + 32).map((r) => api.lookup(r.hash)));
    for (const f of found) if (f?.block !== null && f?.block !== undefined) blocks.add(f.block);
  }
  const out: OrderingJson = { mode: "raft", nodes: shape.nodes, pool: [...shape.pool], leaderChanges: shape.leaderChanges, blocks: blocks.size, transactions: done.length };
  if (shape.replicas !== undefined) out.replicas = shape.replicas;
  return out;
}

/** The printed line: how many transactions were ordered into how many blocks. */
export function orderingLine(o: OrderingJson): string {
  if (o.mode === "direct") return `direct: ${o.transactions} transactions sent straight to the chain, in ${o.blocks} chain blocks (no ordering service)`;
  const changes = o.leaderChanges === 1 ? "1 leader change" : `${o.leaderChanges} leader changes`;
  const line = `ordering: the ${o.nodes}-node Raft cluster (pool ${o.pool.join(", ")}) ordered ${o.transactions} transactions into ${o.blocks} blocks; ${changes}`;
  const head = o.replicas?.[0]?.head;
  return head === undefined ? line : `${line}; the ${o.replicas!.length} replicas agree at chain block ${head.number} (${head.hash})`;
}
