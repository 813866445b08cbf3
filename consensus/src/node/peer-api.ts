import type { OrdererConfig } from "../config/schema";

/**
 * Where a peer's client API answers, for forwarding to the leader: an explicit `--peer-api` URL,
 * else the peer's `httpPort` from the config, else (older configs without it) this node's own
 * raft-to-HTTP port offset applied to the peer's raft port, as `scripts/cluster.ts` lays them out.
 * Null for a node the config does not list.
 */
export function peerApiUrl(cfg: OrdererConfig, explicit: Readonly<Record<string, string>>, id: string): string | null {
  const given = explicit[id];
  if (given !== undefined) return given;
  const peer = cfg.peers.find((p) => p.id === id);
  if (peer === undefined) return null;
  // HTTPS is a consortium-wide choice: a node with api.tls expects its peers' APIs to use it too.
  const scheme = cfg.api.tls === undefined ? "http" : "https";
  if (peer.httpPort !== undefined) return `${scheme}://${peer.host}:${peer.httpPort}`;
  const offset = cfg.listen.httpPort - cfg.listen.raftPort;
  return `${scheme}://${peer.host}:${peer.port + offset}`;
}
