import type { Logger } from "pino";
import type { Divergence, DivergenceField, ReplicaBlock } from "../api/types";
import type { ReplicaHead } from "../chain/applier";
import type { ReplicaEvm } from "../config/schema";
import type { OrdererMetrics } from "../metrics/metrics";
import { evmOfClientVersion } from "../chain/client-version";

export interface DivergenceOptions {
  /** The peers to compare with; the URL may be null while unknown. */
  peers(): { id: string; url: string | null }[];
  /** This node's replica, read from its chain. */
  ownHead(): Promise<ReplicaHead | null>;
  ownBlock(n: number): Promise<ReplicaHead | null>;
  /** The EVM this node's replica runs on (`chain.evm`). */
  ownEvm: ReplicaEvm;
  /** This node's chain node's `web3_clientVersion`, to check that it runs `ownEvm`. */
  ownClientVersion?(): Promise<string>;
  /** GET a peer's JSON (through the consortium's TLS agent when the API is HTTPS). */
  getJson(url: string): Promise<unknown>;
  metrics: OrdererMetrics;
  logger: Logger;
  intervalMs: number;
}

interface PeerReplica {
  replica?: { number?: unknown; evm?: unknown };
}

/**
 * Across EVMs the hash cannot agree (each EVM fills the mix hash and the beacon root its own way, and Anvil 1.7 keeps
 * zero-valued storage leaves, so even the state root parts: consensus/README.md, "Replicas on two EVMs"); what every
 * EVM must compute alike from the same ordered block is its time, its transactions and every receipt (status, gas,
 * logs), hence the transactions and receipts roots.
 */
const ACROSS_EVMS: readonly DivergenceField[] = ["timestamp", "transactionsRoot", "receiptsRoot"];

/** This node's chain runs another EVM than its `chain.evm` says (`running`: the EVM its client version names). */
export interface WrongEvm {
  readonly configured: ReplicaEvm;
  readonly running: ReplicaEvm | "unknown";
  readonly clientVersion: string;
}

/** Blocks compared with one peer on another EVM per round (a node joining a long chain catches up over rounds). */
const MAX_BLOCKS_PER_ROUND = 256;

/** The first compared field on which two replicas' blocks at one height differ, or null when they agree. */
export function blockDifference(
  mine: ReplicaHead,
  theirs: Partial<ReplicaBlock>,
  sameEvm: boolean,
): { field: DivergenceField; mine: string; theirs: string } | null {
  for (const field of sameEvm ? (["hash"] as const) : ACROSS_EVMS) {
    if (String(mine[field]) !== String(theirs[field])) return { field, mine: String(mine[field]), theirs: String(theirs[field]) };
  }
  return null;
}

/**
 * Compares this node's replica with each peer's: the peer's replica head (`/v1/status`), then the chain block at the
 * lower of the two heights on both sides (`/v1/replica/blocks/{n}`). Replicas on the same EVM mine the same blocks from
 * the same genesis, so their block hashes are equal at every height (measured: consensus/README.md, "Replicas"); a
 * peer on another EVM (its status names it; none named is Hardhat) is compared on what must agree across EVMs
 * ({@link blockDifference}) at every height, since roots do not chain. A difference means one was written to by something other than its applier. A difference is an error log, the
 * `orderer_replica_diverged{peer}` gauge and a failing `/healthz`, until a later check finds the two equal again. A
 * peer that does not answer is not a divergence.
 */
export class DivergenceMonitor {
  private readonly found = new Map<string, Divergence>();
  /** Peers on another EVM: the height up to which every block was compared and agreed. */
  private readonly agreedUpTo = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private wrong: WrongEvm | null = null;

  constructor(private readonly o: DivergenceOptions) {}

  /**
   * Set while this node's chain node is not the EVM `chain.evm` names. Peers take a node's EVM from its status and
   * compare block hashes with a node on their own EVM, roots otherwise, so a replica on an EVM other than the one it
   * announces would be found diverged from every peer, or worse, compared on fields its EVM fills its own way.
   */
  get wrongEvm(): WrongEvm | null {
    return this.wrong;
  }

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

  /** One round: this node's own EVM, then every peer. */
  async checkAll(): Promise<void> {
    await this.checkOwnEvm();
    for (const peer of this.o.peers()) {
      if (peer.url === null) continue;
      try {
        await this.check(peer.id, peer.url);
      } catch (err) {
        this.o.logger.debug({ err, peer: peer.id }, "replica comparison skipped: the peer did not answer");
      }
    }
  }

  /** A chain node that does not answer is not a wrong EVM (the replica reports that itself). */
  private async checkOwnEvm(): Promise<void> {
    if (this.o.ownClientVersion === undefined) return;
    let clientVersion: string;
    try {
      clientVersion = await this.o.ownClientVersion();
    } catch {
      return;
    }
    const running: WrongEvm["running"] = evmOfClientVersion(clientVersion) ?? "unknown";
    const wrong: WrongEvm | null = running === this.o.ownEvm ? null : { configured: this.o.ownEvm, running, clientVersion };
    if (wrong !== null && this.wrong === null) this.o.logger.error(wrong, `this node's chain runs ${running} (${clientVersion}), not ${this.o.ownEvm} as chain.evm says`);
    if (wrong === null && this.wrong !== null) this.o.logger.info({ clientVersion }, `this node's chain runs ${this.o.ownEvm} again`);
    this.wrong = wrong;
    this.o.metrics.replicaWrongEvm.set(wrong === null ? 0 : 1);
  }

  private async check(peer: string, url: string): Promise<void> {
    const status = (await this.o.getJson(`${url}/v1/status`)) as PeerReplica;
    const theirHeight = status.replica?.number;
    const sameEvm = (status.replica?.evm ?? "hardhat") === this.o.ownEvm;
    const mine = await this.o.ownHead();
    if (typeof theirHeight !== "number" || mine === null) return;
    const height = Math.min(theirHeight, mine.number);
    if (sameEvm) {
      // A hash commits to every block before it: the block at the common height settles the whole history.
      await this.compareAt(peer, url, height, true);
      return;
    }
    // Roots commit to one block only, so across EVMs every height is compared once, from where the last round stopped
    // (a peer whose chain was rebuilt is shorter for a while: start again below its height).
    let done = Math.min(this.agreedUpTo.get(peer) ?? 0, height);
    const last = Math.min(height, done + MAX_BLOCKS_PER_ROUND);
    while (done < last && (await this.compareAt(peer, url, done + 1, false))) done++;
    this.agreedUpTo.set(peer, done);
  }

  /** Compares the block at `height` with the peer's; records or clears a divergence. Answers whether they agree. */
  private async compareAt(peer: string, url: string, height: number, sameEvm: boolean): Promise<boolean> {
    const own = await this.o.ownBlock(height);
    const theirs = (await this.o.getJson(`${url}/v1/replica/blocks/${height}`)) as Partial<ReplicaBlock>;
    if (own === null || typeof theirs.hash !== "string") return false;
    const diff = blockDifference(own, theirs, sameEvm);
    if (diff === null) {
      if (this.found.delete(peer)) this.o.logger.info({ peer, height }, "replica agrees with the peer's again");
      this.o.metrics.replicaDiverged.labels({ peer }).set(0);
      return true;
    }
    const d: Divergence = { peer, height, ...diff };
    if (!this.found.has(peer)) this.o.logger.error(d, `replica diverged from ${peer}'s at chain block ${height}`);
    this.found.set(peer, d);
    this.o.metrics.replicaDiverged.labels({ peer }).set(1);
    this.o.metrics.replicaDivergenceHeight.labels({ peer }).set(height);
    return false;
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
