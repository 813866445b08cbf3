import { getAddress } from "ethers";
import { AdmissionUnavailableError, NotAdmittedError } from "./errors";
import { regisSelector, type ApprovalReader } from "./registry";
import type { ParsedTx } from "./tx";

export type { ApprovalReader } from "./registry";

export interface AdmissionOptions {
  /** Registry contract address; null admits every well-formed transaction. */
  registry: string | null;
  reader: ApprovalReader;
  /** Accounts admitted without registering: the operators that deploy and run the market. */
  operators?: readonly string[];
  /** How long an approval is trusted before asking the registry again. */
  approvedTtlMs?: number;
  /** How long a refusal is remembered: short, so a freshly approved participant gets in soon. */
  refusedTtlMs?: number;
  now?: () => number;
}

const MAX_CACHED = 100_000;

interface CacheEntry {
  approved: boolean;
  expires: number;
}

/**
 * The paper's "only registered users": admits transactions from approved senders (DPLCRegistry's
 * `isApproved`), calls of the registration function `Regis` itself, and the configured operator
 * accounts; refuses the rest with NotAdmittedError (HTTP 403). A rejected applicant is not approved,
 * so it is refused like a stranger (it may apply again with `Regis`).
 */
export class Admission {
  private readonly registry: string | null;
  private readonly regis: string;
  private readonly operators: ReadonlySet<string>;
  private readonly reader: ApprovalReader;
  private readonly approvedTtlMs: number;
  private readonly refusedTtlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();
  /** Concurrent checks of one sender share one registry call. */
  private readonly inflight = new Map<string, Promise<boolean>>();

  constructor(options: AdmissionOptions) {
    this.registry = options.registry === null ? null : getAddress(options.registry);
    this.regis = this.registry === null ? "" : regisSelector();
    this.operators = new Set((options.operators ?? []).map((a) => getAddress(a)));
    this.reader = options.reader;
    this.approvedTtlMs = options.approvedTtlMs ?? 2_000;
    this.refusedTtlMs = options.refusedTtlMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.registry !== null;
  }

  /** True for a call of the registry's `Regis` function. */
  isRegistration(tx: ParsedTx): boolean {
    return (
      this.registry !== null &&
      tx.to !== null &&
      tx.to.toLowerCase() === this.registry.toLowerCase() &&
      tx.data.toLowerCase().startsWith(this.regis)
    );
  }

  /** Resolves when `tx` may be ordered; throws NotAdmittedError or AdmissionUnavailableError. */
  async check(tx: ParsedTx): Promise<void> {
    if (this.registry === null || this.isRegistration(tx)) return;
    // EIP-55 already (`ParsedTx.sender`): ethers' getAddress would check that checksum again, a pure-JS keccak.
    const sender = tx.sender;
    if (this.operators.has(sender)) return;
    if (!(await this.approved(sender))) throw new NotAdmittedError(sender);
  }

  private async approved(sender: string): Promise<boolean> {
    const cached = this.cache.get(sender);
    if (cached !== undefined && cached.expires > this.now()) return cached.approved;
    let pending = this.inflight.get(sender);
    if (pending === undefined) {
      pending = this.lookup(sender);
      this.inflight.set(sender, pending);
    }
    return pending;
  }

  private async lookup(sender: string): Promise<boolean> {
    try {
      const approved = await this.reader(sender);
      const ttl = approved ? this.approvedTtlMs : this.refusedTtlMs;
      // Entries are tiny, but a flood of random senders must not grow the cache without bound.
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(sender, { approved, expires: this.now() + ttl });
      return approved;
    } catch (err) {
      // Fail closed: an unreadable registry must not let unregistered senders through.
      const reason = (err as { shortMessage?: string; message?: string }).shortMessage ?? String(err);
      throw new AdmissionUnavailableError(`registry ${this.registry} could not be read: ${reason}`, { cause: err });
    } finally {
      this.inflight.delete(sender);
    }
  }
}
