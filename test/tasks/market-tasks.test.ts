import { expect } from "chai";
import { JsonRpcProvider, parseEther } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startDevnet, type Devnet } from "../../src/devnet/node";
import { freePort } from "../../src/devnet/ports";
import { attach, loadDeployment } from "../../src/ops/deployment";
import { hardhat, type CliResult } from "../helpers/cli";

// The default Hardhat accounts, as a node started by `npx hardhat node` has them unlocked.
const CONSUMER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"; // account 5
const WIND = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"; // account 6

/** A failure: exactly one line on stderr, nothing on stdout, exit code 1. */
function expectOneLine(r: CliResult, line: string | RegExp): void {
  expect({ code: r.code, stdout: r.stdout, lines: r.stderr.split("\n").length }).to.deep.equal({ code: 1, stdout: "", lines: 2 });
  if (typeof line === "string") expect(r.stderr).to.equal(`${line}\n`);
  else expect(r.stderr.trimEnd()).to.match(line);
}

/** A success: exit code 0 and this line on stdout. */
function expectOk(r: CliResult, line: string | RegExp): void {
  expect({ code: r.code, stderr: r.stderr }).to.deep.equal({ code: 0, stderr: "" });
  if (typeof line === "string") expect(r.stdout.trimEnd()).to.equal(line);
  else expect(r.stdout.trimEnd()).to.match(line);
}

