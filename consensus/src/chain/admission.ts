import { Contract, Interface, getAddress, type ContractRunner } from "ethers";
import { AdmissionUnavailableError, NotAdmittedError } from "./errors";
import type { ParsedTx } from "./tx";

/** The part of the market's registry the orderer relies on. */
export const REGISTRY_ABI = [
  "function isApproved(address account) view returns (bool)",
  "function Regis(uint8 kind, bytes32 region, bytes32 code)",
] as const;

const registryInterface = new Interface(REGISTRY_ABI);

/** 4-byte selector of `Regis(uint8,bytes32,bytes32)`: registration applications are always admitted. */
export const REGIS_SELECTOR: string = registryInterface.getFunction("Regis")!.selector;

/** Answers whether an address is an approved participant. */
export type ApprovalReader = (address: string) => Promise<boolean>;

/** Reads `isApproved(address)` from the registry contract through any ethers runner (provider). */
export function registryApprovalReader(registry: string, runner: ContractRunner): ApprovalReader {
  const contract = new Contract(getAddress(registry), registryInterface, runner);
  const isApproved = contract.getFunction("isApproved");
  return async (address) => Boolean(await isApproved.staticCall(address));
}

export interface AdmissionOptions {
  /** Registry contract address; null admits every well-formed transaction. */
  registry: string | null;
  reader: ApprovalReader;
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
 * The paper's "only registered users": admits transactions from approved senders plus calls of the
 * registration function itself, refuses the rest with NotAdmittedError (HTTP 403).
 */
export class Admission {
  private readonly registry: string | null;
  private readonly reader: ApprovalReader;
  private readonly approvedTtlMs: number;
  private readonly refusedTtlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();
  /** Concurrent checks of one sender share one registry call. */
  private readonly inflight = new Map<string, Promise<boolean>>();

  constructor(options: AdmissionOptions) {
    this.registry = options.registry === null ? null : getAddress(options.registry);
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
      tx.data.toLowerCase().startsWith(REGIS_SELECTOR)
    );
  }

  /** Resolves when `tx` may be ordered; throws NotAdmittedError or AdmissionUnavailableError. */
  async check(tx: ParsedTx): Promise<void> {
    if (this.registry === null || this.isRegistration(tx)) return;
    if (!(await this.approved(getAddress(tx.sender)))) throw new NotAdmittedError(tx.sender);
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
