import net from "node:net";
import tls from "node:tls";
import type { Logger } from "pino";
import type { Message, NodeId } from "../core";
import { BoundedQueue } from "./bounded-queue";
import { encodeBatch } from "./codec";
import { FRAME_HEADER_BYTES } from "./frame";
import { baseOptions, checkPeer } from "./tls";
import type { PeerStats } from "./transport";

/** Bytes a message will roughly take on the wire (entry and snapshot payloads dominate). */
function approxSize(m: Message): number {
  let n = 128;
  for (const e of m.entries ?? []) n += 64 + e.data.byteLength;
  if (m.snapshot !== undefined) n += 256 + m.snapshot.data.byteLength;
  return n;
}

export interface PeerAddress {
  id: NodeId;
  host: string;
  port: number;
  /** Canonical SHA-256 fingerprint pinned for the peer's certificate; absent: the CA vouches. */
  fingerprint?: string;
}

export interface LinkSettings {
  selfId: NodeId;
  /** Key, certificate and CA of this node, parsed once. */
  secureContext: tls.SecureContext;
  /** Source address for outbound connections (the listen address when it is a specific IP). */
  localAddress?: string;
  queueLimit: number;
  queueBytesLimit: number;
  /** A connection whose writes stay blocked this long is presumed dead and replaced. */
  stallTimeoutMs: number;
  maxFrameBytes: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  handshakeTimeoutMs: number;
  /** Messages per frame when draining the queue... */
  batchMessages: number;
  /** ...and roughly how many payload bytes (a single larger message still goes alone). */
  frameBytesTarget: number;
  logger: Logger;
}

/**
 * The outbound half of a peer connection: a bounded queue, one mutual-TLS stream and a reconnect loop
 * with capped exponential backoff and jitter. Messages go one way (to the peer); the peer's messages
 * arrive on the connection it dials to us.
 */
export class PeerLink {
  private readonly queue: BoundedQueue<Message>;
  private socket: tls.TLSSocket | null = null;
  private ready = false;
  private paused = false;
  private running = false;
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  readonly stats: PeerStats = { sent: 0, droppedQueueFull: 0, droppedBlocked: 0, queued: 0, connected: false, connects: 0 };

  constructor(
    public peer: PeerAddress,
    private readonly s: LinkSettings,
  ) {
    this.queue = new BoundedQueue(s.queueLimit, s.queueBytesLimit, approxSize);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
    this.ready = false;
    this.stats.connected = false;
  }

  /** The peer is reachable again (it dialed us): reconnect now instead of after the backoff. */
  wake(): void {
    if (!this.running || this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.attempts = 0;
    this.connect();
  }

  /** Drops the current connection (e.g. after an address change); the loop reconnects. */
  reset(): void {
    this.socket?.destroy();
  }

  enqueue(msg: Message): void {
    this.stats.droppedQueueFull += this.queue.push(msg);
    this.stats.queued = this.queue.length;
  }

  flush(): void {
    while (this.ready && !this.paused && this.queue.length > 0 && this.socket !== null) {
      // Bounded frames keep a heartbeat from waiting behind tens of megabytes of entries.
      const batch = this.queue.take(this.s.batchMessages, this.s.frameBytesTarget);
      // Length and body in one buffer: the body is encoded after room left for the length.
      const frame = encodeBatch(batch, FRAME_HEADER_BYTES);
      frame.writeUInt32BE(frame.length - FRAME_HEADER_BYTES, 0);
      this.stats.sent += batch.length;
      if (!this.socket.write(frame)) {
        this.paused = true;
        const socket = this.socket;
        // A peer that vanished without a FIN never drains; replace the connection instead of waiting.
        const stall = setTimeout(() => {
          this.s.logger.warn({ peer: this.peer.id }, "transport: writes stalled; reconnecting");
          socket.destroy();
        }, this.s.stallTimeoutMs);
        const onClose = (): void => clearTimeout(stall);
        socket.once("close", onClose);
        socket.once("drain", () => {
          clearTimeout(stall);
          socket.off("close", onClose);
          this.paused = false;
          this.flush();
        });
      }
    }
    this.stats.queued = this.queue.length;
  }

  private connect(): void {
    if (!this.running) return;
    const tcp = net.connect({ host: this.peer.host, port: this.peer.port, localAddress: this.s.localAddress });
    tcp.setNoDelay(true);
    tcp.setKeepAlive(true, 5_000);
    const socket = tls.connect({
      ...baseOptions(this.s.secureContext),
      socket: tcp,
      // The peer's identity is its certificate (checkPeer), not the host name we dialed.
      checkServerIdentity: () => undefined,
    });
    this.socket = socket;
    const fail = (reason: string): void => {
      this.s.logger.warn({ peer: this.peer.id, reason }, "transport: outbound connection rejected");
      socket.destroy();
    };
    const timeout = setTimeout(() => fail("handshake timed out"), this.s.handshakeTimeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timeout);
      const refused = checkPeer(socket, this.peer);
      if (refused !== null) return fail(refused);
      this.onReady();
    });
    // The listener sends nothing on this stream; reading keeps TLS's own records (tickets, alerts) flowing.
    socket.resume();
    socket.on("error", (err) => this.s.logger.debug({ peer: this.peer.id, err: err.message }, "transport: connection error"));
    socket.on("close", () => {
      clearTimeout(timeout);
      if (this.socket === socket) this.onClosed();
    });
  }

  private onReady(): void {
    this.ready = true;
    this.attempts = 0;
    this.stats.connects++;
    this.stats.connected = true;
    this.s.logger.info({ peer: this.peer.id, host: this.peer.host, port: this.peer.port }, "transport: connected to peer");
    this.flush();
  }

  private onClosed(): void {
    if (this.ready) this.s.logger.info({ peer: this.peer.id }, "transport: connection to peer closed");
    this.socket = null;
    this.ready = false;
    this.paused = false;
    this.stats.connected = false;
    if (!this.running) return;
    const base = Math.min(this.s.reconnectMaxMs, this.s.reconnectMinMs * 2 ** Math.min(this.attempts, 20));
    this.attempts++;
    // Jitter keeps a restarted cluster from reconnecting in lock step.
    const delay = Math.round(base * (0.5 + Math.random() * 0.5));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }
}
