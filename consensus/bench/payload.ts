import { Wallet } from "ethers";

/** Nonces are 7 bytes with a leading 0x01 (canonical RLP, below 2^53): fixed width, patched in place. */
const NONCE_LEAD = 0x01;
const NONCE_ITEM = Buffer.from([0x87, NONCE_LEAD, 0, 0, 0, 0, 0, 0]);
/** Payload padding that makes every transaction exactly 200 bytes. */
const DATA_PAD_BYTES = 80;

/**
 * 200-byte signed raw EIP-1559 transactions, each unique for the whole benchmark (not just one run:
 * a repeated transaction would be answered from the orderer's ledger without consensus). Signing every
 * one with pure-JS secp256k1 costs ~2 ms, more than the orderer spends ordering it, so each client
 * signs one template and only its fixed-width nonce is rewritten per request (about 1 µs, where
 * re-encoding the RLP cost 25 µs of the load generator's CPU, which shares the machine with the
 * cluster). The bytes are structurally valid signed transactions, but the signature no longer
 * matches them: each recovers to a different, random sender, so every transaction is a new sender's
 * first (accepted as given: the benchmark's cluster has no chain to read nonces from). The orderer
 * still pays for the recovery it does for every submission.
 */
export class TxFactory {
  private readonly templates: Buffer[] = [];
  private nonceAt = 0;
  private readonly issued = new Map<number, number>();

  static async create(clients: number, chainId = 31337n): Promise<TxFactory> {
    const f = new TxFactory();
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    for (let c = 0; c < clients; c++) {
      const raw = await wallet.signTransaction({
        type: 2,
        chainId,
        nonce: 2 ** 48,
        to: wallet.address,
        value: 1n,
        gasLimit: 60_000n,
        maxFeePerGas: 100_000_000_000n,
        maxPriorityFeePerGas: 1n,
        data: "0x" + c.toString(16).padStart(8, "0") + "ab".repeat(DATA_PAD_BYTES),
      });
      const bytes = Buffer.from(raw.slice(2), "hex");
      // The nonce is the second list item, right after the chain id: its encoding is the first match.
      f.nonceAt = bytes.indexOf(NONCE_ITEM) + 2;
      if (f.nonceAt < 2 || f.nonceAt > 12) throw new Error("nonce not found in the template transaction");
      f.templates.push(bytes);
    }
    return f;
  }

  /** The next transaction of `client`, never issued before by this factory (up to 2^16 clients, 2^32 each). */
  next(client: number): string {
    const n = this.issued.get(client) ?? 0;
    this.issued.set(client, n + 1);
    const bytes = this.templates[client % this.templates.length]!;
    bytes.writeUIntBE(client * 2 ** 32 + n, this.nonceAt, 6);
    return "0x" + bytes.toString("hex");
  }
}

/** A 200-byte etcd value (base64 in the JSON gateway), unique key per request. */
export function etcdPut(client: number, seq: number, value: string): string {
  const key = Buffer.from(`bench/${client}/${seq}`).toString("base64");
  return JSON.stringify({ key, value });
}
