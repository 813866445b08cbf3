import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { attachBridge, DeploymentError, loadDeployment, saveDeployment, type Deployment } from "../../src/ops/deployment";
import { devnetRelayerConfig } from "../../src/devnet/deploy";
import { parseRelayerConfig } from "../../relayer/config";
import { tempDir } from "../relayer/helpers";

const a = (n: number) => "0x" + n.toString(16).padStart(40, "0");

const twoChains: Deployment = {
  network: "devnets",
  chainId: 13371,
  main: {
    token: a(1),
    registry: a(2),
    grid: a(3),
    market: a(4),
    pricing: { "surplus-split": a(5), "paper-table": a(6) },
    bridge: { rpcUrl: "http://127.0.0.1:8545", startBlock: 8, gateway: a(7), vault: a(8), reporter: a(9) },
  },
  side: {
    chainId: 13372,
    rpcUrl: "http://127.0.0.1:8546",
    startBlock: 0,
    gateway: a(1),
    wrappedToken: a(2),
    certificate: a(3),
    certificateMarket: a(4),
  },
};

describe("deployment file with a side chain", () => {
  it("round-trips and yields a valid relayer config", () => {
    const file = path.join(tempDir("deployment"), "deployments", "devnets.json");
    saveDeployment(file, twoChains);
    const d = loadDeployment(file);
    expect(d).to.deep.equal(twoChains);
    const validators = [1, 2, 3].map((n) => ({ address: a(100 + n), url: `http://127.0.0.1:${9470 + n}` }));
    const config = parseRelayerConfig(devnetRelayerConfig(d, { checkpointFile: "ckpt.json", validators }));
    expect(config.validators).to.deep.equal(validators);
    expect(config.threshold).to.equal(2);
    expect(config.main).to.deep.equal({ rpcUrl: "http://127.0.0.1:8545", chainId: 13371, gateway: a(7), startBlock: 8 });
    expect(config.side).to.deep.equal({ rpcUrl: "http://127.0.0.1:8546", chainId: 13372, gateway: a(1), startBlock: 0 });
    const handles = attachBridge(d, Wallet.createRandom(), Wallet.createRandom());
    expect(handles.side.certificate.target).to.equal(a(3));
  });

  it("refuses a side chain without the main chain's bridge, or one sharing its chain id, in one line", () => {
    const dir = tempDir("deployment");
    const bad = (d: unknown, name: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, JSON.stringify(d));
      return () => loadDeployment(file);
    };
    const { bridge: _b, ...mainOnly } = twoChains.main;
    expect(bad({ ...twoChains, main: mainOnly }, "a.json")).to.throw(DeploymentError, /a.json: field side: main.bridge and side come together$/);
    expect(bad({ ...twoChains, side: { ...twoChains.side, chainId: 13371 } }, "b.json")).to.throw(
      DeploymentError,
      /b.json: field side.chainId: must differ from the main chainId$/,
    );
    const { side: _s, ...noSide } = twoChains;
    const { bridge: _b2, ...mainOnly2 } = twoChains.main;
    expect(() => attachBridge({ ...noSide, main: mainOnly2 }, Wallet.createRandom(), Wallet.createRandom())).to.throw(DeploymentError);
  });
});
