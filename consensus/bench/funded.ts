/**
 * The `--replicas` payload of bench:consensus (issue 13): transactions a real chain executes. Each client is its own
 * sender, funded from a genesis account through the orderer before the first cell, sending consecutive nonces from 0;
 * every transaction is correctly signed, so the orderer's nonce gate (which reads a new sender's nonce from the
 * replica) and every replica accept it. The default payload (payload.ts) cannot serve here: its rewritten nonce makes
 * each transaction a random sender's with a nonce near 2^48, which a node with a replica refuses as a nonce gap.
 *
 * Signing is the load generator's cost, and the load generator shares the machine with the cluster and with etcd's
 * run, whose requests need no signature. So transactions are signed ahead of each cell (`presign`), outside the
 * measured window, with libsecp256k1 and the native keccak over a fixed RLP template: about 45 µs each, where ethers'
 * `signTransaction` took about 2 ms and ethers' encoder with the native signer about 90 µs (measured here).
 */
import { HDNodeWallet, Wallet } from "ethers";
import { ecdsaSign } from "secp256k1";
import { keccak256 } from "../src/chain/keccak";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const genesis = require("../chain/replica-genesis") as { CHAIN_ID: number; MNEMONIC: string };

/** EIP-1559's transaction type byte. */
const TYPE_1559 = 0x02;
/** Calldata that makes a client's transaction 200 bytes, as the default payload's are. */
const DATA_BYTES = 92;
/** 21,000 plus 16 gas per non-zero calldata byte (1,472), rounded up. */
const GAS_LIMIT = 30_000;
/** The replicas' genesis base fee is 0 and blocks stay under the gas target, so any fee cap clears it. */
const MAX_FEE = 1_000_000_000;
const MAX_PRIORITY_FEE = 1;
/** What each client gets from the genesis account: far more than its transactions' fees and values. */
const FUNDING_WEI = 10n ** 18n;
/** The batch route's limit per request. */
const BATCH_LIMIT = 256;
/**
 * Signatures made ahead of a cell: the most the cell can use at this rate (a closed-loop client is bounded by its
 * round trip, the cluster by its throughput); what a cell leaves unused carries over to the next.
 */
const PRESIGN_PER_CLIENT_PER_S = 1_500;
const PRESIGN_TOTAL_PER_S = 10_000;

// --- RLP, for the few shapes this template needs (a list of byte strings and one empty list) ---

function bigEndian(n: bigint): Buffer {
  if (n === 0n) return Buffer.alloc(0);
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : "0" + hex, "hex");
}

function lengthPrefix(len: number, short: number, long: number): Buffer {
  if (len <= 55) return Buffer.from([short + len]);
  const l = bigEndian(BigInt(len));
  return Buffer.concat([Buffer.from([long + l.length]), l]);
}

function rlpBytes(b: Buffer): Buffer {
  if (b.length === 1 && b[0]! < 0x80) return b;
  return Buffer.concat([lengthPrefix(b.length, 0x80, 0xb7), b]);
}

const rlpUint = (n: bigint | number): Buffer => rlpBytes(bigEndian(BigInt(n)));
const rlpList = (body: Buffer): Buffer => Buffer.concat([lengthPrefix(body.length, 0xc0, 0xf7), body]);
/** A 32-byte signature scalar as an RLP integer (leading zeros dropped). */
const rlpScalar = (b: Uint8Array): Buffer => rlpUint(BigInt("0x" + Buffer.from(b).toString("hex")));

/** The fields after the nonce: fees, gas, recipient, value, calldata and an empty access list (RLP's empty list). */
function txTail(to: string, value: bigint, data: Buffer): Buffer {
  const fields = [rlpUint(MAX_PRIORITY_FEE), rlpUint(MAX_FEE), rlpUint(GAS_LIMIT), rlpBytes(Buffer.from(to.slice(2), "hex")), rlpUint(value), rlpBytes(data)];
  return Buffer.concat([...fields, Buffer.from([0xc0])]);
}

const CHAIN_ID_RLP = rlpUint(genesis.CHAIN_ID);

/** One sender: its key and next nonce. */
class Sender {
  readonly address: string;
  private readonly key: Buffer;
  private nonce = 0;

