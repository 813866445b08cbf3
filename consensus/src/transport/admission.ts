import dns from "node:dns";
import net from "node:net";

/** Limits on inbound connections that have not finished their TLS handshake. */
export interface AdmissionLimits {
  /** Unfinished handshakes from any one source address. */
  maxPendingPerSource: number;
  /** Unfinished handshakes from all sources that are not a configured peer's address, together. */
  maxPendingHandshakes: number;
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) and `10.0.0.1` are the same source. */
export function normalizeAddress(address: string | undefined): string {
  if (address === undefined) return "";
  return address.startsWith("::ffff:") && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/**
 * Decides which unauthenticated inbound connections may start a handshake, so that a flood from
 * anywhere cannot lock the configured peers out: every source address gets at most
 * `maxPendingPerSource` unfinished handshakes, and the addresses of configured peers do not draw on
 * the shared `maxPendingHandshakes` pool that all other sources compete for. A stranger can then
 * occupy a few slots of its own address and the shared pool, never a peer's. (A flood from a peer's
 * own address competes with that peer only.) A short handshake deadline (the transport's) frees
 * slots that are held on purpose.
 */
export class HandshakeAdmission {
  private readonly perSource = new Map<string, number>();
  private strangers = 0;
  /** Addresses of configured peers, as given (IP literals) or resolved from their host names. */
  private peerAddresses = new Set<string>();

  constructor(readonly limits: AdmissionLimits) {}

  /** Sets the configured peers' hosts; names are resolved in the background (until then they count as strangers). */
  setPeerHosts(hosts: string[]): void {
    const literal = new Set(hosts.filter((h) => net.isIP(h) !== 0).map(normalizeAddress));
    this.peerAddresses = literal;
    for (const host of hosts.filter((h) => net.isIP(h) === 0)) {
      dns.lookup(host, { all: true }, (err, addresses) => {
        if (err !== null || this.peerAddresses !== literal) return;
        for (const a of addresses) literal.add(normalizeAddress(a.address));
      });
    }
  }

  isPeerAddress(address: string): boolean {
    return this.peerAddresses.has(address);
  }

  /**
   * Takes a slot for a new connection from `address`, or says why not. The returned function gives the
   * slot back (once the handshake finishes or the connection closes); calling it again does nothing.
   */
  admit(address: string): { release: () => void } | { refused: string } {
    const fromSource = this.perSource.get(address) ?? 0;
    if (fromSource >= this.limits.maxPendingPerSource) return { refused: `too many pending handshakes from ${address}` };
    const stranger = !this.isPeerAddress(address);
    if (stranger && this.strangers >= this.limits.maxPendingHandshakes) return { refused: "too many pending handshakes" };
    this.perSource.set(address, fromSource + 1);
    if (stranger) this.strangers++;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        const n = (this.perSource.get(address) ?? 1) - 1;
        if (n === 0) this.perSource.delete(address);
        else this.perSource.set(address, n);
        if (stranger) this.strangers--;
      },
    };
  }

  /** Unfinished handshakes now: from strangers, and in all. */
  pending(): { strangers: number; total: number } {
    let total = 0;
    for (const n of this.perSource.values()) total += n;
    return { strangers: this.strangers, total };
  }
}
