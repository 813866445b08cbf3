import { getAddress } from "ethers";
import { NonceConflictError } from "../chain/errors";
import type { ParsedTx } from "../chain/tx";
import type { LedgerBlock, OrderLedger } from "./ledger";

interface Reservation {
  /** The sender's next nonce once everything this leader took in is ordered. */
  next: number;
  /** Nonce → hash of the transaction this leader took in with it. */
  hashes: Map<number, string>;
}

/**
 * The leader's nonce check before ordering: a transaction is taken in only with its sender's next
 * nonce in the leader's view — the ledger's (what is ordered; the leader has applied its whole log
 * before it serves, see `OrdererNode.awaitLeadership`), plus what it took in and has not seen
 * applied yet, or the chain's account nonce for a sender the order does not know. Everything else is
 * answered 409 with that next nonce, so nothing the chain would refuse is acknowledged.
 *
 * Checking and reserving happen in one synchronous step, so two submissions of one nonce can never
 * both pass. The ledger applies the same rule to the ordered log on every node (`SenderNonces`): a
 * race this view cannot see (a leader change) still ends with one verdict everywhere.
 */
export class NonceGate {
  private readonly reserved = new Map<string, Reservation>();

  constructor(
    private readonly ledger: OrderLedger,
    /** The account's nonce on the chain, or null when this node has no chain to ask. */
    private readonly chainNonce: (sender: string) => Promise<number | null>,
  ) {}

  /** What `admit` needs from the chain: only for a sender neither the order nor this leader knows. */
  async prepare(sender: string): Promise<number | null> {
    if (this.reserved.has(sender) || this.ledger.nextNonce(sender) !== undefined) return null;
    return this.chainNonce(sender);
  }

  /**
   * Takes `tx` in, or lets the same bytes through again (the proposal tracker keeps them from being
   * proposed twice), or throws NonceConflictError. `sender` is the lower-case address; `chainNext`
   * what `prepare` read.
   */
  admit(tx: ParsedTx, sender: string, chainNext: number | null): void {
    const own = this.reserved.get(sender);
    const expected = own?.next ?? this.ledger.nextNonce(sender) ?? chainNext ?? tx.nonce;
    if (tx.nonce < expected && own?.hashes.get(tx.nonce) === tx.hash) return;
    if (tx.nonce !== expected) throw new NonceConflictError(getAddress(sender), tx.nonce, expected);
    if (own === undefined) this.reserved.set(sender, { next: tx.nonce + 1, hashes: new Map([[tx.nonce, tx.hash]]) });
    else {
      own.next = tx.nonce + 1;
      own.hashes.set(tx.nonce, tx.hash);
    }
  }

  /** A block applied: reservations it fulfilled go; a sender with a refusal starts again from the ledger. */
  applied(block: LedgerBlock): void {
    if (this.reserved.size === 0) return;
    for (const r of block.refused) this.reserved.delete(r.sender);
    for (const tx of block.txs) {
      if (tx.sender === undefined) continue;
      const own = this.reserved.get(tx.sender);
      if (own === undefined) continue;
      const next = this.ledger.nextNonce(tx.sender) ?? 0;
      // Reserved in increasing nonce order, so the fulfilled ones come first.
      for (const n of own.hashes.keys()) {
        if (n >= next) break;
        own.hashes.delete(n);
      }
      if (own.next <= next) this.reserved.delete(tx.sender);
    }
  }

  /** Leadership ended: the next leader rebuilds its view from its own ledger. */
  clear(): void {
    this.reserved.clear();
  }
}
