import { Wallet, id, encodeBytes32String, type Provider } from "ethers";
import type { MarketOrder } from "../data";
import type { MarketSystem } from "./deploy";
import { setBalance, type DevnetRpc } from "./devnet";
import type { Signer } from "ethers";

/** Registry kinds (IDPLCRegistry.Kind). */
export const KIND_CODE = { consumer: 1, wind: 2, thermal: 3 } as const;

const GAS_MONEY = 10n ** 24n;

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

/**
 * Funds, registers (`Regis`) and approves every participant. Applications are sent together and mined together;
 * approvals likewise, so a large market registers in a few blocks.
 */
export async function registerParticipants(
  sys: MarketSystem,
  tradingCentre: Signer,
  rpc: DevnetRpc,
  orders: readonly MarketOrder[],
  wallets: ReadonlyMap<string, Wallet>,
): Promise<void> {
  for (const o of orders) await setBalance(rpc, wallets.get(o.name)!.address, GAS_MONEY);
  const applied = await Promise.all(
    orders.map((o) =>
      sys.registry.connect(wallets.get(o.name)!).Regis(KIND_CODE[o.kind], code32(o.region), code32(o.name)),
    ),
  );
  await Promise.all(applied.map((tx) => tx.wait()));
  const tc = sys.registry.connect(tradingCentre);
  let nonce = await tradingCentre.getNonce();
  const approvals = [];
  for (const o of orders) approvals.push(await tc.approve(wallets.get(o.name)!.address, { nonce: nonce++ }));
  await Promise.all(approvals.map((tx) => tx.wait()));
}
