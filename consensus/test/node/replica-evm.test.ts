import { expect } from "chai";
import { HDNodeWallet } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as genesis from "../../chain/replica-genesis";
import { freePort, REPO_ROOT, type DevNode } from "../../src/chain/devnode";
import { JsonRpcClient } from "../../src/chain/rpc";
import { replicaAccounts, startReplicaEvm } from "../../src/node/replica-evm";
import { freshModule } from "../helpers/fresh-module";

/** The `--init` genesis file an Anvil replica was started with. */
const initFile = (node: DevNode): string => node.child.spawnargs[node.child.spawnargs.indexOf("--init") + 1]!;

/** What every replica must hold: the chain id, the genesis time, and the funded accounts. */
async function expectReplicaGenesis(node: DevNode): Promise<void> {
  const rpc = new JsonRpcClient(node.url);
  expect(Number(BigInt(await rpc.call<string>("eth_chainId")))).to.equal(genesis.CHAIN_ID);
  const block0 = await rpc.call<{ timestamp: string }>("eth_getBlockByNumber", ["0x0", false]);
  expect(Number(BigInt(block0.timestamp))).to.equal(Date.parse(genesis.GENESIS_DATE) / 1000);
  for (const account of [replicaAccounts()[0]!, replicaAccounts()[genesis.ACCOUNTS - 1]!]) {
    expect(BigInt(await rpc.call<string>("eth_getBalance", [account, "latest"]))).to.equal(genesis.ACCOUNT_BALANCE);
  }
}

/** The replicas' chain nodes as real processes: Anvil from a genesis file written for it, Hardhat as our replica host. */
describe("node/replica-evm: a replica's chain node, started from the replicas' one genesis", function () {
  this.timeout(120_000);
  let node: DevNode | undefined;
  afterEach(async function () {
    await node?.stop();
    node = undefined;
  });

  it("funds the mnemonic's first accounts, derived once, and names the replica host's script", function () {
    // A fresh instance of the module: its accounts are cached in module state, which an earlier test (or an earlier
    // run of the suite in the same process, as under mutation testing) has filled already; derive them now.
    const mod = freshModule<typeof import("../../src/node/replica-evm")>(require.resolve("../../src/node/replica-evm"));
    const fresh = mod.replicaAccounts;
    const accounts = fresh();
    const root = HDNodeWallet.fromPhrase(genesis.MNEMONIC, undefined, "m/44'/60'/0'/0");
    expect(accounts).to.have.length(genesis.ACCOUNTS);
    expect(accounts[0]).to.equal(root.deriveChild(0).address);
    expect(accounts[genesis.ACCOUNTS - 1]).to.equal(root.deriveChild(genesis.ACCOUNTS - 1).address);
    expect(fresh()).to.equal(accounts);
    expect(replicaAccounts()).to.deep.equal(accounts);
    // The script a Hardhat replica runs, as this instance names it (module state too: computed at load).
    expect(fs.statSync(mod.REPLICA_HOST).isFile()).to.equal(true);
    expect(path.relative(REPO_ROOT, mod.REPLICA_HOST)).to.equal(path.join("consensus", "chain", "replica-host.js"));
  });

  describe("when it is Anvil", function () {
    it("listens on the port asked for, holds the genesis, and removes its genesis file on stop", async function () {
      const port = await freePort();
      node = await startReplicaEvm({ evm: "anvil", port });
      expect([node.port, node.url]).to.deep.equal([port, `http://127.0.0.1:${port}`]);
      expect(await new JsonRpcClient(node.url).call<string>("web3_clientVersion")).to.match(/^anvil\//);
      await expectReplicaGenesis(node);
      const file = initFile(node);
      expect(path.dirname(file)).to.match(new RegExp(`^${os.tmpdir()}/dplc-anvil-replica-`));
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).to.deep.equal(JSON.parse(JSON.stringify(genesis.anvilGenesis(replicaAccounts()))));
      await node.stop();
      expect(fs.existsSync(path.dirname(file)), "the genesis file's directory is removed").to.equal(false);
      await node.stop();
      node = undefined;
    });

    it("takes a free port when none is asked for", async function () {
      node = await startReplicaEvm({ evm: "anvil" });
      expect(node.port).to.be.above(0);
      expect(await new JsonRpcClient(node.url).call<string>("eth_chainId")).to.equal("0x" + genesis.CHAIN_ID.toString(16));
    });

    it("removes its genesis file when the chain node does not answer in time", async function () {
      // A temporary directory of its own (os.tmpdir() reads TMPDIR): other runs on the machine start Anvil replicas too.
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-replica-evm-test-"));
      const saved = process.env.TMPDIR;
      process.env.TMPDIR = tmp;
      try {
        await expect(startReplicaEvm({ evm: "anvil", timeoutMs: 1 })).to.be.rejectedWith(/anvil on port \d+ did not answer in time/);
      } finally {
        if (saved === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = saved;
      }
      expect(fs.readdirSync(tmp)).to.deep.equal([]);
      fs.rmdirSync(tmp);
    });
  });

  describe("when it is Hardhat", function () {
    it("runs our replica host on the port asked for, holding the genesis", async function () {
      const port = await freePort();
      node = await startReplicaEvm({ evm: "hardhat", port });
      expect(node.port).to.equal(port);
      expect(await new JsonRpcClient(node.url).call<string>("web3_clientVersion")).to.match(/dplc-replica-host\/2/);
      await expectReplicaGenesis(node);
    });

    it("takes a free port when none is asked for, and fails when the host does not answer in time", async function () {
      node = await startReplicaEvm({ evm: "hardhat" });
      expect(node.port).to.be.above(0);
      await expect(startReplicaEvm({ evm: "hardhat", timeoutMs: 1 })).to.be.rejectedWith(/replica host on port \d+ did not answer in time/);
    });
  });
});
