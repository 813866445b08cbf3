/** The ordering cluster as its nodes report it (`GET /v1/status` of each), and whether they agree on the leader. */

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
  error?: string;
}

export interface ClusterView {
  nodes: NodeView[];
  /** The leader the reachable nodes name, when they all name the same one. */
  leader: string | null;
  term: number | null;
  agree: boolean;
}

async function nodeStatus(url: string, timeoutMs: number): Promise<NodeView> {
  try {
    const res = await fetch(new URL("/v1/status", url), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { url, up: false, error: `HTTP ${res.status}` };
    const s = (await res.json()) as Omit<NodeView, "url" | "up">;
    return { url, up: true, id: s.id, role: s.role, term: s.term, leader: s.leader, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex, pool: s.pool };
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
  return { nodes, leader: agree ? [...leaders][0]! : null, term, agree };
}
