import { parseConfig } from "../../src/config/load";
import type { OrdererConfig } from "../../src/config/schema";

/** A peer certificate pin for configs whose TLS files are never read. */
export const KEY = "a".repeat(64);

/**
 * The config of node n1 (a trading centre alone in its cluster, TLS file names that are never opened, the CA named so
 * that peers may go unpinned), with `extra` replacing any top-level field: for unit tests of what reads a config.
 */
export function nodeConfig(extra: Record<string, unknown> = {}): OrdererConfig {
  return parseConfig({
    id: "n1",
    role: "trading-centre",
    listen: { raftPort: 7001, httpPort: 7101 },
    dataDir: "data/n1",
    tls: { certFile: "tls/n1.crt.pem", keyFile: "tls/n1.key.pem", caFile: "tls/ca.crt.pem" },
    peers: [{ id: "n1", role: "trading-centre", port: 7001, fingerprint: KEY }],
    ...extra,
  });
}

/** The peers n1 (pinned), n2 at 10.0.0.2 (pinned) and n3 at 10.0.0.3 (a participant, unpinned). */
export const THREE_PEERS = [
  { id: "n1", role: "trading-centre", port: 7001, fingerprint: KEY },
  { id: "n2", role: "trading-centre", host: "10.0.0.2", port: 7002, fingerprint: KEY },
  { id: "n3", role: "participant", host: "10.0.0.3", port: 7003 },
];
