import { Counter, Gauge, type Registry } from "prom-client";

/** The block puller's progress, in the node's registry. */
export interface PullMetrics {
  pulledBlocks: Counter;
  pulledTxs: Counter;
  remaining: Gauge;
}

export function pullMetrics(registry: Registry): PullMetrics {
  const registers = [registry];
  return {
    pulledBlocks: new Counter({ name: "orderer_blocks_pulled_total", help: "Blocks pulled from peers into this node's block store", registers }),
    pulledTxs: new Counter({ name: "orderer_blocks_pulled_transactions_total", help: "Transactions in blocks pulled from peers", registers }),
    remaining: new Gauge({ name: "orderer_block_pull_remaining", help: "Blocks still to pull before the block store reaches its snapshot's chain head", registers }),
  };
}