describe("npx hardhat market … --network localhost (a deployment operated by hand)", function () {
  let node: Devnet;
  let deployments: string;
  let env: NodeJS.ProcessEnv;
  const market = (...args: string[]) => hardhat(["--network", "localhost", "market", ...args], env);
  const deployment = () => loadDeployment(path.join(deployments, "localhost.json"));

  before(async function () {
    node = await startDevnet({ name: "cli", chainId: 31337 });
    deployments = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-deployments-"));
    env = { DPLC_RPC_URL: node.url, DPLC_DEPLOYMENTS_DIR: deployments };
  });
  after(async function () {
    await node?.stop();
    fs.rmSync(deployments, { recursive: true, force: true });
  });

  describe("when there is no chain to operate", function () {
    it("refuses to deploy to the in-process network, which is gone when the command exits", async function () {
      expectOneLine(
        await hardhat(["market", "deploy"], env),
        "error: market tasks need a running chain: start one with `npx hardhat node` and add --network localhost",
      );
      expect(fs.readdirSync(deployments)).to.deep.equal([]);
    });

    it("names the node it cannot reach", async function () {
      const url = `http://127.0.0.1:${await freePort()}`;
      expectOneLine(
        await hardhat(["--network", "localhost", "market", "deploy"], { ...env, DPLC_RPC_URL: url }),
        `error: cannot connect to network localhost at ${url}: is the node running (npx hardhat node)?`,
      );
    });

    it("says to deploy first when nothing was deployed", async function () {
      const file = path.join(deployments, "localhost.json");
      expectOneLine(await market("status"), `error: cannot read deployment ${file}: run "npx hardhat market deploy" first`);
    });
  });

  describe("when deployed", function () {
    before(async function () {
      expectOk(await market("deploy"), /^deployed; addresses in .*localhost\.json$/);
    });

    it("walks a round from registration to settlement", async function () {
      expectOk(await market("register", "--kind", "consumer", "--region", "B", "--code", "B1", "--from", "5"), `${CONSUMER} applied as consumer in region B`);
      expectOk(await market("register", "--kind", "wind", "--region", "A", "--code", "W1", "--from", "6"), `${WIND} applied as wind in region A`);
      expectOk(await market("review", "--account", CONSUMER), `${CONSUMER} approved`);
      expectOk(await market("review", "--account", "6"), `${WIND} approved`);
      // Case A's consumer D escrows 30.4M RMB: one deposit must carry it.
      expectOk(await market("deposit", "--account", "5", "--rmb", "30400000", "--receipt", "bank-1"), `deposited 30400000 RMB for ${CONSUMER}`);
      const rpc = new JsonRpcProvider(node.url);
      const sys = attach(deployment(), await rpc.getSigner(0));
      expect(await sys.token.balanceOf(CONSUMER)).to.equal(parseEther("304000000"));
      expectOk(await market("corridor", "--seller", "A", "--buyer", "B", "--loss", "6", "--price", "0.8"), "corridor A->B set");
      expectOneLine(await market("status"), "error: no round has been opened yet");
      expectOk(await market("open", "--listing", "600", "--reveal", "600"), "round 1 open for 600 s, then 600 s to reveal");
      expectOk(await market("list", "--quantity", "100", "--price", "5", "--green", "40", "--from", "5"), /^order 1 listed sealed; reveal it after the deadline with "market reveal --order 1" \(salt in .*sealed.localhost-order-1\.json\)$/);
      expectOk(await market("list", "--quantity", "50", "--price", "3.5", "--from", "6"), /^order 2 listed sealed/);
      // Sealed: nothing of the bid is on chain while listing.
      expect((await sys.market.order(1n)).price).to.equal(0n);
      expectOneLine(await market("match"), /^error: MarketRevealOpen\(roundId=1, revealDeadline=\d+\)$/);
      await advance(node.url, 601);
      expectOneLine(await market("withdraw", "--order", "1", "--from", "5"), /^error: MarketListingClosed\(roundId=1, deadline=\d+\)$/);
      expectOneLine(await market("reveal", "--order", "1", "--from", "6"), `error: order 1 was listed by ${CONSUMER}, not ${WIND}: pass --from with its account`);
      expectOk(await market("reveal", "--order", "1", "--from", "5"), "order 1 revealed");
      expectOk(await market("reveal", "--order", "2", "--from", "6"), "order 2 revealed");
      const missing = path.join(deployments, "sealed", "localhost-order-7.json");
      expectOneLine(await market("reveal", "--order", "7", "--from", "5"), `error: cannot read sealed order ${missing}: it is written by "market list" on this machine`);
      expect(JSON.parse((await market("status")).stdout)).to.include({ state: "revealing" });
      await advance(node.url, 600);
      expectOk(await market("match", "--steps", "2"), /matching complete$/);
      expect(JSON.parse((await market("status")).stdout)).to.include({ state: "matched", trades: 1, windMwh: 40 });
      expectOk(await market("curtail", "--cuts", "0:10"), '1 trade(s) curtailed; run "market match" again');
      expectOk(await market("match"), /matching complete$/);
      expectOk(await market("approve"), "matching approved");
      expectOk(await market("settle", "--steps", "1"), /round closed$/);
      expect(JSON.parse((await market("status", "--round", "1")).stdout)).to.include({ state: "closed", settledTrades: 1 });
      expect(await sys.token.balanceOf(await sys.market.getAddress())).to.equal(0n);
      expectOneLine(await market("status", "--round", "999"), "error: round 999 does not exist (rounds are 1 to 1)");
      rpc.destroy();
    });

    it("prints a contract's refusal with argument names, text and enum names", async function () {
      expectOneLine(await market("review", "--account", "6"), `error: RegistryNotPending(account=${WIND}, status=Approved)`);
      await market("register", "--kind", "wind", "--region", "ZZ", "--code", "W9", "--from", "9");
      await market("review", "--account", "9");
      await market("open", "--listing", "600");
      expectOneLine(await market("list", "--quantity", "1", "--price", "2", "--from", "9"), 'error: MarketUnknownRegion(region="ZZ")');
    });

    it("cancels the open round (the trading centre; anyone only once it stalled) and refunds a consumer's escrow in full", async function () {
      const rpc = new JsonRpcProvider(node.url);
      const sys = attach(deployment(), rpc);
      const before = await sys.token.balanceOf(CONSUMER);
      expectOk(await market("list", "--quantity", "10", "--price", "5", "--green", "10", "--from", "5"), /^order 3 listed sealed/);
      expect(await sys.token.balanceOf(CONSUMER)).to.be.lessThan(before);
      expectOneLine(await market("cancel", "--stalled", "--from", "7"), /^error: MarketRoundNotStalled\(roundId=2, stalledAt=\d+\)$/);
      expectOneLine(await market("cancel", "--from", "7"), /^error: AccessControlUnauthorizedAccount\(account=0x[0-9a-fA-F]{40}, neededRole=0x[0-9a-f]{64}\)$/);
      expectOk(await market("cancel"), "round 2 cancelled");
      expectOk(await market("refund", "--order", "3", "--cancelled", "--from", "7"), "order 3 refunded");
      expect(await sys.token.balanceOf(CONSUMER)).to.equal(before);
      expect(JSON.parse((await market("status")).stdout)).to.include({ roundId: 2, state: "cancelled" });
      rpc.destroy();
    });
  });

  describe("when an argument is not of its type", function () {
    for (const [args, line] of [
      [["withdraw", "--order", "abc"], 'error: --order "abc": expected a whole number'],
      [["withdraw", "--order", "-1"], 'error: --order "-1": expected a whole number'],
      [["status", "--round", "abc"], 'error: --round "abc": expected a whole number'],
      [["review", "--account", "notanaddress"], 'error: --account "notanaddress": expected an account index or a 0x-prefixed address'],
      [["deposit", "--account", "0x123", "--rmb", "1", "--receipt", "r"], 'error: --account "0x123": expected a 0x-prefixed 20-byte address'],
      [["deposit", "--account", "5", "--rmb", "1000000000001", "--receipt", "r"], 'error: --rmb: invalid value "1000000000001": RMB amount above 1000000000000'],
      [["deposit", "--account", "5", "--rmb", "0", "--receipt", "r"], 'error: --rmb: invalid value "0": an RMB amount must be above 0'],
      [["curtail", "--cuts", "0:100000000000000000000000"], 'error: --cuts MWh: invalid value "100000000000000000000000": must be at most 1000000000000 MWh'],
      [["curtail", "--cuts", "x:1"], 'error: --cuts trade id "x": expected a whole number'],
      [["register", "--kind", "solar", "--region", "A", "--code", "S"], 'error: --kind "solar": expected consumer, wind, thermal'],
      [["register", "--kind", "wind", "--region", "A", "--code", "C".repeat(38)], `error: --code "${"C".repeat(38)}": at most 31 bytes of text`],
      [["list", "--quantity", "10", "--price", "0"], 'error: --price: invalid value "0": a bid or ask must be above 0'],
      [["open", "--ratio", "5000"], 'error: --ratio: invalid value "5000": bundling ratio above 1000'],
      [["match", "--steps", "abc"], 'error: --steps "abc": expected a whole number'],
      [["open", "--reveal", "60"], "error: --reveal 60: must be at least 600"],
      [["reveal", "--order", "0"], "error: --order 0: must be at least 1"],
    ] as const) {
      it(`market ${args.join(" ")}`, async function () {
        expectOneLine(await market(...args), line);
      });
    }
  });

  describe("when the recorded deployment is not on the chain", function () {
    it("says the file is stale instead of failing on empty answers", async function () {
      const stale = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-stale-"));
      const d = deployment();
      fs.writeFileSync(path.join(stale, "localhost.json"), JSON.stringify({ ...d, main: { ...d.main, market: WIND } }));
      const r = await hardhat(["--network", "localhost", "market", "status"], { ...env, DPLC_DEPLOYMENTS_DIR: stale });
      const file = path.relative(path.join(__dirname, "..", ".."), path.join(stale, "localhost.json"));
      expectOneLine(
        r,
        `error: ${file} is stale: no contract at ${WIND} on network localhost (was the node restarted?); run "npx hardhat market deploy" again`,
      );
    });
  });
});

async function advance(url: string, seconds: number): Promise<void> {
  const rpc = new JsonRpcProvider(url);
  await rpc.send("evm_increaseTime", [seconds]);
  await rpc.send("evm_mine", []);
  rpc.destroy();
}
