import crypto, { type KeyObject } from "node:crypto";

/**
 * The signed handshake that binds a TCP connection to a peer id, and the per-frame MAC that keeps
 * binding every later frame to it. Both sides prove possession of their configured Ed25519 key by
 * signing a transcript with the other side's fresh nonce and both ephemeral X25519 keys, so a
 * recorded handshake cannot be replayed, neither side can be impersonated, and a man in the middle
 * cannot learn the session key:
 *
 *   server → client  {k:"challenge", id, nonce: Ns, eph: Es}
 *   client → server  {k:"hello", from, to, nonce: Nc, eph: Ec, sig: sign_client(ctx|hello|from|to|Ns|Ec|Es)}
 *   server → client  {k:"welcome", sig: sign_server(ctx|welcome|to|from|Nc|Es|Ec)}
 *
 * Then the client sends data frames [HMAC-SHA256(K, seq u64 ‖ body)][body], K derived by HKDF from
 * X25519(Ec, Es) with salt Ns‖Nc. The implicit sequence number rejects replayed, dropped-and-
 * reinjected or reordered frames; any bad frame closes the connection.
 */
const CONTEXT = "dplc-raft-v1";
export const NONCE_BYTES = 32;
export const MAC_BYTES = 32;
/** Upper bound on a handshake frame (a few short fields); larger ones are refused before buffering. */
export const HANDSHAKE_FRAME_BYTES = 4096;

export interface HelloFrame {
  k: "hello";
  from: string;
  to: string;
  nonce: string;
  eph: string;
  sig: string;
}

export const newNonce = (): string => crypto.randomBytes(NONCE_BYTES).toString("base64");

// DER prefix of an X25519 SubjectPublicKeyInfo; the raw 32-byte key follows.
const X25519_SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");

/** A fresh ephemeral X25519 key pair; `pub` is the raw public key in base64 for the wire. */
export function newEphemeral(): { key: KeyObject; pub: string } {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("x25519");
  const der = publicKey.export({ format: "der", type: "spki" });
  return { key: privateKey, pub: der.subarray(X25519_SPKI_PREFIX.length).toString("base64") };
}

/** The client→server frame key both sides derive once the handshake succeeds. */
export function sessionKey(mine: KeyObject, theirPub: string, serverNonce: string, clientNonce: string): Buffer {
  const raw = Buffer.from(theirPub, "base64");
  if (raw.length !== 32) throw new RangeError("ephemeral key must be 32 bytes");
  const publicKey = crypto.createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
  const shared = crypto.diffieHellman({ privateKey: mine, publicKey });
  const salt = Buffer.concat([Buffer.from(serverNonce, "base64"), Buffer.from(clientNonce, "base64")]);
  return Buffer.from(crypto.hkdfSync("sha256", shared, salt, `${CONTEXT} c2s`, 32));
}

function transcript(kind: "hello" | "welcome", signer: string, other: string, nonce: string, eph1: string, eph2: string): Buffer {
  return Buffer.concat([
    Buffer.from(`${CONTEXT}|${kind}|${signer}|${other}|`, "utf8"),
    Buffer.from(nonce, "base64"),
    Buffer.from(eph1, "base64"),
    Buffer.from(eph2, "base64"),
  ]);
}

export function signHello(key: KeyObject, from: string, to: string, serverNonce: string, clientEph: string, serverEph: string): string {
  return crypto.sign(null, transcript("hello", from, to, serverNonce, clientEph, serverEph), key).toString("base64");
}

export function verifyHello(key: KeyObject, hello: HelloFrame, serverNonce: string, serverEph: string): boolean {
  return safeVerify(key, transcript("hello", hello.from, hello.to, serverNonce, hello.eph, serverEph), hello.sig);
}

export function signWelcome(key: KeyObject, server: string, client: string, clientNonce: string, serverEph: string, clientEph: string): string {
  return crypto.sign(null, transcript("welcome", server, client, clientNonce, serverEph, clientEph), key).toString("base64");
}

