import type { Logger } from "pino";
import type { Divergence, ReplicaBlock } from "../api/types";
import type { ReplicaHead } from "../chain/applier";
import type { OrdererMetrics } from "../metrics/metrics";

export interface DivergenceOptions {
  /** The peers to compare with; the URL may be null while unknown. */
  peers(): { id: string; url: string | null }[];
  /** This node's replica, read from its chain. */
  ownHead(): Promise<ReplicaHead | null>;
  ownBlock(n: number): Promise<ReplicaHead | null>;
  /** GET a peer's JSON (through the consortium's TLS agent when the API is HTTPS). */
  getJson(url: string): Promise<unknown>;
  metrics: OrdererMetrics;
  logger: Logger;
  intervalMs: number;
}

interface PeerReplica {
  replica?: { number?: unknown };
}

/**
 * Compares this node's replica with each peer's: the peer's replica head (`/v1/status`), then the chain block at the
 * lower of the two heights on both sides (`/v1/replica/blocks/{n}`). Replicas mine the same blocks from the same
 * genesis, so their block hashes are equal at every height (measured: consensus/README.md, "Replicas"); a difference
 * means one was written to by something other than its applier. A difference is an error log, the
 * `orderer_replica_diverged{peer}` gauge and a failing `/healthz`, until a later check finds the two equal again. A
 * peer that does not answer is not a divergence.
 */
export class DivergenceMonitor {
  private readonly found = new Map<string, Divergence>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(private readonly o: DivergenceOptions) {}

  start(): void {
    if (this.o.intervalMs === 0 || this.timer !== null) return;
    this.timer = setInterval(() => {
      if (this.checking === null) this.checking = this.checkAll().finally(() => (this.checking = null));
    }, this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
  }

  get divergences(): Divergence[] {
    return [...this.found.values()];
  }

  /** One round over every peer. */
  async checkAll(): Promise<void> {
    for (const peer of this.o.peers()) {
      if (peer.url === null) continue;
      try {
        await this.check(peer.id, peer.url);
      } catch (err) {
        this.o.logger.debug({ err, peer: peer.id }, "replica comparison skipped: the peer did not answer");
      }
    }
  }

  private async check(peer: string, url: string): Promise<void> {
    const status = (await this.o.getJson(`${url}/v1/status`)) as PeerReplica;
    const theirHeight = status.replica?.number;
    const mine = await this.o.ownHead();
    if (typeof theirHeight !== "number" || mine === null) return;
    const height = Math.min(theirHeight, mine.number);
    const own = await this.o.ownBlock(height);
    const theirs = (await this.o.getJson(`${url}/v1/replica/blocks/${height}`)) as Partial<ReplicaBlock>;
    if (own === null || typeof theirs.hash !== "string") return;
    if (own.hash === theirs.hash) {
      if (this.found.delete(peer)) this.o.logger.info({ peer, height }, "replica agrees with the peer's again");
      this.o.metrics.replicaDiverged.labels({ peer }).set(0);
      return;
    }
    const d: Divergence = { peer, height, mine: own.hash, theirs: theirs.hash };
    if (!this.found.has(peer)) this.o.logger.error(d, `replica diverged from ${peer}'s at chain block ${height}`);
    this.found.set(peer, d);
    this.o.metrics.replicaDiverged.labels({ peer }).set(1);
    this.o.metrics.replicaDivergenceHeight.labels({ peer }).set(height);
  }
}

/** GETs a peer's JSON, through `dispatcher` (the consortium CA's undici Agent) when the APIs are HTTPS. */
export function peerJsonGetter(dispatcher: object | undefined): (url: string) => Promise<unknown> {
  return async (url) => {
    const init = { signal: AbortSignal.timeout(5_000), ...(dispatcher === undefined ? {} : { dispatcher }) };
    const res = await fetch(url, init as RequestInit);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return res.json();
  };
}
