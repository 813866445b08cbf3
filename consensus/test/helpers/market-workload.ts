import { ContractFactory, HDNodeWallet, Interface, Mnemonic, Transaction, Wallet, encodeBytes32String, getCreateAddress, id, type InterfaceAbi } from "ethers";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../src/chain/devnode";

const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
const CHAIN_ID = 31337n;
const FEES = { maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n } as const;

export const devWallet = (i: number): HDNodeWallet => HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`);

interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

function artifact(dir: string, name: string): Artifact {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "artifacts", "contracts", dir, `${name}.sol`, `${name}.json`), "utf8")) as Artifact;
}

/** A signed transaction, as ordered: its hash and raw bytes. */
export interface SignedTx {
  hash: string;
  raw: string;
}

/**
 * The market's own contracts at work, as signed transactions in rounds (each round one ordered block's worth): plain
 * transfers, the deployment of DPLCToken and DPLCRegistry, deposits and ERC-20 transfers, registrations and approvals,
 * one call that reverts (a receipt with status 0 and no logs) and one transaction the chain refuses (no funds).
 * Accounts 0 (admin, trading centre) and 1 (cashier) operate; 2..7 take part. Nonces are tracked here.
 */
export class MarketWorkload {
  private readonly nonces = new Map<string, number>();
  private readonly token: Artifact = artifact("token", "DPLCToken");
  private readonly registry: Artifact = artifact("registry", "DPLCRegistry");
  readonly admin = devWallet(0);
  readonly cashier = devWallet(1);
  readonly tokenAddress = getCreateAddress({ from: this.admin.address, nonce: 0 });
  readonly registryAddress = getCreateAddress({ from: this.admin.address, nonce: 1 });

  /** Round 1: the deployments and plain transfers. */
  async deploy(): Promise<SignedTx[]> {
    const token = new ContractFactory(this.token.abi, this.token.bytecode);
    const registry = new ContractFactory(this.registry.abi, this.registry.bytecode);
    return [
      await this.sign(this.admin, { ...(await token.getDeployTransaction(this.admin.address, this.cashier.address)), gasLimit: 5_000_000n }),
      await this.sign(this.admin, { ...(await registry.getDeployTransaction(this.admin.address, this.admin.address)), gasLimit: 5_000_000n }),
      ...(await Promise.all([2, 3, 4].map((i) => this.transfer(devWallet(i), devWallet(i + 10).address)))),
    ];
  }

  /** Round `k` (1, 2, …) after the deployments: deposits, token transfers, a registration and its approval, a revert. */
  async round(k: number): Promise<SignedTx[]> {
    const tok = new Interface(this.token.abi);
    const reg = new Interface(this.registry.abi);
    const holder = devWallet(2 + (k % 3));
    const joiner = devWallet(5 + (k % 3));
    const receipt = id(`receipt-${k}`);
    return [
      await this.call(this.cashier, this.tokenAddress, tok.encodeFunctionData("deposit", [holder.address, 1_000n + BigInt(k), receipt])),
      await this.call(holder, this.tokenAddress, tok.encodeFunctionData("transfer", [devWallet(8).address, 7n * BigInt(k)])),
      // The same receipt id again: DPLCTokenDuplicateReceipt, a reverted transaction every replica must record alike.
      await this.call(this.cashier, this.tokenAddress, tok.encodeFunctionData("deposit", [holder.address, 5n, receipt])),
      await this.call(joiner, this.registryAddress, reg.encodeFunctionData("Regis", [1 + (k % 3), encodeBytes32String(`region-${k}`), encodeBytes32String(`code-${k}`)])),
      await this.call(this.admin, this.registryAddress, reg.encodeFunctionData("approve", [joiner.address])),
      await this.transfer(devWallet(9), devWallet(10 + k).address),
    ];
  }

  /** A transfer from a fresh, empty account: every chain refuses it (insufficient funds). */
  async unfunded(): Promise<SignedTx> {
    return this.transfer(new Wallet(Wallet.createRandom().privateKey), this.admin.address);
  }

  /** A plain transfer of 0.001 ether. */
  transfer(from: Wallet | HDNodeWallet, to: string): Promise<SignedTx> {
    return this.sign(from, { to, value: 10n ** 15n, gasLimit: 21_000n });
  }

  private call(from: HDNodeWallet, to: string, data: string): Promise<SignedTx> {
    return this.sign(from, { to, data, gasLimit: 500_000n });
  }

  private async sign(from: Wallet | HDNodeWallet, tx: { to?: string | null; data?: string; value?: bigint; gasLimit: bigint }): Promise<SignedTx> {
    const nonce = this.nonces.get(from.address) ?? 0;
    this.nonces.set(from.address, nonce + 1);
    const raw = await from.signTransaction({ type: 2, chainId: CHAIN_ID, nonce, ...FEES, ...tx });
    return { hash: Transaction.from(raw).hash!.toLowerCase(), raw };
  }
}
