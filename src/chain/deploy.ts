import type { Signer } from "ethers";
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


/** Deploys token, registry, grid parameters, market and both pricing rules, and grants the operator roles. */
export async function deployMarketSystem(ops: OperatorSigners): Promise<MarketSystem> {
  const [admin, tc, dispatch, gridCo, cashier] = await Promise.all(
    [ops.admin, ops.tradingCentre, ops.dispatch, ops.gridCompany, ops.cashier].map((s) => s.getAddress()),
  );
  const token = await new DPLCToken__factory(ops.admin).deploy(admin, cashier);
  const registry = await new DPLCRegistry__factory(ops.admin).deploy(admin, tc);
  const grid = await new GridParameters__factory(ops.admin).deploy(admin, gridCo);
  const market = await new DPLCMarket__factory(ops.admin).deploy(
    await token.getAddress(),
    await registry.getAddress(),
    await grid.getAddress(),
    admin,
  );
  const surplus = await new SurplusSplitPricing__factory(ops.admin).deploy();
  const paper = await new PaperTablePricing__factory(ops.admin).deploy();
  for (const rule of [surplus, paper]) await (await market.setPricingRule(await rule.getAddress(), true)).wait();
  await (await market.grantRole(await market.TRADING_CENTRE_ROLE(), tc)).wait();
  await (await market.grantRole(await market.DISPATCH_ROLE(), dispatch)).wait();
  return { token, registry, grid, market, pricing: { "surplus-split": surplus, "paper-table": paper } };
}
