/**
 * Live updates: polls what changes (the main chain's head, the round's state and settlement, the cluster's leader)
 * and tells every subscriber what changed, as server-sent events. Polling keeps one code path for Hardhat, Anvil and
 * a cluster alike; readers are injected, so the hub itself does no I/O.
 */

export interface LiveState {
  block: number;
  round: { id: number; state: string; settledTrades: number } | null;
  leader: string | null;
}

export interface LiveEvent {
  type: "block" | "round" | "leader";
  data: unknown;
}

export type Subscriber = (e: LiveEvent) => void;

/** What changed from `before` to `after`, in a fixed order: new block, round progress, leader change. */
export function diffLive(before: LiveState | null, after: LiveState): LiveEvent[] {
  const out: LiveEvent[] = [];
  if (before === null || after.block > before.block) out.push({ type: "block", data: { number: after.block } });
  const r = after.round;
  const b = before?.round ?? null;
  if (r !== null && (b === null || r.id !== b.id || r.state !== b.state || r.settledTrades !== b.settledTrades)) {
    out.push({ type: "round", data: r });
  }
  if (before !== null && after.leader !== before.leader) out.push({ type: "leader", data: { leader: after.leader } });
  return out;
}

export class LiveHub {
  private readonly subscribers = new Set<Subscriber>();
  private last: LiveState | null = null;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  leaderChanges = 0;

  constructor(
    private readonly read: () => Promise<LiveState>,
    private readonly onError: (err: unknown) => void,
  ) {}

  get state(): LiveState | null {
    return this.last;
  }

  subscribe(s: Subscriber): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  start(pollMs: number): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.poll(), pollMs);
    void this.poll();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.subscribers.clear();
  }

  /** One poll; overlapping polls are skipped, so a slow chain never queues them up. */
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const next = await this.read();
      const events = diffLive(this.last, next);
      if (events.some((e) => e.type === "leader")) this.leaderChanges++;
      this.last = next;
      for (const e of events) for (const s of this.subscribers) s(e);
    } catch (err) {
      this.onError(err);
    } finally {
      this.busy = false;
    }
  }
}
