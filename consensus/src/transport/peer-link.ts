import type { KeyObject } from "node:crypto";
import net from "node:net";
import type { Logger } from "pino";
import type { Message, NodeId } from "../core/types";
import { BoundedQueue } from "./bounded-queue";
import { encodeBatch } from "./codec";
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from "./frame";
import { FrameMac, HANDSHAKE_FRAME_BYTES, MAC_BYTES, newEphemeral, newNonce, sessionKey, signHello, verifyWelcome } from "./handshake";
import type { PeerStats } from "./transport";

type LooseFrame = { k?: unknown; id?: unknown; nonce?: unknown; eph?: unknown; sig?: unknown } | null;

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
  publicKey: KeyObject;
}

export interface LinkSettings {
  selfId: NodeId;
  privateKey: KeyObject;
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
 * The outbound half of a peer connection: a bounded queue, one authenticated TCP stream and a
 * reconnect loop with capped exponential backoff and jitter. Messages go one way (to the peer);
 * the peer's messages arrive on the connection it dials to us.
 */
export class PeerLink {
  private readonly queue: BoundedQueue<Message>;
  private socket: net.Socket | null = null;
  private mac: FrameMac | null = null;
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
    while (this.ready && !this.paused && this.queue.length > 0 && this.socket !== null && this.mac !== null) {
      // Bounded frames keep a heartbeat from waiting behind tens of megabytes of entries.
      const batch = this.queue.take(this.s.batchMessages, this.s.frameBytesTarget);
      // Length, MAC and body in one buffer: the body is encoded after room left for the other two.
      const frame = encodeBatch(batch, FRAME_HEADER_BYTES + MAC_BYTES);
      this.mac.sealInto(frame, FRAME_HEADER_BYTES);
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
    const socket = net.connect({ host: this.peer.host, port: this.peer.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5_000);
    this.socket = socket;
    // The listener only ever sends two small handshake frames.
    const decoder = new FrameDecoder(HANDSHAKE_FRAME_BYTES);
    const handshake = new ClientHandshake(this.s.selfId, this.peer, this.s.privateKey);
    const fail = (reason: string): void => {
      this.s.logger.warn({ peer: this.peer.id, reason }, "transport: outbound connection rejected");
      socket.destroy();
    };
    const timeout = setTimeout(() => fail("handshake timed out"), this.s.handshakeTimeoutMs);
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        return fail((err as Error).message);
      }
      for (const f of frames) {
        const step = handshake.step(f);
        if (typeof step === "string") return fail(step);
        if (step.reply !== undefined) socket.write(encodeFrame(Buffer.from(JSON.stringify(step.reply))));
        if (step.mac !== undefined) {
          clearTimeout(timeout);
          this.mac = step.mac;
          this.onReady();
        }
      }
    });
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
    this.mac = null;
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

/**
 * The dialer's half of the handshake (see handshake.ts): answers the challenge with a signed hello,
 * then checks the welcome and yields the session's frame MAC. Errors come back as strings to log.
 */
class ClientHandshake {
  private readonly nonce = newNonce();
  private readonly eph = newEphemeral();
  private serverNonce = "";
  private serverEph = "";
  private phase: "challenge" | "welcome" | "done" = "challenge";

  constructor(
    private readonly self: NodeId,
    private readonly peer: PeerAddress,
    private readonly key: KeyObject,
  ) {}

  step(frame: Buffer): { reply?: object; mac?: FrameMac } | string {
    let body: LooseFrame;
    try {
      body = JSON.parse(frame.toString("utf8")) as LooseFrame;
    } catch {
      return "malformed handshake frame";
    }
    if (body === null || typeof body !== "object") return "malformed handshake frame";
    if (this.phase === "challenge" && body.k === "challenge") {
      if (body.id !== this.peer.id) return `peer answered as ${String(body.id)}`;
      if (typeof body.nonce !== "string" || typeof body.eph !== "string") return "malformed challenge";
      this.serverNonce = body.nonce;
      this.serverEph = body.eph;
      this.phase = "welcome";
      const sig = signHello(this.key, this.self, this.peer.id, this.serverNonce, this.eph.pub, this.serverEph);
      return { reply: { k: "hello", from: this.self, to: this.peer.id, nonce: this.nonce, eph: this.eph.pub, sig } };
    }
    if (this.phase === "welcome" && body.k === "welcome") {
      const proven =
        typeof body.sig === "string" &&
        verifyWelcome(this.peer.publicKey, body.sig, this.peer.id, this.self, this.nonce, this.serverEph, this.eph.pub);
      if (!proven) return "peer failed to prove its key";
      try {
        const mac = new FrameMac(sessionKey(this.eph.key, this.serverEph, this.serverNonce, this.nonce));
        this.phase = "done";
        return { mac };
      } catch (err) {
        return (err as Error).message;
      }
    }
    return `unexpected ${String(body.k)} frame during ${this.phase}`;
  }
}
