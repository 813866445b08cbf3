import { expect } from "chai";
import { JsonRpcProvider, type BaseWallet } from "ethers";
import type { DevNode } from "../../src/chain/devnode";
import { deployRegistryParties, regisCall, type RegistryParties } from "../chain/registry-fixture";
import { CHAIN_ID, InProcessCluster, getJson, post, startChains, stopChains, waitFor } from "./harness";

/**
 * The paper's "only registered users" through a running cluster: the real DPLCRegistry deployed on
 * every node's replica (the same transactions on each, before the cluster starts), each registration
 * state met on every node (leader and followers alike).
 */
describe("node: admission against the deployed DPLCRegistry", function () {
  this.timeout(120_000);
  let chains: DevNode[];
  let provider: JsonRpcProvider;
  let cluster: InProcessCluster;
  let parties: RegistryParties;
  let ids: string[];

  before(async function () {
    // Automining chains: the registry is deployed before the replicas' appliers take them over.
    chains = await startChains(3, false);
    const providers = chains.map((c) => new JsonRpcProvider(c.url, Number(CHAIN_ID), { staticNetwork: true }));
    const deployed = await Promise.all(providers.map((p) => deployRegistryParties(p)));
    for (const p of providers.slice(1)) p.destroy();
    provider = providers[0]!;
    parties = deployed[0]!;
    expect(deployed.map((d) => d.address)).to.deep.equal(deployed.map(() => parties.address));
    cluster = new InProcessCluster({
      roles: ["trading-centre", "trading-centre", "participant"],
      chains: chains.map((c) => c.url),
      admission: { registry: parties.address, operators: [parties.operator.address] },
    });
    await cluster.startAll();
    await cluster.leader();
    ids = [...cluster.nodes.keys()];
  });

  after(async function () {
    await cluster?.stopAll();
    cluster?.cleanup();
    provider?.destroy();
    await stopChains(chains);
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

  async function appliedEverywhere(hash: string): Promise<void> {
    for (const id of ids) {
      await waitFor(async () => ((await getJson(`${cluster.peerApi[id]}/v1/transactions/${hash}`)).body.status === "applied" ? true : undefined), 30_000, `${hash} on ${id}'s replica`);
    }
  }

  describe("when the sender never applied", function () {
    it("refuses its transaction with 403 on every node", async function () {
      await expectRefusedEverywhere(parties.stranger, await sign(parties.stranger, parties.approved.address));
    });

    it("orders its Regis application, which the chain then runs", async function () {
      const applicant = parties.stranger.connect(provider);
      // Gas money through the cluster (an operator's transfer), so every replica has it.
      const nonce = await provider.getTransactionCount(parties.operator.address);
      const fund = await parties.operator.signTransaction({ type: 2, chainId: CHAIN_ID, nonce, to: applicant.address, value: 10n ** 18n, gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n });
      await appliedEverywhere((await post(cluster.peerApi.n1!, fund)).body.hash as string);
      const raw = await sign(applicant, parties.address, regisCall());
      const res = await post(cluster.peerApi.n3!, raw);
      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal("ordered");
      await appliedEverywhere(res.body.hash as string);
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
