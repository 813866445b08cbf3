import type { Signer } from "ethers";
import MarketModule from "../../ignition/modules/Market";
import { deployModule } from "./ignition";
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


/** Deploys token, registry, grid parameters, market and both pricing rules with the operator roles (the Ignition
 * module ignition/modules/Market.ts). Every transaction, creations included, is signed by the admin and goes through
 * `submitter`. */
export async function deployMarketSystem(ops: OperatorSigners, submitter: Submitter = directSubmitter): Promise<MarketSystem> {
  const [admin, tradingCentre, dispatch, gridCompany, cashier] = await Promise.all(
    [ops.admin, ops.tradingCentre, ops.dispatch, ops.gridCompany, ops.cashier].map((s) => s.getAddress()),
  );
  const a = await deployModule(MarketModule, { signers: [ops.admin], submitter, parameters: { admin, tradingCentre, dispatch, gridCompany, cashier } });
  return {
    token: DPLCToken__factory.connect(a.token, ops.admin),
    registry: DPLCRegistry__factory.connect(a.registry, ops.admin),
    grid: GridParameters__factory.connect(a.grid, ops.admin),
    market: DPLCMarket__factory.connect(a.market, ops.admin),
    pricing: {
      "surplus-split": SurplusSplitPricing__factory.connect(a.surplusSplit, ops.admin),
      "paper-table": PaperTablePricing__factory.connect(a.paperTable, ops.admin),
    },
  };
}
