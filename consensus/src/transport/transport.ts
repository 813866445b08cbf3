import type { Message, NodeId } from "../core/types";

export type MessageHandler = (msg: Message) => void;

/**
 * How a node's Raft messages reach its peers. Delivery is best effort: Raft tolerates loss,
 * duplication and reordering, so `send` never blocks and never throws for an unreachable peer.
 */
export interface Transport {
  send(msgs: Message[]): void;
  onMessage(handler: MessageHandler): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

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
}
