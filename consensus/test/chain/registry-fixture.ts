import { HDNodeWallet, Mnemonic, NonceManager, Wallet, encodeBytes32String, type Provider } from "ethers";
import { DPLCRegistry__factory, type DPLCRegistry } from "../../../typechain-types";

/** Hardhat's default accounts: funded on the in-process network and on every `hardhat node`. */
const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");

export function devWallet(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${index}`);
}

/** The registry's `Kind` enum. */
export const Kind = { Consumer: 1, Wind: 2, Thermal: 3 } as const;
export const REGION = encodeBytes32String("north");
export const CODE = encodeBytes32String("B1-2026");

export interface RegistryParties {
  registry: DPLCRegistry;
  address: string;
  admin: HDNodeWallet;
  tradingCentre: HDNodeWallet;
  /** Applied and approved. */
  approved: HDNodeWallet;
  /** Applied and rejected by the trading centre. */
  rejected: HDNodeWallet;
  /** Applied, not yet reviewed. */
  pending: HDNodeWallet;
  /** Admitted by configuration (a market operator), never registered. */
  operator: HDNodeWallet;
  /** Never applied: an unfunded random key. */
  stranger: Wallet;
}

/**
 * Deploys the real DPLCRegistry (compiled by Hardhat) through `provider` and puts one account in
 * each registration state by the registry's own functions.
 */
export async function deployRegistryParties(provider: Provider): Promise<RegistryParties> {
  const [admin, tradingCentre, approved, rejected, pending, operator] = [0, 1, 2, 3, 4, 5].map((i) => devWallet(i));
  const as = (w: HDNodeWallet): NonceManager => new NonceManager(w.connect(provider));
  const registry = await new DPLCRegistry__factory(as(admin!)).deploy(admin!.address, tradingCentre!.address);
  await registry.waitForDeployment();
  const address = await registry.getAddress();
  for (const w of [approved!, rejected!, pending!]) {
    await (await registry.connect(as(w)).Regis(Kind.Consumer, REGION, CODE)).wait();
  }
  const reviewer = registry.connect(as(tradingCentre!));
  await (await reviewer.approve(approved!.address)).wait();
  await (await reviewer.reject(rejected!.address, encodeBytes32String("missing-licence"))).wait();
  return {
    registry,
    address,
    admin: admin!,
    tradingCentre: tradingCentre!,
    approved: approved!,
    rejected: rejected!,
    pending: pending!,
    operator: operator!,
    stranger: new Wallet(Wallet.createRandom().privateKey),
  };
}

/** Calldata of `Regis(kind, REGION, CODE)`, encoded with the compiled contract's interface. */
export function regisCall(kind: number = Kind.Wind): string {
  return DPLCRegistry__factory.createInterface().encodeFunctionData("Regis", [kind, REGION, CODE]);
}
