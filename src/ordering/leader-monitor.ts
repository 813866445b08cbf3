import type { OrdererApi } from "../submitters/orderer-api";

/**
 * Watches the cluster's leadership while a run goes on: every poll asks each node's `/v1/status`, and each new term
 * with a leader counts as one leadership after the first. Also learns the cluster's shape (nodes, pool) from it, and
 * points the client at the leader.
 */
export class LeaderMonitor {
  private readonly leaders = new Map<number, string>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> = Promise.resolve();
  nodes = 0;
  pool: readonly string[] = [];

  constructor(
    private readonly api: OrdererApi,
    private readonly everyMs = 200,
  ) {}

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll());
    }, this.everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
    await this.poll();
  }

  get leaderChanges(): number {
    return Math.max(0, this.leaders.size - 1);
  }

  private async poll(): Promise<void> {
    const views = await Promise.all(this.api.endpoints.map((url) => this.api.status(url)));
    views.forEach((v, k) => {
      if (v === null) return;
      if (v.leader === v.id) this.api.prefer(this.api.endpoints[k]!);
      if (v.leader !== null && !this.leaders.has(v.term)) this.leaders.set(v.term, v.leader);
      const members = (v as { members?: unknown[] }).members;
      this.nodes = Math.max(this.nodes, Array.isArray(members) ? members.length : this.api.endpoints.length);
      if (v.pool.length > 0) this.pool = v.pool;
    });
  }
}
