import { expect } from "chai";
import { ContractFactory, HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager, Wallet, encodeBytes32String } from "ethers";
import { REGIS_SELECTOR } from "../../src/chain/admission";
import { startHardhatNode, type DevNode } from "../../src/chain/devnode";
import { compileTestRegistry } from "../chain/solidity";
import { CHAIN_ID, InProcessCluster, post } from "./harness";


const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");

describe("node: admission of registered users through the configured registry", function () {
  this.timeout(120_000);
  let chain: DevNode;
  let cluster: InProcessCluster;
  let registry: string;
  const approved = new Wallet(Wallet.createRandom().privateKey);
  const stranger = new Wallet(Wallet.createRandom().privateKey);

  before(async function () {
    chain = await startHardhatNode();
    const provider = new JsonRpcProvider(chain.url, Number(CHAIN_ID), { staticNetwork: true });
    const deployer = new NonceManager(HDNodeWallet.fromMnemonic(MNEMONIC, "m/44'/60'/0'/0/0").connect(provider));
    const { abi, bytecode } = compileTestRegistry();
    const contract = await new ContractFactory(abi, bytecode, deployer).deploy();
    await contract.waitForDeployment();
    registry = await contract.getAddress();
    await (await contract.getFunction("approve")(approved.address)).wait();
    provider.destroy();
    cluster = new InProcessCluster({
      roles: ["trading-centre", "trading-centre", "participant"],
      chain: { rpcUrl: chain.url },
      marketAddress: registry,
    });
    await cluster.startAll();
    await cluster.leader();
  });

  after(async function () {
    await cluster?.stopAll();
    cluster?.cleanup();
    await chain?.stop();
  });

  const sign = (w: Wallet, to: string, data = "0x"): Promise<string> =>
    w.signTransaction({ type: 2, chainId: CHAIN_ID, nonce: 0, to, data, gasLimit: 100_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n });

  it("orders an approved participant's transaction through any node", async function () {
    const res = await post(cluster.peerApi.n3!, await sign(approved, stranger.address));
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal("ordered");
  });

  it("refuses an unregistered sender with 403", async function () {
    const res = await post(cluster.peerApi.n2!, await sign(stranger, approved.address));
    expect(res.status).to.equal(403);
    expect(res.body.error).to.contain(stranger.address);
  });

  it("orders an unregistered sender's registration application (Regis)", async function () {
    const data = REGIS_SELECTOR + "00".repeat(31) + "02" + encodeBytes32String("north").slice(2) + encodeBytes32String("c9").slice(2);
    const res = await post(cluster.peerApi.n1!, await sign(stranger, registry, data));
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal("ordered");
  });
});
