import { buildModule } from "@nomicfoundation/ignition-core";
import { grantFromTable } from "../grants";

/**
 * The green-certificate side chain: its gateway, wrapped DPLC, the green certificate and its market, wired to the
 * main chain's gateway, vault and reporter (deployed by BridgeMain) with the roles of the roles table.
 */
export default buildModule("SideChain", (m) => {
  const admin = m.getParameter<string>("admin");
  const mainChainId = m.getParameter<number>("mainChainId");
  const gateway = m.contract("BridgeGateway", [admin, m.getParameter<string[]>("validators"), m.getParameter<number>("threshold")]);
  const wrapped = m.contract("WrappedDPLC", [gateway, admin]);
  const certificate = m.contract("GreenCertificate", [gateway, admin, m.getParameter<bigint>("obligationBps"), m.getParameter<string>("uri")]);
  const certificateMarket = m.contract("CertificateMarket", [certificate, wrapped]);
  m.call(gateway, "setRemoteGateway", [mainChainId, m.getParameter<string>("mainGateway")]);
  grantFromTable(m, "side", "BridgeGateway", gateway, { WrappedDPLC: wrapped });
  m.call(gateway, "setMintLimit", [m.getParameter<bigint>("mintLimit"), m.getParameter<bigint>("mintPeriodSeconds")]);
  m.call(wrapped, "setPeer", [mainChainId, m.getParameter<string>("vault")]);
  m.call(certificate, "setPeer", [mainChainId, m.getParameter<string>("reporter")]);
  return { gateway, wrapped, certificate, certificateMarket };
});
