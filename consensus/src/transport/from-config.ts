import type { Logger } from "pino";
import type { NodeKey } from "../config/keys";
import type { OrdererConfig } from "../config/schema";
import { remotePeers } from "../config/validate";
import { TcpTransport } from "./tcp";

/** Builds the daemon's TCP transport from its validated config and key. */
export function tcpTransportFromConfig(cfg: OrdererConfig, key: NodeKey, logger?: Logger): TcpTransport {
  return new TcpTransport({
    id: cfg.id,
    listen: { host: cfg.listen.host, port: cfg.listen.raftPort },
    privateKey: key.privateKey,
    peers: remotePeers(cfg).map((p) => ({ id: p.id, host: p.host, port: p.port, publicKey: p.publicKey })),
    queueLimit: cfg.transport.queueLimit,
    queueBytesLimit: cfg.transport.queueBytesLimit,
    maxFrameBytes: cfg.transport.maxFrameBytes,
    reconnectMinMs: cfg.transport.reconnectMinMs,
    reconnectMaxMs: cfg.transport.reconnectMaxMs,
    logger,
  });
}
