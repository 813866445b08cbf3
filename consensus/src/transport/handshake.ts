import crypto, { type KeyObject } from "node:crypto";

/**
 * The signed handshake that binds a TCP connection to a peer id. Both sides prove possession of
 * their configured Ed25519 key by signing the other side's fresh nonce, so a recorded handshake
 * cannot be replayed and neither side can be impersonated:
 *
 *   server → client  {k:"challenge", id, nonce: Ns}
 *   client → server  {k:"hello", from, to, nonce: Nc, sig: sign_client(ctx|hello|from|to|Ns)}
 *   server → client  {k:"welcome", sig: sign_server(ctx|welcome|to|from|Nc)}
 *
 * After that the server trusts the stream to carry the client's messages (each must still name the
 * bound peer as `from`).
 */
const CONTEXT = "dplc-raft-v1";
export const NONCE_BYTES = 32;

export interface ChallengeFrame {
  k: "challenge";
  id: string;
  nonce: string;
}
export interface HelloFrame {
  k: "hello";
  from: string;
  to: string;
  nonce: string;
  sig: string;
}
export interface WelcomeFrame {
  k: "welcome";
  sig: string;
}

export const newNonce = (): string => crypto.randomBytes(NONCE_BYTES).toString("base64");

function transcript(kind: "hello" | "welcome", signer: string, other: string, nonceB64: string): Buffer {
  return Buffer.concat([Buffer.from(`${CONTEXT}|${kind}|${signer}|${other}|`, "utf8"), Buffer.from(nonceB64, "base64")]);
}

export function signHello(key: KeyObject, from: string, to: string, serverNonce: string): string {
  return crypto.sign(null, transcript("hello", from, to, serverNonce), key).toString("base64");
}

export function verifyHello(key: KeyObject, hello: HelloFrame, serverNonce: string): boolean {
  return safeVerify(key, transcript("hello", hello.from, hello.to, serverNonce), hello.sig);
}

export function signWelcome(key: KeyObject, server: string, client: string, clientNonce: string): string {
  return crypto.sign(null, transcript("welcome", server, client, clientNonce), key).toString("base64");
}

export function verifyWelcome(key: KeyObject, sig: string, server: string, client: string, clientNonce: string): boolean {
  return safeVerify(key, transcript("welcome", server, client, clientNonce), sig);
}

function safeVerify(key: KeyObject, data: Buffer, sigB64: string): boolean {
  if (typeof sigB64 !== "string") return false;
  try {
    return crypto.verify(null, data, key, Buffer.from(sigB64, "base64"));
  } catch {
    return false;
  }
}
