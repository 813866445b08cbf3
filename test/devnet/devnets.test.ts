import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { id, MaxUint256 } from "ethers";
import { DPLCToken__factory, TokenVault__factory, WrappedDPLC__factory } from "../../typechain-types";
import { ACCOUNT, devnetProvider, devnetWallet } from "../../src/devnet/accounts";
import { DevnetError } from "../../src/devnet/errors";
import { startDevnet } from "../../src/devnet/node";
import { startDevnets, MAIN_CHAIN_ID, SIDE_CHAIN_ID } from "../../src/devnet/pair";
import { freePort } from "../../src/devnet/ports";
import { chainIdOf, rpcCall } from "../../src/devnet/rpc";
import { devnetFiles } from "../../src/devnet/deploy";
import { loadDeployment } from "../../src/ops/deployment";
import { tempDir, waitFor } from "../relayer/helpers";

const ROOT = path.join(__dirname, "..", "..");

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("two devnets", function () {
  this.timeout(120_000);

  it("start with their own chain ids, refuse a port that answers with another id, and leave no process behind", async () => {
    const pair = await startDevnets();
    try {
      expect(await chainIdOf(pair.main.url)).to.equal(MAIN_CHAIN_ID);
      expect(await chainIdOf(pair.side.url)).to.equal(SIDE_CHAIN_ID);
      expect(pair.main.port).not.to.equal(pair.side.port);
      const err = await startDevnet({ name: "intruder", chainId: 99, port: pair.main.port }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(DevnetError);
      expect((err as Error).message).to.equal(`intruder devnet at ${pair.main.url} reports chain id ${MAIN_CHAIN_ID}, expected 99`);
    } finally {
      await pair.stop();
    }
    expect(groupAlive(pair.main.pid)).to.equal(false);
    expect(groupAlive(pair.side.pid)).to.equal(false);
  });

  describe("when they run on Anvil (the second EVM)", function () {
    it("answer with their chain ids, mine a transaction at once and an empty block every interval, and stop", async () => {
      const pair = await startDevnets({ evm: "anvil", blockIntervalMs: 200 });
      const blockNumber = async (url: string) => Number(await rpcCall(url, "eth_blockNumber"));
      try {
        expect([await chainIdOf(pair.main.url), await chainIdOf(pair.side.url)]).to.deep.equal([MAIN_CHAIN_ID, SIDE_CHAIN_ID]);
        const provider = devnetProvider(pair.main.url, pair.main.chainId);
        // The relayer's account exists: Anvil is started with Hardhat's 20 accounts, not its default 10.
        const tx = await devnetWallet(ACCOUNT.relayer, provider).sendTransaction({ to: devnetWallet(14).address, value: 1n });
        expect((await tx.wait(1, 5_000))!.status).to.equal(1);
        provider.destroy();
        const before = await blockNumber(pair.side.url);
        await new Promise((r) => setTimeout(r, 1_500));
        expect(await blockNumber(pair.side.url)).to.be.greaterThan(before + 2);
      } finally {
        await pair.stop();
      }
      expect([groupAlive(pair.main.pid), groupAlive(pair.side.pid)]).to.deep.equal([false, false]);
    });
  });

  it("are stopped when the process that started them gets a Ctrl-C it does not handle itself", async () => {
    const code =
      "require('./src/devnet/pair').startDevnets().then((p) => console.log('pids', p.main.pid, p.side.pid)); setInterval(() => {}, 1000);";
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", code], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    let pids: number[] = [];
    try {
      await waitFor("both devnets", async () => /pids \d+ \d+/.test(out), 90_000);
      pids = out.match(/pids (\d+) (\d+)/)!.slice(1).map(Number);
      process.kill(-child.pid!, "SIGINT");
      expect(await exited).to.equal(130);
      await waitFor("the devnets to exit", async () => pids.every((pid) => !groupAlive(pid)), 10_000);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
      for (const pid of pids) if (groupAlive(pid)) process.kill(-pid, "SIGKILL");
    }
  });

  describe("when run by `npm run devnets` with its validators and relayer", () => {
    let script: ChildProcess | undefined;
    let output = "";

    afterEach(async () => {
      if (script !== undefined && script.exitCode === null) {
        process.kill(-script.pid!, "SIGKILL");
        await new Promise((r) => script!.once("exit", r));
      }
      // The script's devnets, should the script itself have died without stopping them.
      for (const m of output.matchAll(/pid (\d+)/g)) if (groupAlive(Number(m[1]))) process.kill(-Number(m[1]), "SIGKILL");
    });

    it("deploys both chains, runs 3 validators and a keyless relayer, carries DPLC across the peg and back, and stops everything on SIGINT", async () => {
      const root = tempDir("devnets-root");
      const [mainPort, sidePort, httpPort] = [await freePort(), await freePort(), await freePort()];
      script = spawn(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", "devnets.ts"), "--main-port", String(mainPort),
          "--side-port", String(sidePort), "--relayer-http-port", String(httpPort), "--root", root],
        { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] },
      );
      script.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      script.stderr!.on("data", (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((r) => script!.once("close", (code) => r(code)));
      await waitFor("the devnets, validators and relayer", async () => output.includes("running;"), 180_000);

      const files = devnetFiles(root);
      const d = loadDeployment(files.deployment);
      expect(d.chainId).to.equal(MAIN_CHAIN_ID);
      expect(d.side!.chainId).to.equal(SIDE_CHAIN_ID);
      const relayerConfig = JSON.parse(fs.readFileSync(files.relayerConfig, "utf8")) as Record<string, unknown>;
      expect(relayerConfig).not.to.have.property("validatorKeys");
      expect((relayerConfig.validators as unknown[]).length).to.equal(3);
      for (const i of [1, 2, 3]) {
        const keystore = fs.readFileSync(path.join(files.validatorsDir, `validator-${i}.keystore.json`), "utf8");
        expect(keystore.toLowerCase()).not.to.contain(devnetWallet(ACCOUNT.validators[i - 1]!).privateKey.slice(2));
      }

      const main = devnetProvider(`http://127.0.0.1:${mainPort}`, d.chainId);
      const side = devnetProvider(`http://127.0.0.1:${sidePort}`, d.side!.chainId);
      const user = devnetWallet(7, main);
      const token = DPLCToken__factory.connect(d.main.token, user);
      const vault = TokenVault__factory.connect(d.main.bridge!.vault, user);
      const wrapped = WrappedDPLC__factory.connect(d.side!.wrappedToken, user.connect(side));
      const tokens = (n: bigint) => n * 10n ** 18n;
      const cashier = DPLCToken__factory.connect(d.main.token, devnetWallet(ACCOUNT.cashier, main));
      await (await cashier.deposit(user.address, 100n * 10n ** 18n, id("devnets-test-receipt"))).wait(); // 100 RMB = 1000 DPLC
      await (await token.approve(d.main.bridge!.vault, MaxUint256)).wait();
      await (await vault.lock(tokens(1000n), user.address)).wait();
      await main.send("hardhat_mine", ["0x2"]);
      await waitFor("wrapped DPLC on the side chain", async () => (await wrapped.balanceOf(user.address)) === tokens(1000n));

      await (await wrapped.burn(tokens(400n), user.address)).wait();
      await side.send("hardhat_mine", ["0x2"]);
      await waitFor("DPLC released on the main chain", async () => (await token.balanceOf(user.address)) === tokens(400n));
      expect(await vault.locked()).to.equal(tokens(600n));
      expect(await wrapped.totalSupply()).to.equal(tokens(600n));
      main.destroy();
      side.destroy();

      process.kill(-script.pid!, "SIGINT");
      expect(await exited).to.equal(0);
      const pids = [...output.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
      expect(pids, "2 devnets, 3 validators, 1 relayer").to.have.length(6);
      for (const pid of pids) expect(groupAlive(pid), `process group ${pid}`).to.equal(false);
    });
  });
});
