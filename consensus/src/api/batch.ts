import type { Admission } from "../chain/admission";
import { OrdererError } from "../chain/errors";
import { parseRawTransaction, type ParsedTx } from "../chain/tx";
import { NoEligibleLeaderError, NotLeaderError, ProposalDroppedError } from "../core";
import { BadRequestError } from "./errors";
import type { OrdererHandle, SubmitResult } from "./types";

/**
 * `POST /v1/transactions/batch`: several signed transactions taken in, in the order given, with one request.
 *
 * Why it exists (measured with `npm run bench:market`): a market's operators send hundreds of transactions each (the
 * trading centre approves every participant, the cashier deposits every escrow), and one signer's transactions must
 * reach the leader in nonce order. One at a time, each waited for the previous one's commit (the block cutter's
 * timeout plus a Raft round with fsync), so those lanes, not the chain, set the pace. A batch is admitted in order in
 * one request and its transactions share ordered blocks.
 */
export const MAX_BATCH = 256;

/** One transaction's answer inside a batch: ordered (or pending), or why it was refused (the HTTP code it would get). */
export type BatchItemResult = SubmitResult | ({ hash: string; code: number; error: string } & Record<string, unknown>);

/** Parses `{"raws": ["0x…", …]}`: a malformed item refuses the whole request (400), naming its index. */
export function parseBatch(json: unknown, chainId: bigint): ParsedTx[] {
  const raws = typeof json === "object" && json !== null ? (json as { raws?: unknown }).raws : undefined;
  if (!Array.isArray(raws) || raws.length === 0 || raws.length > MAX_BATCH) {
    throw new BadRequestError(`body must be {"raws": ["0x…", …]} with 1 to ${MAX_BATCH} signed transactions`);
  }
  return raws.map((raw, k) => {
    try {
      const tx = parseRawTransaction(raw, chainId);
      // The signer is recovered before anything is taken in, as for a single transaction.
      void tx.senderKey;
      return tx;
    } catch (err) {
      if (err instanceof OrdererError) throw new BadRequestError(`raws[${k}]: ${err.message}`, { cause: err });
      throw err;
    }
  });
}

/**
 * Takes the transactions in one after the other — each is admitted (nonce checked and reserved) before the next is
 * looked at, so one sender's consecutive nonces pass in one batch — then waits for all of them to be ordered. A
 * refusal answers for its own transaction only; a later transaction of the same sender is then refused for its nonce.
 */
export async function submitInOrder(handle: OrdererHandle, admission: Admission | null, txs: readonly ParsedTx[]): Promise<BatchItemResult[]> {
  const pending: Promise<BatchItemResult>[] = [];
  for (const tx of txs) {
    let admitted!: () => void;
    const taken = new Promise<void>((resolve) => (admitted = resolve));
    const result = (async () => {
      if (admission !== null) await admission.check(tx);
      return handle.submit(tx, admitted);
    })().then(
      (r): BatchItemResult => r,
      (err: unknown) => itemError(tx.hash, err),
    );
    pending.push(result);
    await Promise.race([taken, result]);
  }
  return Promise.all(pending);
}

/** A refusal as the single-transaction route would answer it, kept for its own item. */
function itemError(hash: string, err: unknown): BatchItemResult {
  if (err instanceof OrdererError) return { hash, code: err.status, ...err.body(), error: err.message };
  if (err instanceof NotLeaderError || err instanceof NoEligibleLeaderError || err instanceof ProposalDroppedError) {
    return { hash, code: 503, error: `${err.message}; resubmit` };
  }
  throw err;
}
