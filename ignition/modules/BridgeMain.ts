import { buildModule } from "@nomicfoundation/ignition-core";

/**
 * The main chain's end of the bridge: its gateway, the token vault (DPLC ⇄ wrapped DPLC) and the settlement reporter
 * of a deployed market. Wired to the side chain by BridgeWiring once that is deployed (SideChain needs these
 * addresses, and these need the side chain's).
 */
export default buildModule("BridgeMain", (m) => {
  const admin = m.getParameter<string>("admin");
  const validators = m.getParameter<string[]>("validators");
  const threshold = m.getParameter<number>("threshold");
  const gateway = m.contract("BridgeGateway", [admin, validators, threshold]);
  const vault = m.contract("TokenVault", [m.getParameter<string>("token"), gateway, admin]);
  const reporter = m.contract("SettlementReporter", [m.getParameter<string>("market"), gateway, admin]);
  return { gateway, vault, reporter };
});
