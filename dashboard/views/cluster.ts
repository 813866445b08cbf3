/**
 * The ordering cluster as its nodes report it (`GET /v1/status` of each), whether they agree on the leader, and, for
 * nodes that run an EVM replica, each replica's head and whether the heads agree.
 */

export interface NodeView {
  url: string;
  up: boolean;
  id?: string;
  role?: string;
  term?: number;
  leader?: string | null;
  commitIndex?: number;
  appliedIndex?: number;
  pool?: string[];
  /** The node's replica: its latest block and the last ordered block it applied (nodes without a replica: absent). */
  replica?: { number: number; hash: string | null; appliedBlock: number };
  error?: string;
}

export interface ClusterView {
  nodes: NodeView[];
  /** The leader the reachable nodes name, when they all name the same one. */
  leader: string | null;
  term: number | null;
  agree: boolean;
  /** Every reachable node runs a replica and all stand at the same block with the same hash; null without replicas. */
  replicasAgree: boolean | null;
}

async function nodeStatus(url: string, timeoutMs: number): Promise<NodeView> {
  try {
    const res = await fetch(new URL("/v1/status", url), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { url, up: false, error: `HTTP ${res.status}` };
    const s = (await res.json()) as Omit<NodeView, "url" | "up">;
    return { url, up: true, id: s.id, role: s.role, term: s.term, leader: s.leader, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex, pool: s.pool, replica: s.replica };
  } catch (err) {
    return { url, up: false, error: (err as Error).message };
  }
}

export async function readCluster(urls: readonly string[], timeoutMs = 1_000): Promise<ClusterView> {
  const nodes = await Promise.all(urls.map((u) => nodeStatus(u, timeoutMs)));
  const up = nodes.filter((n) => n.up);
  const leaders = new Set(up.map((n) => n.leader ?? null));
  const agree = up.length > 0 && leaders.size === 1 && !leaders.has(null);
  const term = up.length === 0 ? null : Math.max(...up.map((n) => n.term ?? 0));
  return { nodes, leader: agree ? [...leaders][0]! : null, term, agree, replicasAgree: replicasAgree(up) };
}

function replicasAgree(up: readonly NodeView[]): boolean | null {
  if (up.every((n) => n.replica === undefined)) return null;
  const heads = new Set(up.map((n) => (n.replica === undefined || n.replica.hash === null ? "none" : `${n.replica.number}:${n.replica.hash}`)));
  return heads.size === 1 && !heads.has("none");
}
