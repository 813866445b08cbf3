/**
 * Sign-In with Ethereum (EIP-4361) for the dashboard: a one-time nonce per challenge, the signed message checked by
 * the `siwe` library (domain, nonce, expiry, signature), and membership read from the registry. Only the trading
 * centre and approved participants get a session; sessions are random tokens kept in memory with an expiry.
 */
import { randomBytes } from "node:crypto";
import { SiweMessage, generateNonce } from "siwe";
import { DashboardAccessError } from "./errors";

/** What a session may see: the trading centre everything, a participant public results and its own orders. */
export type Role = "trading-centre" | "participant";

export interface Session {
  readonly token: string;
  readonly address: string;
  readonly role: Role;
  readonly expires: number;
}

/** Who is a member: answers the role of an address, or null for anyone the registry does not admit. */
export type Membership = (address: string) => Promise<Role | null>;

export interface SignInOptions {
  /** The host the dashboard is served as (`127.0.0.1:8080`): a message for another domain is refused. Read per
   *  request, since a server on port 0 knows its port only once it listens. */
  readonly domain: () => string;
  readonly chainId: number;
  readonly membership: Membership;
  /** How long a challenge may wait for its signature (default 5 min) and a session lasts (default 8 h). */
  readonly challengeTtlMs?: number;
  readonly sessionTtlMs?: number;
  readonly now?: () => number;
}

/** Outstanding challenges and sessions are bounded, so a flood of requests cannot grow memory without end. */
const MAX_PENDING = 10_000;

export class SignIn {
  private readonly challenges = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(private readonly o: SignInOptions) {
    this.now = o.now ?? Date.now;
  }

  /** A fresh challenge: the nonce and the EIP-4361 message text for `address` to sign. */
  challenge(address: string, uri: string): { nonce: string; message: string } {
    this.sweep(this.challenges);
    if (this.challenges.size >= MAX_PENDING) throw new DashboardAccessError(401, "too many sign-ins in progress; try again shortly");
    const nonce = generateNonce();
    const issued = this.now();
    this.challenges.set(nonce, issued + (this.o.challengeTtlMs ?? 5 * 60_000));
    const message = new SiweMessage({
      domain: this.o.domain(),
      address,
      statement: "Sign in to the dplc dashboard.",
      uri,
      version: "1",
      chainId: this.o.chainId,
      nonce,
      issuedAt: new Date(issued).toISOString(),
    }).prepareMessage();
    return { nonce, message };
  }

  /** Checks a signed challenge and opens a session; throws DashboardAccessError 401 or 403. */
  async verify(message: string, signature: string): Promise<Session> {
    let parsed: SiweMessage;
    try {
      parsed = new SiweMessage(message);
    } catch (err) {
      throw new DashboardAccessError(401, "the sign-in message is not an EIP-4361 message", { cause: err });
    }
    const expires = this.challenges.get(parsed.nonce);
    if (expires === undefined || expires < this.now()) throw new DashboardAccessError(401, "unknown or expired sign-in challenge");
    // One use per nonce, whatever the outcome: a replayed signature never opens a second session.
    this.challenges.delete(parsed.nonce);
    const result = await parsed.verify({ signature, domain: this.o.domain(), nonce: parsed.nonce, time: new Date(this.now()).toISOString() }, { suppressExceptions: true });
    if (!result.success) throw new DashboardAccessError(401, `sign-in refused: ${result.error?.type ?? "bad signature"}`);
    if (parsed.chainId !== this.o.chainId) throw new DashboardAccessError(401, `sign-in for chain ${parsed.chainId}, not ${this.o.chainId}`);
    return this.open(parsed.address);
  }

  /** A session for an address whose key was proven (a signed challenge, or the demo's one-time link); 403 for
   *  anyone the registry does not admit. */
  async open(address: string): Promise<Session> {
    const role = await this.o.membership(address);
    if (role === null) throw new DashboardAccessError(403, `${address} is not an approved participant`);
    this.sweep(this.sessions);
    const session: Session = {
      token: randomBytes(32).toString("base64url"),
      address,
      role,
      expires: this.now() + (this.o.sessionTtlMs ?? 8 * 3600_000),
    };
    this.sessions.set(session.token, session);
    return session;
  }

  /** The live session of a token, or undefined (unknown or expired). */
  session(token: string | undefined): Session | undefined {
    if (token === undefined) return undefined;
    const s = this.sessions.get(token);
    if (s === undefined || s.expires < this.now()) return undefined;
    return s;
  }

  signOut(token: string): void {
    this.sessions.delete(token);
  }

  private sweep(map: Map<string, number> | Map<string, Session>): void {
    const t = this.now();
    for (const [k, v] of map) if ((typeof v === "number" ? v : v.expires) < t) map.delete(k);
  }
}
