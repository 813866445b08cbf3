import type { ContractDeployTransaction, Signer } from "ethers";
import { directSubmitter, type Submitter } from "../submitters";
import {
  DPLCToken__factory,
  DPLCRegistry__factory,
  GridParameters__factory,
  DPLCMarket__factory,
  SurplusSplitPricing__factory,
  PaperTablePricing__factory,
  type DPLCToken,
  type DPLCRegistry,
  type GridParameters,
  type DPLCMarket,
  type SurplusSplitPricing,
  type PaperTablePricing,
} from "../../typechain-types";

/** A corridor capacity of `type(uint64).max` means unlimited (IGridParameters.setPair). */
export const UNLIMITED_MWH = 2n ** 64n - 1n;

/** The accounts that run a market: one each for the operator roles. */
export interface OperatorSigners {
  admin: Signer;
  tradingCentre: Signer;
  dispatch: Signer;
  gridCompany: Signer;
  cashier: Signer;
}

/** A deployed main-chain market. */
export interface MarketSystem {
  token: DPLCToken;
  registry: DPLCRegistry;
  grid: GridParameters;
  market: DPLCMarket;
  pricing: { "surplus-split": SurplusSplitPricing; "paper-table": PaperTablePricing };
}


/** Deploys token, registry, grid parameters, market and both pricing rules, and grants the operator roles. Every
 * transaction, creations included, goes through `submitter` signed by the admin. */
export async function deployMarketSystem(ops: OperatorSigners, submitter: Submitter = directSubmitter): Promise<MarketSystem> {
  const [admin, tc, dispatch, gridCo, cashier] = await Promise.all(
    [ops.admin, ops.tradingCentre, ops.dispatch, ops.gridCompany, ops.cashier].map((s) => s.getAddress()),
  );
  const create = async (deployment: Promise<ContractDeployTransaction>): Promise<string> => {
    const receipt = await (await submitter.submit(ops.admin, await deployment)).wait();
    return receipt.contractAddress!;
  };
  const token = DPLCToken__factory.connect(await create(new DPLCToken__factory().getDeployTransaction(admin, cashier)), ops.admin);
  const registry = DPLCRegistry__factory.connect(await create(new DPLCRegistry__factory().getDeployTransaction(admin, tc)), ops.admin);
  const grid = GridParameters__factory.connect(await create(new GridParameters__factory().getDeployTransaction(admin, gridCo)), ops.admin);
  const marketAddress = await create(new DPLCMarket__factory().getDeployTransaction(await token.getAddress(), await registry.getAddress(), await grid.getAddress(), admin));
  const market = DPLCMarket__factory.connect(marketAddress, ops.admin);
  const surplus = SurplusSplitPricing__factory.connect(await create(new SurplusSplitPricing__factory().getDeployTransaction()), ops.admin);
  const paper = PaperTablePricing__factory.connect(await create(new PaperTablePricing__factory().getDeployTransaction()), ops.admin);
  const grant = async (role: Promise<string>, to: string) =>
    (await submitter.submit(ops.admin, await market.grantRole.populateTransaction(await role, to))).wait();
  for (const rule of [surplus, paper]) {
    await (await submitter.submit(ops.admin, await market.setPricingRule.populateTransaction(await rule.getAddress(), true))).wait();
  }
  await grant(market.TRADING_CENTRE_ROLE(), tc);
  await grant(market.DISPATCH_ROLE(), dispatch);
  return { token, registry, grid, market, pricing: { "surplus-split": surplus, "paper-table": paper } };
}
