import { expect } from "chai";
import { JsonRpcProvider, type BaseWallet } from "ethers";
import { startHardhatNode, type DevNode } from "../../src/chain/devnode";
import { deployRegistryParties, regisCall, type RegistryParties } from "../chain/registry-fixture";
import { CHAIN_ID, InProcessCluster, getJson, post, waitFor } from "./harness";

/**
 * The paper's "only registered users" through a running cluster: the real DPLCRegistry deployed on a
 * real Hardhat node, each registration state met on every node (leader and followers alike).
 */
describe("node: admission against the deployed DPLCRegistry", function () {
  this.timeout(120_000);
  let chain: DevNode;
  let provider: JsonRpcProvider;
  let cluster: InProcessCluster;
  let parties: RegistryParties;
  let ids: string[];

  before(async function () {
    chain = await startHardhatNode();
    provider = new JsonRpcProvider(chain.url, Number(CHAIN_ID), { staticNetwork: true });
    parties = await deployRegistryParties(provider);
    cluster = new InProcessCluster(
      {
        roles: ["trading-centre", "trading-centre", "participant"],
        chain: { rpcUrl: chain.url },
        admission: { registry: parties.address, operators: [parties.operator.address] },
      },
      { deliverer: "n1" },
    );
    await cluster.startAll();
    await cluster.leader();
    ids = [...cluster.nodes.keys()];
  });

  after(async function () {
    await cluster?.stopAll();
    cluster?.cleanup();
    provider?.destroy();
    await chain?.stop();
  });

  /** Signed at the account's chain nonce (the registry's own transactions used some). */
  async function sign(w: BaseWallet, to: string, data = "0x"): Promise<string> {
    const nonce = await provider.getTransactionCount(w.address);
    return w.signTransaction({ type: 2, chainId: CHAIN_ID, nonce, to, data, gasLimit: 200_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n });
  }

  async function expectRefusedEverywhere(w: BaseWallet, raw: string): Promise<void> {
    for (const id of ids) {
      const res = await post(cluster.peerApi[id]!, raw);
      expect(res.status, `${id}`).to.equal(403);
      expect(res.body).to.deep.equal({ error: `sender ${w.address} is not an approved participant; register first` });
    }
  }

  describe("when the sender never applied", function () {
    it("refuses its transaction with 403 on every node", async function () {
      await expectRefusedEverywhere(parties.stranger, await sign(parties.stranger, parties.approved.address));
    });

    it("orders its Regis application, which the chain then runs", async function () {
      const applicant = parties.stranger.connect(provider);
      await (await parties.admin.connect(provider).sendTransaction({ to: applicant.address, value: 10n ** 18n })).wait();
      const raw = await sign(applicant, parties.address, regisCall());
      const res = await post(cluster.peerApi.n3!, raw);
      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal("ordered");
      await waitFor(async () => ((await getJson(`${cluster.peerApi.n2}/v1/transactions/${res.body.hash}`)).body.status === "applied" ? true : undefined), 30_000, "the application on chain");
      expect((await parties.registry.participant(applicant.address)).status).to.equal(1n); // Pending
    });
  });

  describe("when the sender applied", function () {
    it("refuses a pending applicant on every node", async function () {
      await expectRefusedEverywhere(parties.pending, await sign(parties.pending, parties.approved.address));
    });

    it("refuses a rejected applicant on every node", async function () {
      await expectRefusedEverywhere(parties.rejected, await sign(parties.rejected, parties.approved.address));
    });

    it("orders an approved participant's transaction through a follower", async function () {
      const leader = await cluster.leader();
      const follower = ids.find((id) => id !== leader)!;
      const res = await post(cluster.peerApi[follower]!, await sign(parties.approved, parties.pending.address));
      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal("ordered");
    });
  });

  describe("when the sender is a configured operator", function () {
    it("orders its transaction without a registration (the trading centre's review, say)", async function () {
      const res = await post(cluster.peerApi.n1!, await sign(parties.operator, parties.approved.address));
      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal("ordered");
    });
  });
});
