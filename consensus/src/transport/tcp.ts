import net, { type AddressInfo } from "node:net";
import tls from "node:tls";
import pino, { type Logger } from "pino";
import type { Registry } from "prom-client";
import type { TlsMaterial } from "../config/tls-files";
import { normalizeFingerprint } from "../config/tls-files";
import type { Message, NodeId } from "../core";
import { HandshakeAdmission, normalizeAddress } from "./admission";
import { decodeBatch } from "./codec";
import { MessageDecodeError } from "./errors";
import { FrameDecoder } from "./frame";
import { registerTransportMetrics } from "./metrics";
import { setPartition } from "./partition";
import { PeerLink, type LinkSettings } from "./peer-link";
import { identifyPeer, secureContext, serverOptions, type PeerTrust } from "./tls";
import type { MessageHandler, PartitionControl, Transport, TransportStats } from "./transport";

export interface TcpPeer {
  id: NodeId;
  host: string;
  port: number;
  /** SHA-256 fingerprint of the peer's certificate (any case, colons optional); absent: the CA vouches. */
  fingerprint?: string;
}

export interface TcpTransportOptions {
  id: NodeId;
  /** Port 0 picks an ephemeral port; read it back with `address()`. */
  listen: { host: string; port: number };
  /** This node's certificate and key, and the consortium CA (if peers are not all pinned). */
  tls: TlsMaterial;
  peers?: TcpPeer[];
  /** Per-peer queue bound in messages (default 4096)... */
  queueLimit?: number;
  /** ...and in approximate bytes (default 64 MiB); the oldest messages go first. */
  queueBytesLimit?: number;
  maxFrameBytes?: number;
  /** Replace a connection whose writes have been blocked this long (default 10 s). */
  stallTimeoutMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Deadline for a TLS handshake, inbound or outbound (default 2 s). */
  handshakeTimeoutMs?: number;
  /** Unfinished inbound handshakes from all non-peer addresses together (default 64)... */
  maxPendingHandshakes?: number;
  /** ...and from any one address (default 4). */
  maxPendingPerSource?: number;
  batchMessages?: number;
  /** Approximate payload bytes per frame (default 4 MiB). */
  frameBytesTarget?: number;
  logger?: Logger;
}

/** The effective settings after defaults, for inspection (every config field must reach these). */
export type TcpTransportSettings = Omit<LinkSettings, "secureContext" | "logger" | "selfId"> & {
  maxPendingHandshakes: number;
  maxPendingPerSource: number;
};

/** A listen address that names one interface, usable as the source of outbound connections. */
function specificAddress(host: string): string | undefined {
  if (net.isIP(host) === 0 || host === "0.0.0.0" || host === "::") return undefined;
  return host;
}

/**
 * Raft messages over mutual TLS 1.3 between configured peers. Each node dials every peer for its
 * outbound stream and accepts the peers' streams for inbound messages. A connection is used only once
 * its certificate identifies a configured peer (tls.ts); anything else is dropped and logged.
 * Unfinished handshakes are limited per source address, with the configured peers' addresses kept
 * out of the pool strangers share (admission.ts), and cut off after `handshakeTimeoutMs`.
 */
export class TcpTransport implements Transport, PartitionControl {
  readonly id: NodeId;
  private readonly settings: LinkSettings;
  private readonly admission: HandshakeAdmission;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly inbound = new Set<tls.TLSSocket>();
  private readonly handlers: MessageHandler[] = [];
  private readonly blocked = new Set<NodeId>();
  private readonly logger: Logger;
  private server: tls.Server | null = null;
  /** Handshake slots held by connections still in their TLS handshake, by `address:port`. */
  private readonly slots = new Map<string, () => void>();
  /** When each kind of refusal was last logged, and how many were not logged since. */
  private readonly refusals = new Map<string, { at: number; suppressed: number }>();
  private running = false;
  private received = 0;
  private rejected = 0;

  constructor(private readonly opts: TcpTransportOptions) {
    this.id = opts.id;
    this.logger = opts.logger ?? pino({ name: "transport", base: { node: opts.id } });
    this.admission = new HandshakeAdmission({
      maxPendingHandshakes: opts.maxPendingHandshakes ?? 64,
      maxPendingPerSource: opts.maxPendingPerSource ?? 4,
    });
    this.settings = {
      selfId: opts.id,
      secureContext: secureContext(opts.tls),
      localAddress: specificAddress(opts.listen.host),
      queueLimit: opts.queueLimit ?? 4096,
      queueBytesLimit: opts.queueBytesLimit ?? 64 * 1024 * 1024,
      stallTimeoutMs: opts.stallTimeoutMs ?? 10_000,
      maxFrameBytes: opts.maxFrameBytes ?? 256 * 1024 * 1024,
      reconnectMinMs: opts.reconnectMinMs ?? 50,
      reconnectMaxMs: opts.reconnectMaxMs ?? 2_000,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 2_000,
      batchMessages: opts.batchMessages ?? 256,
      frameBytesTarget: opts.frameBytesTarget ?? 4 * 1024 * 1024,
      logger: this.logger,
    };
    for (const p of opts.peers ?? []) this.setPeer(p);
  }

