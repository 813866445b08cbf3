import type { Logger } from "pino";
import type { OrdererConfig } from "../config/schema";
import { readTlsMaterial } from "../config/tls-files";
import { remotePeers } from "../config/validate";
import { TcpTransport, type TcpTransportOptions } from "./tcp";
import type { TransportFactory } from "./transport";

/**
 * The TCP/TLS transport's options from a validated config: every `transport.*` field, the listen
 * address, the peers and their pins. The one place config meets the transport (a test checks that
 * every config field arrives). `new TcpTransport(tcpOptionsFromConfig(cfg))` makes one directly.
 */
export function tcpOptionsFromConfig(cfg: OrdererConfig, logger?: Logger): TcpTransportOptions {
  const t = cfg.transport;
  return {
    id: cfg.id,
    listen: { host: cfg.listen.host, port: cfg.listen.raftPort },
    tls: readTlsMaterial(cfg.tls, "tls", cfg.id),
    peers: remotePeers(cfg).map((p) => ({ id: p.id, host: p.host, port: p.port, fingerprint: p.fingerprint })),
    queueLimit: t.queueLimit,
    queueBytesLimit: t.queueBytesLimit,
    maxFrameBytes: t.maxFrameBytes,
    reconnectMinMs: t.reconnectMinMs,
    reconnectMaxMs: t.reconnectMaxMs,
    handshakeTimeoutMs: t.handshakeTimeoutMs,
    maxPendingPerSource: t.maxPendingPerSource,
    maxPendingHandshakes: t.maxPendingHandshakes,
    logger,
  };
}

/** The node driver's factory for the config's TCP/TLS transport. TLS files are read here, at once. */
export function transportFactoryFromConfig(cfg: OrdererConfig, logger: Logger): TransportFactory {
  const options = tcpOptionsFromConfig(cfg, logger.child({ component: "transport" }));
  return (onMessage) => {
    const t = new TcpTransport(options);
    t.onMessage(onMessage);
    return t;
  };
}
