import { DplcError } from "../errors";
import { OrdererUnavailableError } from "../submitters/orderer-api";

/** One node's replica head, as the replay's `--out` reports it. */
export interface ReplicaJson {
  node: string;
  head: { number: number; hash: string };
}

/** The replicas of the ordering service's nodes ended with different heads (or one never caught up). */
export class ReplicasDisagreeError extends DplcError {
  constructor(message: string) {
    super("REPLICAS_DISAGREE", message);
  }
}

interface NodeReplicaStatus {
  id: string;
  blocks?: { number: number };
  replica?: { number: number; hash: string | null; appliedBlock: number };
}

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: (await res.json()) as T };
}

/** A chain's latest block: its number and time. */
export type HeadReader = () => Promise<{ number: number; timestamp: number }>;

/**
 * Moves every replica's clock past `timestamp` by ordered clock advances (`POST /v1/clock`, a devnet switch of the
 * nodes). Each advance makes an empty block at the advanced time on every replica; this waits for it on the replica
 * `head` reads, and advances again should the leader's clock have been behind the chain's.
 */
export async function advanceClockPast(urls: readonly string[], timestamp: number, head: HeadReader): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const before = await head();
    if (before.timestamp > timestamp) return;
    await postClock(urls, timestamp - before.timestamp + 1);
    const deadline = Date.now() + 60_000;
    while ((await head()).number === before.number) {
      if (Date.now() > deadline) throw new OrdererUnavailableError("the replica did not apply the clock advance within 60 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new OrdererUnavailableError(`the ordering service's clock did not pass ${timestamp} after five advances`);
}

async function postClock(urls: readonly string[], seconds: number): Promise<{ now: number }> {
  let last = "";
  for (let attempt = 0; attempt < 20; attempt++) {
    const url = urls[attempt % urls.length]!;
    try {
      const res = await getJson<{ now?: number; error?: string }>(`${url}/v1/clock`, { method: "POST", body: JSON.stringify({ advanceSeconds: seconds }) });
      if (res.status === 200 && typeof res.body.now === "number") return { now: res.body.now };
      if (res.status === 403 || res.status === 400) throw new DplcError("CLOCK_REFUSED", `${url}/v1/clock: ${res.body.error ?? res.status}`);
      last = `${url}: HTTP ${res.status} ${res.body.error ?? ""}`;
    } catch (err) {
      if (err instanceof DplcError) throw err;
      last = `${url}: ${(err as Error).message}`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new OrdererUnavailableError(`no node advanced the clock: ${last}`);
}

/**
 * Waits until every node's replica has applied every block its store holds (the same number on every node), then
 * answers each node's replica head; throws ReplicasDisagreeError when the heads differ or a replica does not catch up
 * within `timeoutMs`.
 */
export async function settledReplicas(urls: readonly string[], timeoutMs = 120_000): Promise<ReplicaJson[]> {
  const deadline = Date.now() + timeoutMs;
  let seen: NodeReplicaStatus[] = [];
  while (Date.now() < deadline) {
    seen = await Promise.all(urls.map(async (u) => (await getJson<NodeReplicaStatus>(`${u}/v1/status`)).body));
    const top = Math.max(...seen.map((s) => s.blocks?.number ?? 0));
    if (seen.every((s) => s.replica !== undefined && s.blocks?.number === top && s.replica.appliedBlock === top && s.replica.hash !== null)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const heads = seen.map((s) => ({ node: s.id, head: { number: s.replica?.number ?? 0, hash: s.replica?.hash ?? "" }, applied: s.replica?.appliedBlock }));
  const distinct = new Set(heads.map((h) => `${h.head.number}:${h.head.hash}`));
  if (distinct.size !== 1 || heads.some((h) => h.head.hash === "")) {
    const listed = heads.map((h) => `${h.node} ${h.head.number} ${h.head.hash || "(none)"} (applied ${h.applied ?? "?"})`).join("; ");
    throw new ReplicasDisagreeError(`the nodes' replicas do not agree: ${listed}`);
  }
  return heads.map(({ node, head }) => ({ node, head }));
}
