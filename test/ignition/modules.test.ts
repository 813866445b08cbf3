import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { ethers, ignition } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { getCreateAddress } from "ethers";
import MarketModule from "../../ignition/modules/Market";
import { deployMarketSystem } from "../../src/chain/deploy";
import { OPERATOR_ACCOUNT, OPERATORS, ROLES, roleId, rolesMarkdown, type Operator } from "../../src/chain/roles";
import { marketAdmission } from "../../src/ordering/session";

/** Reads `hasRole` of any AccessControl contract. */
const ACCESS_CONTROL = ["function hasRole(bytes32 role, address account) view returns (bool)"];

async function operatorAddresses(): Promise<Record<Operator, string>> {
  const signers = await ethers.getSigners();
  return Object.fromEntries(OPERATORS.map((o) => [o, signers[OPERATOR_ACCOUNT[o]]!.address])) as Record<Operator, string>;
}

/** The Market module as the Hardhat Ignition plugin deploys it (`hre.ignition.deploy`), with the operator accounts. */
async function pluginMarketFixture() {
  const holders = await operatorAddresses();
  const deployed = await ignition.deploy(MarketModule, { parameters: { Market: { ...holders } } });
  const addresses: Record<string, string> = {
    DPLCToken: await deployed.token.getAddress(),
    DPLCRegistry: await deployed.registry.getAddress(),
    GridParameters: await deployed.grid.getAddress(),
    DPLCMarket: await deployed.market.getAddress(),
  };
  return { holders, addresses, deployed, market: deployed.market };
}

describe("deployment modules (ignition/modules) and the roles table (src/chain/roles)", function () {
  describe("when the Market module is deployed by the Ignition plugin", function () {
    it("grants every main-chain market role of the table to its holder, and no operator a role the table does not give it", async function () {
      const { holders, addresses } = await loadFixture(pluginMarketFixture);
      const rows = ROLES.filter((r) => r.chain === "main" && r.contract in addresses);
      expect(new Set(rows.map((r) => r.contract))).to.deep.equal(new Set(Object.keys(addresses)));
      for (const contract of Object.keys(addresses)) {
        const c = new ethers.Contract(addresses[contract]!, ACCESS_CONTROL, ethers.provider);
        for (const role of new Set(rows.filter((r) => r.contract === contract).map((r) => r.role))) {
          for (const o of OPERATORS) {
            const granted = rows.some((r) => r.contract === contract && r.role === role && r.holder === o);
            expect(await c.hasRole(roleId(role), holders[o]), `${contract} ${role} ${o}`).to.equal(granted);
          }
        }
      }
    });

    it("names each role by the id its contract defines", async function () {
      const { market } = await loadFixture(pluginMarketFixture);
      expect(await market.TRADING_CENTRE_ROLE()).to.equal(roleId("TRADING_CENTRE_ROLE"));
      expect(await market.DISPATCH_ROLE()).to.equal(roleId("DISPATCH_ROLE"));
      expect(await market.DEFAULT_ADMIN_ROLE()).to.equal(roleId("DEFAULT_ADMIN_ROLE"));
    });

    it("allows both pricing rules", async function () {
      const { deployed } = await loadFixture(pluginMarketFixture);
      expect(await deployed.market.isPricingRuleAllowed(await deployed.surplusSplit.getAddress())).to.equal(true);
      expect(await deployed.market.isPricingRuleAllowed(await deployed.paperTable.getAddress())).to.equal(true);
    });
  });

  describe("when deployMarketSystem deploys the same module on a fresh chain", function () {
    it("puts the registry at the admin's second creation, where the ordering service's admission expects it", async function () {
      const [admin, tradingCentre, dispatch, gridCompany, cashier] = await ethers.getSigners();
      const nonce = await ethers.provider.getTransactionCount(admin!.address);
      const sys = await deployMarketSystem({ admin: admin!, tradingCentre: tradingCentre!, dispatch: dispatch!, gridCompany: gridCompany!, cashier: cashier! });
      expect(await sys.token.getAddress()).to.equal(getCreateAddress({ from: admin!.address, nonce }));
      expect(await sys.registry.getAddress()).to.equal(getCreateAddress({ from: admin!.address, nonce: nonce + 1 }));
      expect(marketAdmission().registry).to.equal(getCreateAddress({ from: admin!.address, nonce: 1 }));
    });
  });

  it("is the table README's roles section shows", function () {
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    expect(readme).to.contain(rolesMarkdown());
  });
});
