import crypto from "node:crypto";
import tls from "node:tls";
import { certificateNames, type TlsMaterial } from "../config/tls-files";
import type { NodeId } from "../core";

/**
 * Peer links run mutual TLS 1.3 (node:tls): confidentiality and integrity of every byte, and each side
 * proves the key of its certificate. Who a certificate belongs to is decided here, not by OpenSSL's
 * chain check alone: a peer is identified either by the SHA-256 fingerprint pinned in the config, or,
 * for a peer without a pin, by a certificate the consortium CA issued that names the peer id (subject
 * CN or SAN DNS). OpenSSL still validates the chain against the configured CA only (never the
 * system's roots); `rejectUnauthorized` is off so that pinned self-signed certificates work, and the
 * verdict below is applied to every connection before a byte of it is used.
 */
export const TLS_VERSION = "TLSv1.3";

/** What a transport knows about a peer's certificate. */
export interface PeerTrust {
  id: NodeId;
  /** Canonical SHA-256 fingerprint (`AA:BB:…`); absent: the CA vouches for the peer. */
  fingerprint?: string;
}

function contextOptions(material: TlsMaterial): tls.SecureContextOptions {
  // Without a CA, an empty trust list (not the system's roots): no chain is trusted, only pins are.
  return { key: material.key, cert: material.cert, ca: material.ca ?? [], minVersion: TLS_VERSION, maxVersion: TLS_VERSION };
}

/** One secure context for a transport's dialers: key, certificate and CA are parsed once, not per connection. */
export function secureContext(material: TlsMaterial): tls.SecureContext {
  return tls.createSecureContext(contextOptions(material));
}

/** The listener's options (tls.Server builds its own context from them): a client certificate is demanded. */
export function serverOptions(material: TlsMaterial, handshakeTimeoutMs: number): tls.TlsOptions {
  return { ...contextOptions(material), requestCert: true, rejectUnauthorized: false, handshakeTimeout: handshakeTimeoutMs };
}

/** The options both roles share: TLS 1.3 only, a certificate demanded of the other side. */
export function baseOptions(context: tls.SecureContext): Pick<tls.TlsOptions, "secureContext" | "minVersion" | "maxVersion" | "rejectUnauthorized"> {
  return { secureContext: context, minVersion: TLS_VERSION, maxVersion: TLS_VERSION, rejectUnauthorized: false };
}

function peerCertificate(socket: tls.TLSSocket): crypto.X509Certificate | null {
  const raw = socket.getPeerCertificate(false);
  if (raw === null || raw.raw === undefined) return null;
  return new crypto.X509Certificate(raw.raw);
}

/**
 * Whether the certificate the other end presented on `socket` proves it is `expected`. Null if it
 * does, else the reason to log. Used by the dialer, which knows whom it called.
 */
export function checkPeer(socket: tls.TLSSocket, expected: PeerTrust): string | null {
  if (socket.getProtocol() !== TLS_VERSION) return `negotiated ${String(socket.getProtocol())}, not ${TLS_VERSION}`;
  const cert = peerCertificate(socket);
  if (cert === null) return "no certificate presented";
  if (expected.fingerprint !== undefined) {
    return cert.fingerprint256 === expected.fingerprint ? null : `certificate fingerprint ${cert.fingerprint256} is not the one pinned for ${expected.id}`;
  }
  if (!socket.authorized) return `certificate not issued by the consortium CA (${String(socket.authorizationError)})`;
  const names = certificateNames(cert);
  return names.includes(expected.id) ? null : `CA-issued certificate names ${names.join(", ") || "nothing"}, not ${expected.id}`;
}

/**
 * Which configured peer the other end of an accepted connection is: the peer whose pin matches its
 * certificate, or else the unpinned peer its CA-issued certificate names. A certificate naming a
 * pinned peer but not matching the pin is refused (the pin is the stronger statement).
 */
export function identifyPeer(socket: tls.TLSSocket, peers: Iterable<PeerTrust>): { id: NodeId } | { reason: string } {
  if (socket.getProtocol() !== TLS_VERSION) return { reason: `negotiated ${String(socket.getProtocol())}, not ${TLS_VERSION}` };
  const cert = peerCertificate(socket);
  if (cert === null) return { reason: "no certificate presented" };
  const list = [...peers];
  const pinned = list.find((p) => p.fingerprint === cert.fingerprint256);
  if (pinned !== undefined) return { id: pinned.id };
  const names = certificateNames(cert);
  const named = list.filter((p) => names.includes(p.id));
  if (named.length === 0) return { reason: `unknown peer ${names.join(", ") || cert.fingerprint256}` };
  if (named.length > 1) return { reason: `certificate names several peers (${named.map((p) => p.id).join(", ")})` };
  const peer = named[0]!;
  if (peer.fingerprint !== undefined) return { reason: `certificate fingerprint ${cert.fingerprint256} is not the one pinned for ${peer.id}` };
  if (!socket.authorized) return { reason: `certificate for ${peer.id} not issued by the consortium CA (${String(socket.authorizationError)})` };
  return { id: peer.id };
}
