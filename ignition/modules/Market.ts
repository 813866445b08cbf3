import { buildModule } from "@nomicfoundation/ignition-core";
import { grantFromTable } from "../grants";

/**
 * The main chain's market: settlement token, registry, grid parameters, the Matching library, market and both pricing
 * rules (allowed), with the operator roles of the roles table. Parameters: the operators' addresses (`admin` …
 * `cashier`); the deployment is sent by `admin`.
 *
 * The registry must be the admin's second contract creation (nonce 1, after the token): an ordering service in front
 * of a fresh chain admits senders against its address, fixed before anything is deployed (src/ordering/session.ts).
 */
export default buildModule("Market", (m) => {
  const admin = m.getParameter<string>("admin");
  const tradingCentre = m.getParameter<string>("tradingCentre");
  const dispatch = m.getParameter<string>("dispatch");
  const gridCompany = m.getParameter<string>("gridCompany");
  const cashier = m.getParameter<string>("cashier");
  const token = m.contract("DPLCToken", [admin, cashier]);
  const registry = m.contract("DPLCRegistry", [admin, tradingCentre], { after: [token] });
  const grid = m.contract("GridParameters", [admin, gridCompany], { after: [registry] });
  const surplusSplit = m.contract("SurplusSplitPricing", [], { after: [registry] });
  const paperTable = m.contract("PaperTablePricing", [], { after: [registry] });
  // Matching is an external library (the market's code would outgrow EIP-170's limit with it), linked at deployment.
  const matching = m.library("Matching", { after: [registry] });
  const market = m.contract("DPLCMarket", [token, registry, grid, admin], { libraries: { Matching: matching } });
  m.call(market, "setPricingRule", [surplusSplit, true], { id: "allowSurplusSplit" });
  m.call(market, "setPricingRule", [paperTable, true], { id: "allowPaperTable" });
  grantFromTable(m, "main", "DPLCMarket", market, { admin, tradingCentre, dispatch, gridCompany, cashier });
  return { token, registry, grid, market, surplusSplit, paperTable };
});
