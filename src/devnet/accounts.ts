import { OPERATOR_ACCOUNT } from "../chain/roles";
import { HDNodeWallet, JsonRpcProvider, Network, Wallet, type Provider } from "ethers";

/** Hardhat's default devnet mnemonic: every `hardhat node` funds its first 20 accounts. Devnet keys only. */
export const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

/** Who uses which default account on the devnets (0–4 are the market's operator roles, as in the tasks: the roles
 * table's `OPERATOR_ACCOUNT`). */
export const ACCOUNT = {
  ...OPERATOR_ACCOUNT,
  /** Sends bridge reports and moves tokens for the replay. */
  keeper: 5,
  validators: [10, 11, 12],
  /** Pays gas for the relayer's deliveries on both chains. */
  relayer: 13,
} as const;

/** The private key of default account `index`. */
export function devnetKey(index: number): string {
  return HDNodeWallet.fromPhrase(DEVNET_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey;
}

export function devnetWallet(index: number, provider?: Provider): Wallet {
  return new Wallet(devnetKey(index), provider);
}

/** A provider for a devnet: fixed chain id (no detection loop), no response cache, fast receipt polling. */
export function devnetProvider(url: string, chainId: number): JsonRpcProvider {
  const p = new JsonRpcProvider(url, undefined, { staticNetwork: Network.from(chainId), cacheTimeout: -1 });
  p.pollingInterval = 100;
  return p;
}
