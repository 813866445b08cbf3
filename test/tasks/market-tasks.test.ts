import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { attach, deploymentPath, loadDeployment } from "../../src/ops/deployment";

/** Runs a task, capturing what it prints; `process.exitCode` tells failure. */
async function run(task: string, args: Record<string, unknown> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  process.exitCode = undefined;
  try {
    await hre.run({ scope: "market", task }, args);
  } finally {
    console.log = log;
    console.error = error;
  }
  const code = process.exitCode;
  process.exitCode = undefined;
  return { out: out.join("\n"), err: err.join("\n"), code };
}

describe("market tasks (a deployment operated by hand)", function () {
  it("walk a round from deployment to settlement, refusing bad input with one-line errors", async function () {
    const signers = await ethers.getSigners();
    const [consumer, wind] = [signers[5]!, signers[6]!];
    expect((await run("deploy")).code).to.equal(undefined);
    const sys = attach(loadDeployment(deploymentPath(hre.config.paths.root, hre.network.name)), signers[0]!);

    expect((await run("register", { kind: "consumer", region: "B", code: "B1", from: "5" })).out).to.contain("applied as consumer");
    await run("register", { kind: "wind", region: "A", code: "W1", from: "6" });
    const bad = await run("register", { kind: "solar", region: "A", code: "S", from: "7" });
    expect(bad.code).to.equal(1);
    expect(bad.err).to.equal('error: --kind must be consumer, wind or thermal, got "solar"');

    await run("review", { account: consumer.address });
    await run("review", { account: wind.address });
    const twice = await run("review", { account: wind.address });
    expect(twice.code).to.equal(1);
    expect(twice.err).to.match(/^error: RegistryNotPending\(account=0x[0-9a-fA-F]{40}, status=2\)$/);

    await run("deposit", { account: consumer.address, rmb: "100000", receipt: "bank-1" });
    expect(await sys.token.balanceOf(consumer.address)).to.equal(ethers.parseEther("1000000"));
    await run("corridor", { seller: "A", buyer: "B", loss: "6", price: "0.8" });
    expect((await run("open", { listing: 600 })).out).to.match(/^round 1 open/);

    const listed = await run("list", { quantity: "100", price: "5", green: "40", from: "5" });
    expect(listed.out).to.equal("order 1 listed");
    await run("list", { quantity: "50", price: "3.5", from: "6" });
    const zero = await run("list", { quantity: "0", price: "3.5", from: "6" });
    expect(zero.code).to.equal(1);
    expect(zero.err).to.match(/^error: .*"0".*at least 1/);

    await run("list", { quantity: "10", price: "4", from: "5" });
    const before = await sys.token.balanceOf(consumer.address);
    expect((await run("withdraw", { order: "3", from: "5" })).out).to.equal("order 3 withdrawn");
    expect(await sys.token.balanceOf(consumer.address)).to.equal(before + ethers.parseEther("40000"));
    const status = JSON.parse((await run("status")).out) as { state: string; orders: number };
    expect(status).to.include({ state: "listing", orders: 3 });

    const early = await run("match");
    expect(early.err).to.match(/^error: MarketListingOpen\(roundId=1, deadline=\d+\)$/);
    await time.increase(601);
    const late = await run("withdraw", { order: "1", from: "5" });
    expect(late.err).to.match(/^error: MarketListingClosed\(roundId=1, deadline=\d+\)$/);

    expect((await run("match", { steps: 2 })).out).to.contain("matching complete");
    expect(JSON.parse((await run("status")).out)).to.include({ state: "matched", trades: 1, windMwh: 40 });
    await run("curtail", { cuts: "0:10" });
    await run("match");
    expect((await run("approve")).out).to.equal("matching approved");
    expect((await run("settle", { steps: 1 })).out).to.contain("round closed");
    expect(JSON.parse((await run("status")).out)).to.include({ state: "closed", settledTrades: 1 });
    expect(await sys.token.balanceOf(await sys.market.getAddress())).to.equal(0n);
  });
});
