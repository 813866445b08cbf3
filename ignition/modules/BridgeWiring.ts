import { buildModule } from "@nomicfoundation/ignition-core";
import { grantFromTable } from "../grants";

/**
 * Wires the main chain's bridge (BridgeMain) to a deployed side chain (SideChain): the remote gateway, the roles of
 * the roles table, the mint limit, and the vault's and reporter's peers.
 */
export default buildModule("BridgeWiring", (m) => {
  const sideChainId = m.getParameter<number>("sideChainId");
  const gateway = m.contractAt("BridgeGateway", m.getParameter<string>("gateway"));
  const vault = m.contractAt("TokenVault", m.getParameter<string>("vault"));
  const reporter = m.contractAt("SettlementReporter", m.getParameter<string>("reporter"));
  m.call(gateway, "setRemoteGateway", [sideChainId, m.getParameter<string>("sideGateway")]);
  grantFromTable(m, "main", "BridgeGateway", gateway, { TokenVault: vault, SettlementReporter: reporter });
  m.call(gateway, "setMintLimit", [m.getParameter<bigint>("mintLimit"), m.getParameter<bigint>("mintPeriodSeconds")]);
  m.call(vault, "setPeer", [sideChainId, m.getParameter<string>("wrapped")]);
  m.call(reporter, "setPeer", [sideChainId, m.getParameter<string>("certificate")]);
  return { gateway, vault, reporter };
});
