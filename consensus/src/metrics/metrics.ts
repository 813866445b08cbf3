import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The orderer's Prometheus metrics, in a registry of their own so several nodes (or tests) in one
 * process never share counters.
 */
export class OrdererMetrics {
  readonly registry = new Registry();
  readonly proposals: Counter;
  readonly proposedTxs: Counter;
  readonly commits: Counter;
  readonly appliedBlocks: Counter;
  readonly appliedTxs: Counter;
  readonly refusedTxs: Counter;
  readonly elections: Counter;
  readonly leaderChanges: Counter;
  readonly droppedMessages: Counter;
  readonly snapshotsTaken: Counter;
  readonly snapshotsInstalled: Counter;
  readonly requestLatency: Histogram<"route" | "code">;
  readonly term: Gauge;
  readonly commitIndex: Gauge;
  readonly appliedIndex: Gauge;
  readonly isLeader: Gauge;
  readonly replicaHead: Gauge;
  readonly replicaAppliedBlock: Gauge;
  readonly replicaDiverged: Gauge<"peer">;
  readonly replicaDivergenceHeight: Gauge<"peer">;
  readonly replicaWrongEvm: Gauge;

  constructor(options: { nodeId?: string; defaultMetrics?: boolean } = {}) {
    if (options.nodeId !== undefined) this.registry.setDefaultLabels({ node: options.nodeId });
    const registers = [this.registry];
    this.proposals = new Counter({ name: "orderer_proposals_total", help: "Blocks proposed to Raft by this node as leader", registers });
    this.proposedTxs = new Counter({ name: "orderer_proposed_transactions_total", help: "Transactions in proposed blocks", registers });
    this.commits = new Counter({ name: "orderer_committed_entries_total", help: "Raft entries committed and applied to the ordering state", registers });
    this.appliedBlocks = new Counter({ name: "orderer_chain_applied_blocks_total", help: "Ordered blocks applied to this node's replica", registers });
    this.appliedTxs = new Counter({ name: "orderer_chain_applied_transactions_total", help: "Transactions applied to this node's replica", registers });
    this.refusedTxs = new Counter({ name: "orderer_chain_refused_transactions_total", help: "Ordered transactions this node's replica refused", registers });
    this.elections = new Counter({ name: "orderer_elections_total", help: "Campaigns (pre-vote or vote) started by this node", registers });
    this.leaderChanges = new Counter({ name: "orderer_leader_changes_total", help: "Changes of the leader seen by this node", registers });
    this.droppedMessages = new Counter({ name: "orderer_dropped_messages_total", help: "Raft messages dropped (unknown peer, bad auth, full queue)", registers });
    this.snapshotsTaken = new Counter({ name: "orderer_snapshots_taken_total", help: "Snapshots of the order ledger written by this node", registers });
    this.snapshotsInstalled = new Counter({ name: "orderer_snapshots_installed_total", help: "Snapshots received from a leader and installed", registers });
    this.requestLatency = new Histogram({
      name: "orderer_http_request_duration_seconds",
      help: "Client API request latency",
      labelNames: ["route", "code"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.term = new Gauge({ name: "orderer_term", help: "Current Raft term", registers });
    this.commitIndex = new Gauge({ name: "orderer_commit_index", help: "Raft commit index", registers });
    this.appliedIndex = new Gauge({ name: "orderer_chain_applied_index", help: "Last ordered block (Raft index) applied to this node's replica", registers });
    this.isLeader = new Gauge({ name: "orderer_is_leader", help: "1 while this node leads", registers });
    this.replicaHead = new Gauge({ name: "orderer_replica_head", help: "Chain head (block number) of this node's EVM replica", registers });
    this.replicaAppliedBlock = new Gauge({ name: "orderer_replica_applied_block", help: "Last ordered block (store number) applied to this node's replica", registers });
    this.replicaDiverged = new Gauge({
      name: "orderer_replica_diverged",
      help: "1 while this node's replica differs from the peer's at the last compared height",
      labelNames: ["peer"],
      registers,
    });
    this.replicaDivergenceHeight = new Gauge({
      name: "orderer_replica_divergence_height",
      help: "Chain block at which this node's replica was last found to differ from the peer's",
      labelNames: ["peer"],
      registers,
    });
    this.replicaWrongEvm = new Gauge({
      name: "orderer_replica_wrong_evm",
      help: "1 while this node's chain node runs another EVM than chain.evm names (web3_clientVersion)",
      registers,
    });
    if (options.defaultMetrics === true) collectDefaultMetrics({ register: this.registry });
  }
}
