import { Transaction } from "ethers";
import { InvalidTransactionError } from "./errors";

/** What the orderer needs to know about a signed raw EVM transaction. */
export interface ParsedTx {
  /** The transaction hash (keccak of the signed serialization), lower-case 0x hex. */
  hash: string;
  /** Recovered sender, checksummed. */
  sender: string;
  nonce: number;
  chainId: bigint;
  /** Recipient, checksummed, or null for contract creation. */
  to: string | null;
  /** Call data, 0x hex. */
  data: string;
  /** The raw signed serialization, lower-case 0x hex, as it goes to the chain. */
  raw: string;
}

const HEX = /^0x[0-9a-fA-F]*$/;

/**
 * Parses a signed raw transaction and checks it is meant for `expectedChainId`.
 * Throws InvalidTransactionError (HTTP 400) with a message naming the problem.
 */
export function parseRawTransaction(raw: unknown, expectedChainId: bigint): ParsedTx {
  if (typeof raw !== "string" || raw.length === 0) {
    throw new InvalidTransactionError('"raw" must be a 0x-prefixed hex string of a signed transaction');
  }
  if (!HEX.test(raw) || raw.length % 2 !== 0 || raw.length < 4) {
    throw new InvalidTransactionError('"raw" is not even-length 0x-prefixed hex');
  }
  let tx: Transaction;
  let sender: string | null;
  try {
    tx = Transaction.from(raw);
    // Recovery happens lazily in the getter and throws on an invalid signature point.
    sender = tx.signature === null ? null : tx.from;
  } catch (err) {
    throw new InvalidTransactionError(`malformed transaction: ${shortReason(err)}`, { cause: err });
  }
  if (sender === null || tx.hash === null) {
    throw new InvalidTransactionError("transaction is not signed");
  }
  // Legacy pre-EIP-155 transactions carry no chain id and could be replayed on any chain.
  if (tx.chainId !== expectedChainId) {
    throw new InvalidTransactionError(
      `wrong chain id ${tx.chainId.toString()}: this orderer serves chain id ${expectedChainId.toString()}`,
    );
  }
  return {
    hash: tx.hash.toLowerCase(),
    sender,
    nonce: tx.nonce,
    chainId: tx.chainId,
    to: tx.to,
    data: tx.data,
    raw: raw.toLowerCase(),
  };
}

function shortReason(err: unknown): string {
  const e = err as { shortMessage?: unknown; message?: unknown };
  if (typeof e.shortMessage === "string") return e.shortMessage;
  return typeof e.message === "string" ? e.message.split("\n")[0] ?? "unknown error" : String(err);
}
