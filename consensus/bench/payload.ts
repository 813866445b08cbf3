import { Wallet, decodeRlp, encodeRlp, toBeHex } from "ethers";

/**
 * 200-byte signed raw EIP-1559 transactions, a unique nonce each. Signing every one with pure-JS
 * secp256k1 costs ~2 ms, more than the orderer spends ordering it, so each client signs one template
 * and re-encodes it with successive nonces: the bytes are structurally valid signed transactions
 * (the orderer, with no registry configured, does not recover senders), unique per request, 200 bytes.
 */
export class TxFactory {
  private readonly templates: string[][] = [];

  static async create(clients: number, chainId = 31337n): Promise<TxFactory> {
    const f = new TxFactory();
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    for (let c = 0; c < clients; c++) {
      const raw = await wallet.signTransaction({
        type: 2,
        chainId,
        nonce: 0,
        to: wallet.address,
        value: 1n,
        gasLimit: 60_000n,
        maxFeePerGas: 100_000_000_000n,
        maxPriorityFeePerGas: 1n,
        data: "0x" + c.toString(16).padStart(8, "0") + "ab".repeat(77),
      });
      f.templates.push(decodeRlp("0x" + raw.slice(4)) as string[]);
    }
    return f;
  }

  raw(client: number, seq: number): string {
    const fields = [...this.templates[client % this.templates.length]!];
    fields[1] = toBeHex(seq + 1 + Math.floor(client / this.templates.length) * 1_000_000_000);
    return "0x02" + encodeRlp(fields).slice(2);
  }
}

/** A 200-byte etcd value (base64 in the JSON gateway), unique key per request. */
export function etcdPut(client: number, seq: number, value: string): string {
  const key = Buffer.from(`bench/${client}/${seq}`).toString("base64");
  return JSON.stringify({ key, value });
}