  constructor(privateKey: string) {
    this.key = Buffer.from(privateKey.slice(2), "hex");
    this.address = new Wallet(privateKey).address;
  }

  /** The signed raw EIP-1559 transaction with the next nonce and the fields `tail` holds. */
  sign(tail: Buffer): string {
    const body = Buffer.concat([CHAIN_ID_RLP, rlpUint(this.nonce++), tail]);
    const hash = keccak256(Buffer.concat([Buffer.from([TYPE_1559]), rlpList(body)]));
    const { signature, recid } = ecdsaSign(hash, this.key);
    const signed = Buffer.concat([body, rlpUint(recid), rlpScalar(signature.subarray(0, 32)), rlpScalar(signature.subarray(32))]);
    return "0x" + Buffer.concat([Buffer.from([TYPE_1559]), rlpList(signed)]).toString("hex");
  }
}

/** A client: its own sender, the same transfer each time, and its transactions signed ahead, in nonce order. */
class Client {
  private readonly ready: string[] = [];
  private readyAt = 0;

  constructor(
    readonly sender: Sender,
    private readonly tail: Buffer,
  ) {}

  /** Signs until `count` transactions wait. */
  presign(count: number): void {
    if (this.readyAt === this.ready.length) [this.ready.length, this.readyAt] = [0, 0];
    while (this.ready.length - this.readyAt < count) this.ready.push(this.sender.sign(this.tail));
  }

  /** The next transaction: signed ahead when one is left, else now. */
  next(): { raw: string; presigned: boolean } {
    if (this.readyAt < this.ready.length) return { raw: this.ready[this.readyAt++]!, presigned: true };
    return { raw: this.sender.sign(this.tail), presigned: false };
  }
}

/** Funded senders with consecutive nonces, one per client. */
export class FundedTxFactory {
  /** Transactions that had to be signed during a cell (none when `presign` sized the cell right). */
  signedDuringLoad = 0;

  private constructor(
    private readonly clients: Client[],
    private readonly funder: Sender,
  ) {}

  /** `clients` new senders (random keys), to be funded by the replicas' first genesis account. */
  static create(clients: number): FundedTxFactory {
    const account = (i: number): HDNodeWallet => HDNodeWallet.fromPhrase(genesis.MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
    const tail = txTail(account(1).address, 1n, Buffer.alloc(DATA_BYTES, 0xab));
    const list = Array.from({ length: clients }, () => new Client(new Sender(Wallet.createRandom().privateKey), tail));
    return new FundedTxFactory(list, new Sender(account(0).privateKey));
  }

  get addresses(): string[] {
    return this.clients.map((c) => c.sender.address);
  }

  /**
   * Funds every sender with one ordered transfer from the genesis account, through `apiUrl`'s batch route (the
   * account must be unused on this cluster: its nonces start at 0), so each transfer is ordered before any of its
   * recipient's own transactions.
   */
  async fund(apiUrl: string): Promise<void> {
    const raws = this.clients.map((c) => this.funder.sign(txTail(c.sender.address, FUNDING_WEI, Buffer.alloc(0))));
    for (let i = 0; i < raws.length; i += BATCH_LIMIT) {
      const res = await fetch(`${apiUrl}/v1/transactions/batch`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ raws: raws.slice(i, i + BATCH_LIMIT) }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as { results?: { status?: string }[] };
      const refused = (body.results ?? []).find((r) => r.status !== "ordered" && r.status !== "applied");
      if (res.status !== 200 || refused !== undefined) throw new Error(`funding the benchmark's senders failed: ${res.status} ${JSON.stringify(refused ?? body)}`);
    }
  }

  /** Signs ahead what a cell of `clients` clients can use in `seconds` (warm-up included). */
  presign(clients: number, seconds: number): void {
    const rate = Math.min(PRESIGN_PER_CLIENT_PER_S * clients, PRESIGN_TOTAL_PER_S);
    const perClient = Math.ceil((rate * seconds) / clients);
    for (const c of this.clients.slice(0, clients)) c.presign(perClient);
  }

  /** Client `client`'s next transaction (its sender's next nonce). */
  next(client: number): string {
    const { raw, presigned } = this.clients[client]!.next();
    if (!presigned) this.signedDuringLoad++;
    return raw;
  }
}
