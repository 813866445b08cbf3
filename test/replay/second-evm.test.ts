import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { hardhat } from "../helpers/cli";

/**
 * The system on a second, independent EVM implementation (Foundry's Anvil, shipped in an npm package): Case A gives
 * exactly the same --out JSON as on Hardhat's in-process network, under both pricing rules.
 */
describe("Case A on Hardhat and on Anvil (--chain)", function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-evm-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const pricing of ["surplus-split", "paper-table"]) {
    it(`gives the same matches and totals under ${pricing} pricing`, async function () {
      const out = (evm: string) => path.join(dir, `${evm}-${pricing}.json`);
      const [onHardhat, onAnvil] = await Promise.all(
        ["hardhat", "anvil"].map((evm) => hardhat(["replay", "--direct", "--case", "A", "--pricing", pricing, "--chain", evm, "--out", out(evm)])),
      );
      expect([onHardhat!.code, onAnvil!.code, onAnvil!.stderr.includes("error")]).to.deep.equal([0, 0, false]);
      expect(onAnvil!.stdout).to.contain(`Case A — ${pricing} pricing — anvil`);
      const json = (evm: string) => JSON.parse(fs.readFileSync(out(evm), "utf8")) as { matches: unknown[]; ordering: { blocks: number } };
      expect(json("anvil").matches).to.have.length.greaterThan(0);
      // Everything but the chain blocks, whose count depends on how each EVM's automine groups concurrent senders.
      const { ordering: onAnvilOrdering, ...anvilResult } = json("anvil");
      const { ordering: onHardhatOrdering, ...hardhatResult } = json("hardhat");
      expect(anvilResult).to.deep.equal(hardhatResult);
      expect({ ...onAnvilOrdering, blocks: 0 }).to.deep.equal({ ...onHardhatOrdering, blocks: 0 });
    });
  }

  it("refuses an EVM it does not know, and --chain anvil together with --network", async function () {
    const bad = await hardhat(["replay", "--chain", "geth"]);
    expect([bad.code, bad.stderr]).to.deep.equal([1, 'error: --chain "geth": expected hardhat, anvil\n']);
    const both = await hardhat(["replay", "--direct", "--chain", "anvil", "--network", "localhost"]);
    expect([both.code, both.stderr]).to.deep.equal([1, "error: --chain anvil starts its own node; drop --network localhost\n"]);
    const ordered = await hardhat(["replay", "--chain", "anvil"]);
    expect([ordered.code, ordered.stderr]).to.deep.equal([1, "error: --chain anvil runs with --direct: the ordering service delivers to a Hardhat node\n"]);
  });
});