  /** The effective settings, defaults filled in. */
  effectiveSettings(): TcpTransportSettings {
    const { secureContext: _c, logger: _l, selfId: _s, ...rest } = this.settings;
    return { ...rest, ...this.admission.limits };
  }

  async start(): Promise<void> {
    if (this.running) return;
    // Admission runs on the plain TCP connection ("connection"), before the client's first TLS byte is
    // read; tls.Server then runs the handshake, its deadline, and the chain check against the CA.
    const server = tls.createServer(serverOptions(this.opts.tls, this.settings.handshakeTimeoutMs));
    server.on("connection", (raw: net.Socket) => this.admit(raw));
    server.on("secureConnection", (socket: tls.TLSSocket) => this.accept(socket));
    server.on("tlsClientError", (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => this.handshakeFailed(err, socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.listen.port, this.opts.listen.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => this.logger.error({ err: err.message }, "transport: server error"));
    this.server = server;
    this.running = true;
    for (const link of this.links.values()) link.start();
  }

  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const link of this.links.values()) link.stop();
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The bound listen address (useful with port 0). */
  address(): { host: string; port: number } {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (a === null || a === undefined) throw new Error("transport is not listening");
    return { host: a.address, port: a.port };
  }

  onMessage(handler: MessageHandler): void {
    this.handlers.push(handler);
  }

  send(msgs: Message[]): void {
    const touched = new Set<PeerLink>();
    for (const msg of msgs) {
      if (msg.to === this.id) {
        setImmediate(() => this.deliver(msg));
        continue;
      }
      const link = this.links.get(msg.to);
      if (link === undefined) {
        this.logger.debug({ to: msg.to, type: msg.type }, "transport: no such peer; message dropped");
        continue;
      }
      if (this.blocked.has(msg.to)) {
        link.stats.droppedBlocked++;
        continue;
      }
      link.enqueue(msg);
      touched.add(link);
    }
    for (const link of touched) link.flush();
  }

  /** Adds a peer or updates its address or pin (membership changes); reconnects if needed. */
  setPeer(peer: TcpPeer): void {
    if (peer.id === this.id) return;
    const fingerprint = peer.fingerprint === undefined ? undefined : normalizeFingerprint(peer.fingerprint);
    const address = { id: peer.id, host: peer.host, port: peer.port, fingerprint };
    const link = this.links.get(peer.id);
    if (link === undefined) {
      const created = new PeerLink(address, this.settings);
      this.links.set(peer.id, created);
      if (this.running) created.start();
    } else {
      const changed = link.peer.host !== peer.host || link.peer.port !== peer.port || link.peer.fingerprint !== fingerprint;
      link.peer = address;
      if (changed) link.reset();
    }
    this.admission.setPeerHosts([...this.links.values()].map((l) => l.peer.host));
  }

  removePeer(id: NodeId): void {
    this.links.get(id)?.stop();
    this.links.delete(id);
    this.admission.setPeerHosts([...this.links.values()].map((l) => l.peer.host));
  }

  partition(peers: NodeId[]): void {
    setPartition(this, peers);
  }

  droppedCount(): number {
    const st = this.stats();
    let n = st.rejected;
    for (const p of Object.values(st.peers)) n += p.droppedBlocked + p.droppedQueueFull;
    return n;
  }

  registerMetrics(registry: Registry): void {
    registerTransportMetrics(registry, () => this.stats());
  }

  block(peer: NodeId): void {
    this.blocked.add(peer);
  }

  unblock(peer: NodeId): void {
    this.blocked.delete(peer);
  }

  blockedPeers(): NodeId[] {
    return [...this.blocked].sort();
  }

  stats(): TransportStats {
    const peers: TransportStats["peers"] = {};
    for (const [id, link] of this.links) peers[id] = { ...link.stats };
    return { peers, received: this.received, rejected: this.rejected, pendingHandshakes: this.admission.pending().total };
  }

  private deliver(msg: Message): void {
    this.received++;
    for (const h of this.handlers) {
      try {
        h(msg);
      } catch (err) {
        this.logger.error({ err: (err as Error).message, type: msg.type, from: msg.from }, "transport: handler threw");
      }
    }
  }

  /** Lets a new TCP connection start its TLS handshake if its source has a free slot; else closes it. */
  private admit(raw: net.Socket): void {
    const remote = `${raw.remoteAddress}:${raw.remotePort}`;
    if (!this.running) return void raw.destroy();
    const slot = this.admission.admit(normalizeAddress(raw.remoteAddress));
    if ("refused" in slot) {
      this.rejected++;
      this.refusal("admission", remote, slot.refused);
      return void raw.destroy();
    }
    raw.setNoDelay(true);
    this.slots.set(remote, slot.release);
    raw.once("close", () => {
      slot.release();
      if (this.slots.get(remote) === slot.release) this.slots.delete(remote);
    });
  }

  private handshakeFailed(err: NodeJS.ErrnoException, socket: tls.TLSSocket): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.destroy();
    // A client gone before its handshake ended (including every connection admission refused, which
    // tls.Server reports this way) is neither a protocol error nor worth a line each.
    if (err.code === "ECONNRESET") return void this.logger.debug({ remote, err: err.message }, "transport: handshake abandoned");
    this.rejected++;
    const reason = err.code === "ERR_TLS_HANDSHAKE_TIMEOUT" ? "handshake timed out" : `TLS handshake failed: ${err.message}`;
    this.refusal("handshake", remote, reason);
  }

