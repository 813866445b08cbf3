import crypto from "node:crypto";
import type { TLSSocket } from "node:tls";
import { certificateNames } from "../config/tls-files";

/** Who may read `GET /v1/blocks`: null when the connection may, else the reason it may not. */
export type BlockAccess = (socket: TLSSocket) => string | null;

/**
 * Blocks carry every participant's signed transactions, so on an HTTPS API only the consortium's nodes read them:
 * a client certificate that a peer link would accept — the SHA-256 fingerprint pinned for a configured peer, or one
 * issued by the peer links' CA (`tls.caFile`) that names a configured peer (CN or SAN DNS). The check is the peer
 * link's rule applied to the API connection; plain HTTP has no client identity (see the blocks README).
 */
export function consortiumBlockAccess(
  members: readonly { id: string; fingerprint?: string }[] | (() => readonly { id: string; fingerprint?: string }[]),
  caPem: string | undefined,
): BlockAccess {
  const ca = caPem === undefined ? null : new crypto.X509Certificate(caPem);
  return (socket) => {
    // A function: the members of the configuration now, so a node added at run time may read blocks at once.
    const peers = typeof members === "function" ? members() : members;
    const raw = socket.getPeerCertificate(false);
    if (raw === null || raw.raw === undefined) return "blocks are served only to consortium nodes: present the node's peer certificate";
    const cert = new crypto.X509Certificate(raw.raw);
    if (peers.some((p) => p.fingerprint === cert.fingerprint256)) return null;
    const names = certificateNames(cert);
    const peer = peers.find((p) => names.includes(p.id));
    if (peer === undefined) return `certificate of ${names.join(", ") || cert.fingerprint256} names no consortium node`;
    if (peer.fingerprint !== undefined) return `certificate fingerprint ${cert.fingerprint256} is not the one pinned for ${peer.id}`;
    if (ca === null || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return `certificate for ${peer.id} is not issued by the consortium CA`;
    const now = Date.now();
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) return `certificate for ${peer.id} is not valid now`;
    return null;
  };
}
