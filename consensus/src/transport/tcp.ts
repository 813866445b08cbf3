import type { KeyObject } from "node:crypto";
import net, { type AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { publicKeyFromHex } from "../config/keys";
import type { Message, NodeId } from "../core/types";
import { decodeBatch } from "./codec";
import { MessageDecodeError } from "./errors";
import { encodeFrame, FrameDecoder } from "./frame";
import { FrameMac, HANDSHAKE_FRAME_BYTES, newEphemeral, newNonce, sessionKey, signWelcome, verifyHello, type HelloFrame } from "./handshake";
import { PeerLink, type LinkSettings } from "./peer-link";
import type { MessageHandler, PartitionControl, Transport, TransportStats } from "./transport";

type InboundFrame = { k?: unknown; from?: unknown; to?: unknown; nonce?: unknown; eph?: unknown; sig?: unknown } | null;

export interface TcpPeer {
  id: NodeId;
  host: string;
  port: number;
  /** Raw Ed25519 public key as hex (as in the config), or a KeyObject. */
  publicKey: string | KeyObject;
}

export interface TcpTransportOptions {
  id: NodeId;
  /** Port 0 picks an ephemeral port; read it back with `address()`. */
  listen: { host: string; port: number };
  privateKey: KeyObject;
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
  handshakeTimeoutMs?: number;
  /** Inbound connections allowed to be mid-handshake at once (default 64). */
  maxPendingHandshakes?: number;
  batchMessages?: number;
  /** Approximate payload bytes per frame (default 4 MiB). */
  frameBytesTarget?: number;
  logger?: Logger;
}

/**
 * Raft messages over TCP between authenticated peers. Each node dials every peer for its outbound
 * stream and accepts the peers' streams for inbound messages. A connection is used only after the
 * signed handshake (see handshake.ts) binds it to a configured peer id; anything from an unknown or
 * unauthenticated sender is dropped and logged.
 */
export class TcpTransport implements Transport, PartitionControl {
  readonly id: NodeId;
  private readonly settings: LinkSettings;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly inbound = new Set<net.Socket>();
  private readonly handlers: MessageHandler[] = [];
  private readonly blocked = new Set<NodeId>();
  private readonly logger: Logger;
  private server: net.Server | null = null;
  private running = false;
  private received = 0;
  private pendingHandshakes = 0;
  private readonly maxPendingHandshakes: number;
  private rejected = 0;

  constructor(private readonly opts: TcpTransportOptions) {
    this.id = opts.id;
    this.maxPendingHandshakes = opts.maxPendingHandshakes ?? 64;
    this.logger = opts.logger ?? pino({ name: "transport", base: { node: opts.id } });
    this.settings = {
      selfId: opts.id,
      privateKey: opts.privateKey,
      queueLimit: opts.queueLimit ?? 4096,
      queueBytesLimit: opts.queueBytesLimit ?? 64 * 1024 * 1024,
      stallTimeoutMs: opts.stallTimeoutMs ?? 10_000,
      maxFrameBytes: opts.maxFrameBytes ?? 256 * 1024 * 1024,
      reconnectMinMs: opts.reconnectMinMs ?? 50,
      reconnectMaxMs: opts.reconnectMaxMs ?? 2_000,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 5_000,
      batchMessages: opts.batchMessages ?? 256,
      frameBytesTarget: opts.frameBytesTarget ?? 4 * 1024 * 1024,
      logger: this.logger,
    };
    for (const p of opts.peers ?? []) this.setPeer(p);
  }

  async start(): Promise<void> {
    if (this.running) return;
    const server = net.createServer((socket) => this.accept(socket));
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

  async stop(): Promise<void> {
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

  /** Adds a peer or updates its address or key (membership changes); reconnects if needed. */
  setPeer(peer: TcpPeer): void {
    if (peer.id === this.id) return;
    const publicKey = typeof peer.publicKey === "string" ? publicKeyFromHex(peer.publicKey) : peer.publicKey;
    const address = { id: peer.id, host: peer.host, port: peer.port, publicKey };
    const link = this.links.get(peer.id);
    if (link === undefined) {
      const created = new PeerLink(address, this.settings);
      this.links.set(peer.id, created);
      if (this.running) created.start();
      return;
    }
    const moved = link.peer.host !== peer.host || link.peer.port !== peer.port;
    link.peer = address;
    if (moved) link.reset();
  }

  removePeer(id: NodeId): void {
    this.links.get(id)?.stop();
    this.links.delete(id);
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
    return { peers, received: this.received, rejected: this.rejected };
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

  /** Admits an inbound connection unless too many strangers are mid-handshake already. */
  private accept(socket: net.Socket): void {
    if (!this.running) return void socket.destroy();
    if (this.pendingHandshakes >= this.maxPendingHandshakes) {
      this.rejected++;
      const remote = `${socket.remoteAddress}:${socket.remotePort}`;
      this.logger.warn({ remote, reason: "too many pending handshakes" }, "transport: dropped connection from unauthenticated peer");
      return void socket.destroy();
    }
    this.pendingHandshakes++;
    let pending = true;
    const settle = (): void => {
      if (pending) this.pendingHandshakes--;
      pending = false;
    };
    socket.on("close", settle);
    this.serve(socket, settle);
  }

  /** Inbound side: challenge, verify the hello against the configured key, then accept messages. */
  private serve(socket: net.Socket, authenticated: () => void): void {
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    // Until the peer is authenticated only small handshake frames are accepted, so a stranger
    // cannot make this node buffer hundreds of megabytes.
    const decoder = new FrameDecoder(HANDSHAKE_FRAME_BYTES);
    const nonce = newNonce();
    const eph = newEphemeral();
    let peer: NodeId | null = null;
    let mac: FrameMac | null = null;
    const reject = (reason: string, claimed?: unknown): void => {
      this.rejected++;
      this.logger.warn({ remote, claimedPeer: claimed, reason }, "transport: dropped connection from unauthenticated peer");
      socket.destroy();
    };
    const timeout = setTimeout(() => reject("handshake timed out"), this.settings.handshakeTimeoutMs);
    socket.on("close", () => {
      clearTimeout(timeout);
      this.inbound.delete(socket);
    });
    socket.on("error", (err) => this.logger.debug({ remote, err: err.message }, "transport: inbound error"));
    socket.write(encodeFrame(Buffer.from(JSON.stringify({ k: "challenge", id: this.id, nonce, eph: eph.pub }))));
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        return reject((err as Error).message, peer);
      }
      for (const f of frames) {
        if (socket.destroyed) return;
        if (peer !== null && mac !== null) {
          const body = mac.open(f);
          if (body === null) return reject("bad frame MAC (tampered, replayed or out of order)", peer);
          let batch: Array<Message | MessageDecodeError>;
          try {
            batch = decodeBatch(body);
          } catch (err) {
            return reject(`malformed message frame: ${(err as Error).message}`, peer);
          }
          this.receiveBatch(peer, batch, remote);
          continue;
        }
        const body = parseJson(f) as InboundFrame;
        if (body === null || typeof body !== "object") return reject("malformed frame", peer);
        const verdict = this.checkHello(body, nonce, eph.pub);
        if (typeof verdict === "string") return reject(verdict, body.from);
        try {
          mac = new FrameMac(sessionKey(eph.key, verdict.eph, nonce, verdict.nonce));
        } catch (err) {
          return reject((err as Error).message, verdict.from);
        }
        peer = verdict.from;
        authenticated();
        // The peer just proved it is up: our own link to it need not wait out its reconnect backoff
        // (after a restart it could otherwise answer a vote only seconds later).
        this.links.get(peer)?.wake();
        decoder.setLimit(this.settings.maxFrameBytes);
        clearTimeout(timeout);
        const sig = signWelcome(this.settings.privateKey, this.id, peer, verdict.nonce, eph.pub, verdict.eph);
        socket.write(encodeFrame(Buffer.from(JSON.stringify({ k: "welcome", sig }))));
      }
    });
  }

  private checkHello(body: InboundFrame & object, nonce: string, serverEph: string): HelloFrame | string {
    if (body.k !== "hello") return `expected hello, got ${String(body.k)}`;
    const { from, to, sig, eph } = body;
    const nonceC = body.nonce;
    if (typeof from !== "string" || typeof to !== "string" || typeof sig !== "string" || typeof eph !== "string") {
      return "malformed hello";
    }
    if (typeof nonceC !== "string") return "malformed hello";
    if (to !== this.id) return `hello addressed to ${to}, not ${this.id}`;
    const link = this.links.get(from);
    if (link === undefined) return `unknown peer ${from}`;
    const hello: HelloFrame = { k: "hello", from, to, sig, eph, nonce: nonceC };
    if (!verifyHello(link.peer.publicKey, hello, nonce, serverEph)) return `bad signature for ${from}`;
    return hello;
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

function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch {
    return null;
  }
}
