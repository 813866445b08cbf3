import type { Registry } from "prom-client";
import type { Message, NodeId } from "../core";

export type MessageHandler = (msg: Message) => void;

/**
 * How a node's Raft messages reach its peers: the one interface the node driver, the TCP/TLS
 * transport, the in-memory network and the tests' in-process networks share. Delivery is best effort:
 * Raft tolerates loss, duplication and reordering, so `send` never blocks and never throws for an
 * unreachable peer.
 */
export interface Transport {
  start(): Promise<void>;
  send(msgs: Message[]): void;
  close(): Promise<void>;
  /** Cuts this node off from exactly these peers, both directions (an empty list heals). Without it the node filters. */
  partition?(peers: NodeId[]): void;
  /** Messages dropped so far (full queues, blocked peers, unauthenticated senders). */
  droppedCount?(): number;
  /** Registers the transport's own gauges (per-peer counters) in the node's registry. */
  registerMetrics?(registry: Registry): void;
}

/** Makes a node's transport, delivering inbound messages to `onMessage`. */
export type TransportFactory = (onMessage: MessageHandler, onDrop: (reason: string) => void) => Transport;

/** Test and admin hook: cut this node off from a peer in both directions, at the message level. */
export interface PartitionControl {
  block(peer: NodeId): void;
  unblock(peer: NodeId): void;
  blockedPeers(): NodeId[];
}

export interface PeerStats {
  /** Messages handed to the socket. */
  sent: number;
  /** Messages dropped because the peer's queue was full (oldest first). */
  droppedQueueFull: number;
  /** Messages dropped because the peer is blocked (partitioned). */
  droppedBlocked: number;
  /** Messages waiting in the queue now. */
  queued: number;
  connected: boolean;
  /** Outbound connections established (the first one included). */
  connects: number;
}

export interface TransportStats {
  peers: Record<NodeId, PeerStats>;
  received: number;
  /** Inbound messages or connections refused: unknown or unauthenticated sender, bad frame, blocked. */
  rejected: number;
  /** Inbound connections whose TLS handshake has not finished yet. */
  pendingHandshakes?: number;
}
