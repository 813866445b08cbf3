// The node folder's test files, shared by its Stryker configs (node, node-unit, node-inproc), in the order they run.

/** In-process unit suites: no orderer node, no network beyond a local HTTP server. Cheapest first. */
export const NODE_UNIT_SPECS = [
  "consensus/test/node/ready-loop.test.ts",
  "consensus/test/node/proposals.test.ts",
  "consensus/test/node/nonce-gate.test.ts",
  "consensus/test/node/ledger.test.ts",
  "consensus/test/node/sender-nonces.test.ts",
  "consensus/test/node/block-recorder.test.ts",
  "consensus/test/node/snapshot-data.test.ts",
  "consensus/test/node/peer-api.test.ts",
  "consensus/test/node/cut-scheduler.test.ts",
  "consensus/test/node/peer-blocks.test.ts",
  "consensus/test/node/divergence.test.ts",
  "consensus/test/node/snapshots.test.ts",
  "consensus/test/node/clock.test.ts",
  "consensus/test/node/transport.test.ts",
  "consensus/test/node/replica.test.ts",
  "consensus/test/node/members.test.ts",
  "consensus/test/node/join.test.ts",
  "consensus/test/node/member-admin.test.ts",
  "consensus/test/node/chain-view.test.ts",
  "consensus/test/node/api-tls-options.test.ts",
  "consensus/test/node/pull-metrics.test.ts",
];

/** Suites that run whole orderer nodes in this process over an in-process network (no Hardhat chain). */
export const NODE_INPROC_SPECS = [
  "consensus/test/node/durability.test.ts",
  "consensus/test/node/node-apply.test.ts",
  "consensus/test/node/node-election.test.ts",
  "consensus/test/node/node-handle.test.ts",
  "consensus/test/node/node-faults.test.ts",
  "consensus/test/node/node-leadership.test.ts",
  "consensus/test/node/snapshot.test.ts",
  "consensus/test/node/node.test.ts",
  "consensus/test/node/block-store.test.ts",
  "consensus/test/node/api-tls.test.ts",
];

/**
 * Suites of the node files that start child processes for tests and tools: the replicas' chain nodes
 * (`replica-evm.ts`, real Anvil and replica-host processes) and the local cluster of daemons (`cluster.ts`, with a
 * fake daemon in place of the orderer). A few seconds each.
 */
export const NODE_CHILD_SPECS = ["consensus/test/node/replica-evm.test.ts", "consensus/test/node/local-cluster.test.ts"];
