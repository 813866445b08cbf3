import type { NodeId } from "../core";

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
