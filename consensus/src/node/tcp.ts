import type { Logger } from "pino";
import { readKeyFile } from "../config/keys";
import type { OrdererConfig } from "../config/schema";
import { remotePeers } from "../config/validate";
import { registerTransportMetrics } from "../transport/metrics";
import { TcpTransport } from "../transport/tcp";
import type { NodeTransport, TransportFactory } from "./transport";

/** The authenticated TCP transport of consensus/src/transport, configured from the orderer config. */
export function tcpTransportFactory(cfg: OrdererConfig, logger: Logger): TransportFactory {
  const key = readKeyFile(cfg.keyFile);
  return (onMessage) => {
    const tcp = new TcpTransport({
      id: cfg.id,
      listen: { host: cfg.listen.host, port: cfg.listen.raftPort },
      privateKey: key.privateKey,
      peers: remotePeers(cfg).map((p) => ({ id: p.id, host: p.host, port: p.port, publicKey: p.publicKey })),
      queueLimit: cfg.transport.queueLimit,
      maxFrameBytes: cfg.transport.maxFrameBytes,
      reconnectMinMs: cfg.transport.reconnectMinMs,
      reconnectMaxMs: cfg.transport.reconnectMaxMs,
      logger: logger.child({ component: "transport" }),
    });
    tcp.onMessage(onMessage);
    const adapter: NodeTransport = {
      start: () => tcp.start(),
      send: (messages) => tcp.send(messages),
      close: () => tcp.stop(),
      partition: (peers) => {
        for (const p of tcp.blockedPeers()) tcp.unblock(p);
        for (const p of peers) tcp.block(p);
      },
      registerMetrics: (registry) => registerTransportMetrics(registry, () => tcp.stats()),
      droppedCount: () => {
        const st = tcp.stats();
        let n = st.rejected;
        for (const p of Object.values(st.peers)) n += p.droppedBlocked + p.droppedQueueFull;
        return n;
      },
    };
    return adapter;
  };
}
