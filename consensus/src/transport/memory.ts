import type { Message, NodeId } from "../core";
import { setPartition } from "./partition";
import type { MessageHandler, PartitionControl, Transport, TransportFactory } from "./transport";

/**
 * An in-process network for tests: transports created from one MemoryNetwork reach each other.
 * Delivery is asynchronous (setImmediate), like a socket, so a handler never runs inside `send`.
 * Messages are passed by structured clone so no node can mutate another's objects.
 */
export class MemoryNetwork {
  private readonly nodes = new Map<NodeId, MemoryTransport>();
  delivered = 0;
  dropped = 0;

  transport(id: NodeId): MemoryTransport {
    let t = this.nodes.get(id);
    if (t === undefined) {
      t = new MemoryTransport(this, id);
      this.nodes.set(id, t);
    }
    return t;
  }

  /** A node driver's factory for node `id` on this network. */
  factory(id: NodeId): TransportFactory {
    return (onMessage) => {
      const t = this.transport(id);
      t.onMessage(onMessage);
      return t;
    };
  }

  /** @internal */
  route(msg: Message): void {
    const from = this.nodes.get(msg.from);
    const to = this.nodes.get(msg.to);
    if (from === undefined || to === undefined || !from.running || from.isBlocked(msg.to)) {
      this.dropped++;
      return;
    }
    const copy = structuredClone(msg);
    setImmediate(() => {
      if (!to.running || to.isBlocked(msg.from)) {
        this.dropped++;
        return;
      }
      this.delivered++;
      to.deliver(copy);
    });
  }
}

export class MemoryTransport implements Transport, PartitionControl {
  private readonly handlers: MessageHandler[] = [];
  private readonly blocked = new Set<NodeId>();
  running = false;

  constructor(
    private readonly network: MemoryNetwork,
    readonly id: NodeId,
  ) {}

  /** Like the TCP transport's receiver, refuses a message that does not name its real sender. */
  send(msgs: Message[]): void {
    for (const m of msgs) {
      if (m.from === this.id) this.network.route(m);
      else this.network.dropped++;
    }
  }

  onMessage(handler: MessageHandler): void {
    this.handlers.push(handler);
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async close(): Promise<void> {
    this.running = false;
  }

  partition(peers: NodeId[]): void {
    setPartition(this, peers);
  }

  block(peer: NodeId): void {
    this.blocked.add(peer);
  }

  unblock(peer: NodeId): void {
    this.blocked.delete(peer);
  }

  blockedPeers(): NodeId[] {
    return [...this.blocked].sort();
  }

  isBlocked(peer: NodeId): boolean {
    return this.blocked.has(peer);
  }

  /** @internal */
  deliver(msg: Message): void {
    for (const h of this.handlers) h(msg);
  }
}
