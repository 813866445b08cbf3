import { ZeroHash, id } from "ethers";

/**
 * The one table of AccessControl roles: every role of every contract the deployment creates, on which chain, who
 * holds it, and whether the contract's constructor grants it or the deployment module does (`grantRole`). The Ignition
 * modules (ignition/modules) grant the `module` rows from this table; README's roles section is rendered from it and a
 * test checks both against the deployed contracts.
 */

/** The operator accounts, by role in the market (their keys: `OPERATOR_ACCOUNT`). */
export type Operator = "admin" | "tradingCentre" | "dispatch" | "gridCompany" | "cashier";

/** Contracts of the deployment that hold a role themselves. */
export type ContractHolder = "TokenVault" | "SettlementReporter" | "WrappedDPLC" | "BridgeGateway";

export type Chain = "main" | "side";

export interface RoleGrant {
  readonly chain: Chain;
  readonly contract: string;
  readonly role: string;
  readonly holder: Operator | ContractHolder;
  /** `constructor`: the contract grants it when deployed (its constructor takes the holder); `module`: a `grantRole`
   * call of the deployment module. */
  readonly by: "constructor" | "module";
  /** What the role lets its holder do (for the docs). */
  readonly purpose: string;
}

/** Which default devnet account (Hardhat's mnemonic) signs for each operator, on both chains. */
export const OPERATOR_ACCOUNT: Readonly<Record<Operator, number>> = { admin: 0, tradingCentre: 1, dispatch: 2, gridCompany: 3, cashier: 4 };

export const OPERATORS: readonly Operator[] = ["admin", "tradingCentre", "dispatch", "gridCompany", "cashier"];

const admin = (chain: Chain, contract: string): RoleGrant => ({
  chain,
  contract,
  role: "DEFAULT_ADMIN_ROLE",
  holder: "admin",
  by: "constructor",
  purpose: "grants and revokes the contract's roles, its admin settings",
});

const gateway = (chain: Chain, pegged: "TokenVault" | "WrappedDPLC"): RoleGrant[] => [
  admin(chain, "BridgeGateway"),
  { chain, contract: "BridgeGateway", role: "PAUSER_ROLE", holder: "admin", by: "constructor", purpose: "pauses the gateway" },
  { chain, contract: "BridgeGateway", role: "GOVERNOR_ROLE", holder: "BridgeGateway", by: "constructor", purpose: "validator set, threshold, remote gateway: by a quorum of validators" },
  { chain, contract: "BridgeGateway", role: "SENDER_ROLE", holder: pegged, by: "module", purpose: "sends bridge messages" },
  { chain, contract: "BridgeGateway", role: "PEG_ROLE", holder: pegged, by: "module", purpose: "moves the peg within the mint limit" },
];

export const ROLES: readonly RoleGrant[] = [
  admin("main", "DPLCToken"),
  { chain: "main", contract: "DPLCToken", role: "CASHIER_ROLE", holder: "cashier", by: "constructor", purpose: "mints tokens against attested RMB deposits" },
  admin("main", "DPLCRegistry"),
  { chain: "main", contract: "DPLCRegistry", role: "TRADING_CENTRE_ROLE", holder: "tradingCentre", by: "constructor", purpose: "approves, rejects and revokes participants, sets green quotas" },
  admin("main", "GridParameters"),
  { chain: "main", contract: "GridParameters", role: "GRID_ROLE", holder: "gridCompany", by: "constructor", purpose: "sets corridors: loss rate, transmission price, capacity" },
  admin("main", "DPLCMarket"),
  { chain: "main", contract: "DPLCMarket", role: "TRADING_CENTRE_ROLE", holder: "tradingCentre", by: "module", purpose: "opens and cancels rounds" },
  { chain: "main", contract: "DPLCMarket", role: "DISPATCH_ROLE", holder: "dispatch", by: "module", purpose: "approves matching or curtails trades (security check)" },
  ...gateway("main", "TokenVault"),
  { chain: "main", contract: "BridgeGateway", role: "SENDER_ROLE", holder: "SettlementReporter", by: "module", purpose: "sends settlement reports" },
  admin("main", "TokenVault"),
  admin("main", "SettlementReporter"),
  ...gateway("side", "WrappedDPLC"),
  admin("side", "WrappedDPLC"),
  admin("side", "GreenCertificate"),
];

/** The bytes32 id of a role, as the contracts define it (`keccak256("NAME")`, the admin role 0). */
export function roleId(role: string): string {
  return role === "DEFAULT_ADMIN_ROLE" ? ZeroHash : id(role);
}

/** The rows a deployment module grants for `contract` on `chain`. */
export function moduleGrants(chain: Chain, contract: string): RoleGrant[] {
  return ROLES.filter((r) => r.chain === chain && r.contract === contract && r.by === "module");
}

/** The table as Markdown (README's roles section). */
export function rolesMarkdown(): string {
  const holder = (r: RoleGrant) =>
    r.holder in OPERATOR_ACCOUNT ? `${r.holder} (account ${OPERATOR_ACCOUNT[r.holder as Operator]})` : `the ${r.holder} contract`;
  const rows = ROLES.map((r) => `| ${r.chain} | ${r.contract} | \`${r.role}\` | ${holder(r)} | ${r.by} | ${r.purpose} |`);
  return ["| chain | contract | role | holder | granted by | lets it |", "| --- | --- | --- | --- | --- | --- |", ...rows].join("\n");
}
