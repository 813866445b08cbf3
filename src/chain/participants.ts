import { Wallet, id, encodeBytes32String, type Provider } from "ethers";

/** Registry kinds (IDPLCRegistry.Kind). */
export const KIND_CODE = { consumer: 1, wind: 2, thermal: 3 } as const;

/**
 * A deterministic account for a named participant of a replayed market. Keys derive from the name, so a replay on
 * any devnet gives each participant the same address; they are devnet keys, never for real funds.
 */
export function participantWallet(name: string, provider: Provider): Wallet {
  return new Wallet(id(`dplc:participant:${name}`), provider);
}

/** A region or registration code as the contracts store it. */
export function code32(text: string): string {
  return encodeBytes32String(text);
}