  /** A finished handshake: the slot is free again, and the certificate must name a configured peer. */
  private accept(socket: tls.TLSSocket): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.slots.get(remote)?.();
    this.slots.delete(remote);
    if (!this.running) return void socket.destroy();
    this.inbound.add(socket);
    socket.on("close", () => this.inbound.delete(socket));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code?.startsWith("ERR_SSL_") === true) {
        // Altered, replayed or injected records fail TLS's own integrity check.
        this.rejected++;
        this.logger.warn({ remote, reason: `TLS: ${err.message}` }, "transport: closed connection from peer");
      } else this.logger.debug({ remote, err: err.message }, "transport: inbound error");
    });
    const who = identifyPeer(socket, this.trusted());
    if ("reason" in who) {
      this.rejected++;
      this.refusal("identity", remote, who.reason);
      return void socket.destroy();
    }
    this.serve(socket, who.id, remote);
  }

  /**
   * Logs a refused connection, at most once a second per kind with the count left out since: a flood
   * must not turn into a flood of log lines (every refusal is still counted in `rejected`).
   */
  private refusal(kind: "admission" | "handshake" | "identity", remote: string, reason: string): void {
    const now = Date.now();
    const last = this.refusals.get(kind);
    if (last !== undefined && now - last.at < 1_000) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.refusals.set(kind, { at: now, suppressed: 0 });
    this.logger.warn({ remote, reason, ...(suppressed > 0 ? { suppressed } : {}) }, "transport: dropped connection from unauthenticated peer");
  }

  private trusted(): PeerTrust[] {
    return [...this.links.values()].map((l) => ({ id: l.peer.id, fingerprint: l.peer.fingerprint }));
  }

  /** An identified peer's inbound stream: frames of message batches. */
  private serve(socket: tls.TLSSocket, peer: NodeId, remote: string): void {
    // The peer just proved it is up: our own link to it need not wait out its reconnect backoff
    // (after a restart it could otherwise answer a vote only seconds later).
    this.links.get(peer)?.wake();
    const decoder = new FrameDecoder(this.settings.maxFrameBytes);
    const drop = (reason: string): void => {
      this.rejected++;
      this.logger.warn({ remote, peer, reason }, "transport: closed connection from peer");
      socket.destroy();
    };
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        return drop((err as Error).message);
      }
      for (const f of frames) {
        if (socket.destroyed) return;
        let batch: Array<Message | MessageDecodeError>;
        try {
          batch = decodeBatch(f);
        } catch (err) {
          return drop(`malformed message frame: ${(err as Error).message}`);
        }
        this.receiveBatch(peer, batch, remote);
      }
    });
  }

  private receiveBatch(peer: NodeId, batch: Array<Message | MessageDecodeError>, remote: string): void {
    for (const msg of batch) {
      if (msg instanceof MessageDecodeError) {
        this.rejected++;
        this.logger.warn({ peer, remote, err: msg.message }, "transport: dropped undecodable message");
        continue;
      }
      if (msg.from !== peer || msg.to !== this.id) {
        this.rejected++;
        this.logger.warn({ peer, from: msg.from, to: msg.to, remote }, "transport: dropped message not from the authenticated peer");
        continue;
      }
      if (this.blocked.has(peer)) {
        const link = this.links.get(peer);
        if (link !== undefined) link.stats.droppedBlocked++;
        continue;
      }
      this.deliver(msg);
    }
  }
}
