import { Transaction } from "ethers";
import { ecdsaRecover } from "secp256k1";
import { InvalidTransactionError } from "./errors";
import { checksumAddress, keccak256 } from "./keccak";
import { decodeRlpItem, type RlpItem } from "./rlp";

/** What the orderer needs to know about a signed raw EVM transaction. */
export interface ParsedTx {
  /** The transaction hash (keccak of the signed serialization), lower-case 0x hex. */
  readonly hash: string;
  /**
   * Recovered sender, checksummed. Recovered on first use; throws InvalidTransactionError (HTTP 400)
   * when the signature recovers no key (e.g. r is not the x-coordinate of a curve point).
   */
  readonly sender: string;
  /**
   * The same sender in lower case, the form the order keys senders by: reading it recovers the signer (and throws
   * as `sender` does) without computing the checksum, a keccak that only answers shown to people need.
   */
  readonly senderKey: string;
  readonly nonce: number;
  readonly chainId: bigint;
  /** Recipient, lower-case 0x hex (no checksum: that costs a keccak per transaction), or null for contract creation. */
  readonly to: string | null;
  /** Call data, 0x hex. */
  readonly data: string;
  /** The raw signed serialization, lower-case 0x hex, as it goes to the chain. */
  readonly raw: string;
}

const HEX = /^0x[0-9a-fA-F]*$/;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Parses a signed raw transaction and checks it is meant for `expectedChainId`.
 * Throws InvalidTransactionError (HTTP 400) with a message naming the problem.
 *
 * EIP-1559 (type 2) transactions, what our clients send, take a lean path: RLP decode, field and
 * signature-range checks, keccak of the bytes — about a tenth of ethers' full parse, and no public-key
 * recovery until someone asks for the sender (then libsecp256k1's, about forty times faster than
 * ethers' pure-JS recovery). Every other type goes through ethers' `Transaction`.
 */
export function parseRawTransaction(raw: unknown, expectedChainId: bigint): ParsedTx {
  if (typeof raw !== "string" || raw.length === 0) {
    throw new InvalidTransactionError('"raw" must be a 0x-prefixed hex string of a signed transaction');
  }
  if (!HEX.test(raw) || raw.length % 2 !== 0 || raw.length < 4) {
    throw new InvalidTransactionError('"raw" is not even-length 0x-prefixed hex');
  }
  const lower = raw.toLowerCase();
  const parsed = lower.startsWith("0x02") ? parseEip1559(lower) : parseWithEthers(lower);
  // Legacy pre-EIP-155 transactions carry no chain id and could be replayed on any chain.
  if (parsed.chainId !== expectedChainId) {
    throw new InvalidTransactionError(
      `wrong chain id ${parsed.chainId.toString()}: this orderer serves chain id ${expectedChainId.toString()}`,
    );
  }
  return parsed;
}

class LazySenderTx implements ParsedTx {
  private recovered: string | null = null;
  private checksummed: string | null = null;

  constructor(
    readonly hash: string,
    readonly nonce: number,
    readonly chainId: bigint,
    readonly to: string | null,
    readonly data: string,
    readonly raw: string,
    /** The sender in lower case, or how to recover it when first asked. */
    private readonly source: string | (() => string),
  ) {}

  get senderKey(): string {
    if (this.recovered === null) {
      try {
        this.recovered = typeof this.source === "string" ? this.source : this.source();
      } catch (err) {
        throw new InvalidTransactionError(`invalid signature: ${shortReason(err)}`, { cause: err });
      }
    }
    return this.recovered;
  }

  get sender(): string {
    this.checksummed ??= checksumAddress(this.senderKey);
    return this.checksummed;
  }
}

/**
 * The signer of an EIP-1559 transaction, lower case: keccak of 0x02 ‖ rlp(the nine unsigned fields), recovered
 * natively. Every hash here is the native keccak's (`keccak.ts`): ethers' pure-JS keccak was 13 % of a loaded
 * leader's CPU, as much as the recovery itself.
 */
function recoverEip1559(bytes: Buffer, yParity: number, r: Buffer, s: Buffer): string {
  const digest = keccak256(signingPayload(bytes));
  const sig = Buffer.alloc(64);
  r.copy(sig, 32 - r.length);
  s.copy(sig, 64 - s.length);
  const pub = ecdsaRecover(sig, yParity, digest, false);
  return "0x" + keccak256(Buffer.from(pub.buffer, pub.byteOffset + 1, 64)).toString("hex", 12);
}

/**
 * What the sender signed: 0x02 || rlp([the first nine fields]), cut from the signed bytes rather than re-encoded
 * from decoded fields. Measured: on a loaded leader, RLP re-encoding to hex and parsing it back cost about 4 % of
 * the CPU beside the recovery itself (BENCHMARKS.md, "Today: the orderer is behind etcd"). `bytes` was decoded
 * already, so every length below is known to be in range.
 */
function signingPayload(bytes: Buffer): Buffer {
  const list = 1;
  const start = rlpContentStart(bytes, list);
  let end = start;
  for (let i = 0; i < 9; i++) end = rlpItemEnd(bytes, end);
  const len = end - start;
  const header = len < 56 ? Buffer.from([0xc0 + len]) : lengthHeader(0xf7, len);
  return Buffer.concat([bytes.subarray(0, 1), header, bytes.subarray(start, end)]);
}

/** The offset of the content of the RLP item at `at` (after its header). */
function rlpContentStart(b: Buffer, at: number): number {
  const x = b[at]!;
  if (x < 0x80) return at;
  if (x < 0xb8) return at + 1;
  if (x < 0xc0) return at + 1 + (x - 0xb7);
  if (x < 0xf8) return at + 1;
  return at + 1 + (x - 0xf7);
}

/** The offset just past the RLP item at `at`, header included. */
function rlpItemEnd(b: Buffer, at: number): number {
  const x = b[at]!;
  if (x < 0x80) return at + 1;
  if (x < 0xb8) return at + 1 + (x - 0x80);
  if (x < 0xc0) return at + 1 + (x - 0xb7) + b.readUIntBE(at + 1, x - 0xb7);
  if (x < 0xf8) return at + 1 + (x - 0xc0);
  return at + 1 + (x - 0xf7) + b.readUIntBE(at + 1, x - 0xf7);
}

/** A long RLP header: `base` + the length's byte count, then the length big-endian. */
function lengthHeader(base: number, len: number): Buffer {
  let n = 0;
  for (let v = len; v > 0; v = Math.floor(v / 256)) n++;
  const h = Buffer.alloc(1 + n);
  h[0] = base + n;
  h.writeUIntBE(len, 1, n);
  return h;
}

/** [chainId, nonce, maxPriorityFee, maxFee, gasLimit, to, value, data, accessList, yParity, r, s] */
function parseEip1559(raw: string): ParsedTx {
  // Bytes once, natively, and fields as views into them: ethers' hex parsing and RLP decoding
  // dominated the CPU and allocation profiles of a loaded leader.
  const bytes = Buffer.from(raw.slice(2), "hex");
  let item: RlpItem;
  try {
    item = decodeRlpItem(bytes.subarray(1));
  } catch (err) {
    throw new InvalidTransactionError(`malformed transaction: ${shortReason(err)}`, { cause: err });
  }
  if (!Array.isArray(item) || (item.length !== 12 && item.length !== 9)) {
    throw new InvalidTransactionError("malformed transaction: an EIP-1559 transaction has 12 fields");
  }
  if (item.length === 9) throw new InvalidTransactionError("transaction is not signed");
  const f = item;
  const [to, data] = [f[5]!, f[7]!];
  if (Array.isArray(to) || (to.length !== 0 && to.length !== 20) || Array.isArray(data) || !Array.isArray(f[8])) {
    throw new InvalidTransactionError("malformed transaction: bad recipient, data or access list");
  }
  const chainId = scalar(f, 0, "chain id");
  const nonce = scalar(f, 1, "nonce");
  for (const [i, what] of [[2, "priority fee"], [3, "max fee"], [6, "value"]] as const) scalar(f, i, what);
  const keys = (f[8] as RlpItem[]).reduce<number>((n, e) => n + (Array.isArray(e) && Array.isArray(e[1]) ? e[1].length : 0), 0);
  requireIntrinsicGas(scalar(f, 4, "gas limit"), data, to.length === 0, (f[8] as RlpItem[]).length, keys);
  const yParity = scalar(f, 9, "y parity");
  const r = scalar(f, 10, "signature r");
  const s = scalar(f, 11, "signature s");
  if (yParity > 1n || r === 0n || r >= SECP256K1_N || s === 0n || s > SECP256K1_N / 2n) {
    throw new InvalidTransactionError("transaction is not validly signed (signature out of range)");
  }
  if (nonce > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidTransactionError("malformed transaction: nonce too large");
  const recipient = to.length === 0 ? null : "0x" + to.toString("hex");
  const recover = (): string => recoverEip1559(bytes, Number(yParity), f[10] as Buffer, f[11] as Buffer);
  return new LazySenderTx("0x" + keccak256(bytes).toString("hex"), Number(nonce), chainId, recipient, "0x" + data.toString("hex"), raw, recover);
}

/** An RLP integer field: a byte string of at most 32 bytes without leading zeros. */
function scalar(f: RlpItem[], i: number, what: string): bigint {
  const v = f[i]!;
  if (Array.isArray(v) || v.length > 32 || (v.length > 0 && v[0] === 0)) {
    throw new InvalidTransactionError(`malformed transaction: bad ${what}`);
  }
  return v.length === 0 ? 0n : BigInt("0x" + v.toString("hex"));
}

/**
 * The gas every transaction pays before running (Cancun rules: base, creation and init-code words,
 * calldata bytes, access list). Every chain refuses a transaction whose gas limit is below it, so it
 * is a 400 here rather than an acknowledged transaction the chain then refuses. Prague's calldata
 * floor (EIP-7623) is left to the chain: a Cancun chain (Anvil's `--hardfork cancun`) takes less.
 */
function requireIntrinsicGas(gasLimit: bigint, data: Uint8Array, create: boolean, addresses: number, keys: number): void {
  let zeros = 0;
  for (const b of data) if (b === 0) zeros++;
  let need = 21_000 + zeros * 4 + (data.length - zeros) * 16 + addresses * 2_400 + keys * 1_900;
  if (create) need += 32_000 + 2 * Math.ceil(data.length / 32);
  if (gasLimit < BigInt(need)) {
    throw new InvalidTransactionError(`intrinsic gas too low: gas limit ${gasLimit} is below the ${need} the transaction needs`);
  }
}

function parseWithEthers(raw: string): ParsedTx {
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
  const list = tx.accessList ?? [];
  const keys = list.reduce((n, e) => n + e.storageKeys.length, 0);
  requireIntrinsicGas(tx.gasLimit, Buffer.from(tx.data.slice(2), "hex"), tx.to === null, list.length, keys);
  return new LazySenderTx(tx.hash.toLowerCase(), tx.nonce, tx.chainId, tx.to?.toLowerCase() ?? null, tx.data, raw, sender.toLowerCase());
}

function shortReason(err: unknown): string {
  const e = err as { shortMessage?: unknown; message?: unknown };
  if (typeof e.shortMessage === "string") return e.shortMessage;
  return typeof e.message === "string" ? e.message.split("\n")[0] ?? "unknown error" : String(err);
}
