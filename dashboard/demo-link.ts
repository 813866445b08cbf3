/**
 * One-time sign-in links for `npm run demo`: the person at the terminal that started the demo opens the printed link
 * once and is signed in as the trading centre, without a browser wallet. Only a dashboard whose config sets
 * `demoSignIn` (allowed on a loopback address only) serves the route; a production config never does.
 */
import { randomBytes } from "node:crypto";
import { DashboardAccessError } from "./errors";

interface Pending {
  readonly address: string;
  readonly expires: number;
}

export class OneTimeLinks {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh token that signs `address` in once, within `ttlMs`. */
  issue(address: string, ttlMs: number): string {
    const token = randomBytes(32).toString("base64url");
    this.pending.set(token, { address, expires: this.now() + ttlMs });
    return token;
  }

  /** The address a token was issued for; the token is spent whatever the outcome, so a link never works twice. */
  redeem(token: string): string {
    const p = this.pending.get(token);
    this.pending.delete(token);
    if (p === undefined) throw new DashboardAccessError(401, "this sign-in link is unknown or was used already");
    if (p.expires < this.now()) throw new DashboardAccessError(401, "this sign-in link has expired");
    return p.address;
  }
}
