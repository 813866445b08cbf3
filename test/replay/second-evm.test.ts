import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { hardhat } from "../helpers/cli";

/**
 * The system on a second, independent EVM implementation (Foundry's Anvil, shipped in an npm package): Case A gives
 * exactly the same --out JSON as on Hardhat's in-process network, under both pricing rules, and the same matches and
 * totals through the ordering service whether its replicas run on Hardhat or on Anvil.
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

  describe("when ordered: every replica of the replay's 3-node ordering service on Hardhat, then on Anvil", function () {
    it("gives the same matches and totals, and the same transactions through the cluster", async function () {
      const out = (evm: string) => path.join(dir, `ordered-${evm}.json`);
      // One after the other: each run starts three orderer processes and three chain nodes on two cores.
      for (const evm of ["hardhat", "anvil"]) {
        const run = await hardhat(["replay", "--case", "A", "--chain", evm, "--out", out(evm)]);
        expect(run.code, run.stderr).to.equal(0);
        if (evm === "anvil") expect(run.stdout).to.contain("Case A — surplus-split pricing — 3-node ordering service, anvil replicas");
      }
      type Ordered = { matches: unknown[]; ordering: { mode: string; nodes: number; transactions: number; replicas: { head: { number: number } }[] } };
      const json = (evm: string) => JSON.parse(fs.readFileSync(out(evm), "utf8")) as Ordered;
      const { ordering: onAnvil, ...anvilResult } = json("anvil");
      const { ordering: onHardhat, ...hardhatResult } = json("hardhat");
      expect(anvilResult.matches).to.have.length.greaterThan(0);
      expect(anvilResult).to.deep.equal(hardhatResult);
      // How the leader cut blocks depends on timing, and block hashes on the EVM; the transactions ordered do not.
      const shape = (o: Ordered["ordering"]) => ({ mode: o.mode, nodes: o.nodes, transactions: o.transactions, replicas: o.replicas.length });
      expect(shape(onAnvil)).to.deep.equal({ ...shape(onHardhat), mode: "raft", nodes: 3, replicas: 3 });
    });
  });

  describe("when Case B runs ordered: the main chain's replicas on Hardhat, then on Anvil, the side chain on the same EVM", function () {
    it("gives the same matches, certificates, bridge figures and totals, and the same transactions through the cluster", async function () {
      const out = (evm: string) => path.join(dir, `case-b-${evm}.json`);
      for (const evm of ["hardhat", "anvil"]) {
        const run = await hardhat(["replay", "--case", "B", "--cert-price", "300", "--chain", evm, "--out", out(evm)]);
        expect(run.code, run.stderr).to.equal(0);
      }
      type Ordered = { certificates: unknown; ordering: { mode: string; transactions: number; replicas: unknown[] } };
      // One certificate price: one result object (a sweep writes a list).
      const json = (evm: string) => JSON.parse(fs.readFileSync(out(evm), "utf8")) as Ordered;
      const { ordering: anvilOrdering, ...anvilResult } = json("anvil");
      const { ordering: hardhatOrdering, ...hardhatResult } = json("hardhat");
      expect(anvilResult.certificates).to.not.equal(undefined);
      expect(anvilResult).to.deep.equal(hardhatResult);
      const shape = (o: Ordered["ordering"]) => ({ mode: o.mode, transactions: o.transactions, replicas: o.replicas.length });
      expect(shape(anvilOrdering)).to.deep.equal({ ...shape(hardhatOrdering), mode: "raft", replicas: 3 });
    });
  });

  it("refuses an EVM it does not know, and --chain anvil together with --network", async function () {
    const bad = await hardhat(["replay", "--chain", "geth"]);
    expect([bad.code, bad.stderr]).to.deep.equal([1, 'error: --chain "geth": expected hardhat, anvil\n']);
    const both = await hardhat(["replay", "--direct", "--chain", "anvil", "--network", "localhost"]);
    expect([both.code, both.stderr]).to.deep.equal([1, "error: --chain anvil starts its own node; drop --network localhost\n"]);
    const remote = await hardhat(["replay", "--chain", "anvil", "--orderer", "http://127.0.0.1:1", "--chain-url", "http://127.0.0.1:2"]);
    expect([remote.code, remote.stderr]).to.deep.equal([
      1,
      "error: --chain anvil chooses the replicas of a cluster started for the replay; a running service's members chose theirs: drop it with --orderer\n",
    ]);
  });
});