export function verifyWelcome(
  key: KeyObject,
  sig: string,
  server: string,
  client: string,
  clientNonce: string,
  serverEph: string,
  clientEph: string,
): boolean {
  return safeVerify(key, transcript("welcome", server, client, clientNonce, serverEph, clientEph), sig);
}

function safeVerify(key: KeyObject, data: Buffer, sigB64: string): boolean {
  if (typeof sigB64 !== "string") return false;
  try {
    return crypto.verify(null, data, key, Buffer.from(sigB64, "base64"));
  } catch {
    return false;
  }
}

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: "latin1") => string;
/** `crypto.hash` (Node 20.12+): a digest without a native Hash object per call. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;
const SHA256_BLOCK = 64;
const SEQ_BYTES = 8;
/** Bodies up to this size are MACed through one pooled scratch copy; larger ones stream through createHmac. */
const ONE_SHOT_MAX_BODY = 4096 - SHA256_BLOCK - SEQ_BYTES - 1;

/**
 * Seals and opens data frames with the session key and a per-direction sequence number: the tag is
 * HMAC-SHA256(key, seq u64 BE || body).
 *
 * Small frames (every append and response at low load) compute the HMAC from its definition with
 * two one-shot hashes: `createHmac` makes a native object per frame, which the GC then tracks through
 * a weak handle, and those handles were a visible share of every young-generation pause.
 */
export class FrameMac {
  private seq = 0;
  private readonly ipad: Buffer;
  private readonly opad: Buffer;
  /** Outer hash input: opad || inner digest. */
  private readonly outer = Buffer.alloc(SHA256_BLOCK + MAC_BYTES);
  private readonly expected = Buffer.alloc(MAC_BYTES);

  constructor(private readonly key: Buffer) {
    const k = Buffer.alloc(SHA256_BLOCK);
    (key.length > SHA256_BLOCK ? crypto.createHash("sha256").update(key).digest() : key).copy(k);
    this.ipad = Buffer.from(k.map((b) => b ^ 0x36));
    this.opad = Buffer.from(k.map((b) => b ^ 0x5c));
    this.opad.copy(this.outer);
  }

  /** Writes the tag of `body` under the current sequence number into `out` at `at`. */
  private tagInto(body: Buffer, out: Buffer, at: number): void {
    if (oneShot === undefined || body.length > ONE_SHOT_MAX_BODY) {
      const seq = Buffer.allocUnsafe(SEQ_BYTES);
      writeSeq(seq, 0, this.seq);
      crypto.createHmac("sha256", this.key).update(seq).update(body).digest().copy(out, at);
      return;
    }
    const inner = Buffer.allocUnsafe(SHA256_BLOCK + SEQ_BYTES + body.length);
    this.ipad.copy(inner, 0);
    writeSeq(inner, SHA256_BLOCK, this.seq);
    body.copy(inner, SHA256_BLOCK + SEQ_BYTES);
    this.outer.write(oneShot("sha256", inner, "latin1"), SHA256_BLOCK, "latin1");
    out.write(oneShot("sha256", this.outer, "latin1"), at, "latin1");
  }

  /** Seals in place: the tag goes at `at` (MAC_BYTES reserved there), over everything after it. */
  sealInto(frame: Buffer, at: number): void {
    this.tagInto(frame.subarray(at + MAC_BYTES), frame, at);
    this.seq++;
  }

  /** The body if the frame is authentic and in sequence, else null. */
  open(frame: Buffer): Buffer | null {
    if (frame.length < MAC_BYTES) return null;
    const body = frame.subarray(MAC_BYTES);
    this.tagInto(body, this.expected, 0);
    if (!crypto.timingSafeEqual(frame.subarray(0, MAC_BYTES), this.expected)) return null;
    this.seq++;
    return body;
  }
}

/** A frame counter as u64 big-endian (a session never nears 2^53 frames). */
function writeSeq(buf: Buffer, at: number, seq: number): void {
  buf.writeUInt32BE(Math.floor(seq / 2 ** 32), at);
  buf.writeUInt32BE(seq >>> 0, at + 4);
}
