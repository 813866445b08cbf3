import { expect } from "chai";
import path from "node:path";
import pino from "pino";
import { AbiCoder, type JsonRpcProvider, type Wallet } from "ethers";
import { BridgeGateway__factory, MockBridgeReceiver__factory, type BridgeGateway } from "../../typechain-types";
import { parseRelayerConfig } from "../../relayer/config";
import { startRelayerDaemon, type RelayerDaemon } from "../../relayer/daemon";
import { ACCOUNT, devnetKey, devnetProvider, devnetWallet } from "../../src/devnet/accounts";
import { SIDE_CHAIN_ID } from "../../src/devnet/pair";
import { startDevnet, type Devnet } from "../../src/devnet/node";
import { freePort } from "../../src/devnet/ports";
import { writeValidatorSet } from "../../src/devnet/validators";
import { startOrderingCluster, type OrderingCluster } from "../../src/ordering/cluster";
import { settledReplicas } from "../../src/ordering/replicas";
import { bridgedMarketAdmission, chainProvider, openOrderedChain, type MarketChain } from "../../src/ordering/session";
import { OrdererApi } from "../../src/submitters";
import type { ValidatorDaemon } from "../../validator/daemon";
import { startValidators, tempDir, THRESHOLD, waitFor } from "./helpers";

const MAIN_CHAIN_ID = 31337;

/** A gateway and an acknowledging receiver on the ordered main chain, deployed and wired through the cluster. */
async function deployMainThroughCluster(chain: MarketChain, provider: JsonRpcProvider) {
  const admin = chain.operators.admin as Wallet;
  const validators = ACCOUNT.validators.map((i) => devnetWallet(i).address);
  const deploy = async (tx: Awaited<ReturnType<BridgeGateway__factory["getDeployTransaction"]>>) =>
    (await (await chain.submitter.submit(admin, tx)).wait()).contractAddress!;
  const gateway = BridgeGateway__factory.connect(await deploy(await new BridgeGateway__factory(admin).getDeployTransaction(admin.address, validators, THRESHOLD)), provider);
  const receiver = await deploy(await new MockBridgeReceiver__factory(admin).getDeployTransaction());
  return { admin, gateway, receiver: MockBridgeReceiver__factory.connect(receiver, provider) };
}

describe("relayer delivering to a main chain behind the ordering service (config `ordering.main`)", function () {
  this.timeout(300_000);
  let cluster: OrderingCluster;
  let chain: MarketChain;
  let side: Devnet;
  let mainProvider: JsonRpcProvider;
  let sideProvider: JsonRpcProvider;
  let validators: ValidatorDaemon[] = [];
  let relayer: RelayerDaemon | undefined;

  before(async function () {
    // The relayer signs without registering, as Case B's and the demo's clusters admit it.
    cluster = await startOrderingCluster({ nodes: 3, pool: 2, admission: bridgedMarketAdmission() });
    chain = await openOrderedChain({ urls: cluster.urls, chainUrl: cluster.chainUrl });
    side = await startDevnet({ name: "side", chainId: SIDE_CHAIN_ID });
    mainProvider = chainProvider(cluster.chainUrl, MAIN_CHAIN_ID);
    sideProvider = devnetProvider(side.url, side.chainId);
  });

  after(async function () {
    await relayer?.stop();
    await Promise.all(validators.map((v) => v.stop()));
    mainProvider?.destroy();
    sideProvider?.destroy();
    await side?.stop();
    await chain?.stop();
    await cluster?.stop();
  });

  describe("when messages go from the side chain to the main chain", function () {
    it("posts every delivery to the cluster, so each member's replica applies it and all agree", async function () {
      const main = await deployMainThroughCluster(chain, mainProvider);
      const sideAdmin = devnetWallet(ACCOUNT.admin, sideProvider);
      const sideGateway: BridgeGateway = await new BridgeGateway__factory(sideAdmin).deploy(sideAdmin.address, ACCOUNT.validators.map((i) => devnetWallet(i).address), THRESHOLD);
      await sideGateway.waitForDeployment();
      await (await sideGateway.grantRole(await sideGateway.SENDER_ROLE(), sideAdmin.address)).wait();
      await (await sideGateway.setRemoteGateway(MAIN_CHAIN_ID, await main.gateway.getAddress())).wait();
      const wire = await main.gateway.connect(main.admin).setRemoteGateway.populateTransaction(side.chainId, await sideGateway.getAddress());
      await (await chain.submitter.submit(main.admin, wire)).wait();

      const dir = tempDir("relayer-ordered");
      const chains = {
        main: { rpcUrl: cluster.chainUrl, chainId: MAIN_CHAIN_ID, gateway: await main.gateway.getAddress(), startBlock: 0 },
        side: { rpcUrl: side.url, chainId: side.chainId, gateway: await sideGateway.getAddress(), startBlock: 0 },
      };
      // Confirmations 0 on main: nothing here adds blocks on top of the last ordered one (no main → side traffic).
      const files = await writeValidatorSet({ dir: path.join(dir, "validators"), ...chains, confirmations: 0, pollIntervalMs: 100, logLevel: "silent" });
      validators = await startValidators(files);
      const config = parseRelayerConfig({
        ...chains,
        confirmations: 0,
        pollIntervalMs: 100,
        validators: files.endpoints,
        threshold: THRESHOLD,
        submitterKey: devnetKey(ACCOUNT.relayer),
        checkpointFile: path.join(dir, "checkpoint.json"),
        ordering: { main: [...cluster.urls] },
        http: { host: "127.0.0.1", port: await freePort() },
      });
      relayer = await startRelayerDaemon(config, { logger: pino({ level: "silent" }) });

      for (let i = 0; i < 3; i++) {
        await (await sideGateway.send(MAIN_CHAIN_ID, await main.receiver.getAddress(), AbiCoder.defaultAbiCoder().encode(["uint256"], [i]))).wait();
      }
      await waitFor("three deliveries on the main chain", async () => (await main.receiver.received()) === 3n, 120_000);

      const executed = await main.gateway.queryFilter(main.gateway.filters.BridgeMessageExecuted(side.chainId), 0, "latest");
      expect(executed.map((e) => e.args.nonce)).to.deep.equal([1n, 2n, 3n]);
      const api = new OrdererApi({ urls: cluster.urls });
      for (const e of executed) {
        const found = await api.lookupEverywhere(e.transactionHash);
        expect(found?.status, `${e.transactionHash} is known to the ordering service`).to.equal("applied");
      }
      const heads = await settledReplicas(cluster.urls);
      expect(new Set(heads.map((h) => h.head.hash)).size).to.equal(1);
      for (const url of cluster.chainUrls) {
        const replica = chainProvider(url, MAIN_CHAIN_ID);
        const receipts = await Promise.all(executed.map((e) => replica.getTransactionReceipt(e.transactionHash)));
        replica.destroy();
        expect(receipts.map((r) => r?.status), url).to.deep.equal([1, 1, 1]);
      }
      expect(await mainProvider.getTransactionCount(devnetWallet(ACCOUNT.relayer).address)).to.equal(3);
    });
  });
});
