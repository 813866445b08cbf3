import type { Registry } from "prom-client";
import type { Message, NodeId } from "../core/types";

/**
 * What the node driver needs from a transport. Implementations: the authenticated TCP transport
 * (consensus/src/transport) through an adapter, and an in-process network in tests.
 */
export interface NodeTransport {
  start(): Promise<void>;
  /** Best effort, never throws: Raft tolerates lost messages. */
  send(messages: Message[]): void;
  close(): Promise<void>;
  /** Partitions at the transport level when it can (both directions); otherwise the node filters. */
  partition?(peers: NodeId[]): void;
  /** Messages dropped so far (full queues, blocked peers, unauthenticated senders). */
  droppedCount?(): number;
  /** Registers the transport's own gauges (per-peer counters) in the node's registry. */
  registerMetrics?(registry: Registry): void;
}

export type TransportFactory = (onMessage: (m: Message) => void, onDrop: (reason: string) => void) => NodeTransport;

/**
 * Fault injection for process-level tests: drops every message to or from the listed peers, as a
 * network partition would. Off unless the daemon runs with fault injection enabled.
 */
export class PartitionFilter {
  private cut = new Set<NodeId>();

  set(peers: NodeId[]): void {
    this.cut = new Set(peers);
  }

  get peers(): NodeId[] {
    return [...this.cut];
  }

  allows(peer: NodeId): boolean {
    return !this.cut.has(peer);
  }
}
