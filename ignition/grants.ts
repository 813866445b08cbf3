import type { ArgumentType, CallableContractFuture, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { moduleGrants, roleId, type Chain } from "../src/chain/roles";

/**
 * Adds a `grantRole` call for every row of the roles table (src/chain/roles.ts) that the deployment module grants on
 * `contract`, to the holder named in the row. A holder the table names but `holders` lacks is a mistake in the module.
 */
export function grantFromTable(
  m: IgnitionModuleBuilder,
  chain: Chain,
  contract: string,
  future: CallableContractFuture<string>,
  holders: Readonly<Record<string, ArgumentType>>,
): void {
  for (const r of moduleGrants(chain, contract)) {
    const holder = holders[r.holder];
    if (holder === undefined) throw new Error(`roles table: ${chain} ${contract} ${r.role} goes to ${r.holder}, which the module does not have`);
    m.call(future, "grantRole", [roleId(r.role), holder], { id: `${contract}_${r.role}_${r.holder}` });
  }
}
