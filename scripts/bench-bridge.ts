#!/usr/bin/env node
/**
 * Bridge latency, lock to mint: `npm run devnets`' setup (two Hardhat nodes mining a block every second, 3 validator
 * processes with threshold 2 and confirmation depth 2, a relayer process without validator keys), then `--messages`
 * locks on the main chain, one every `--gap` ms; each one's latency runs from its lock receipt to the first poll that
 * sees its WrappedDPLCMinted event on the side chain. Then the same with validator 3 stopped. Prints JSON.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { id, MaxUint256 } from "ethers";
import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";

function positive(v: string): number {
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError("not a positive whole number");
  return Number(v);
}

const program = new Command()
  .name("bench-bridge")
  .description("Measures bridge latency (lock on the main chain to mint on the side chain), p50 and p99, with 3 validators and with one down.")
  .option("--messages <n>", "locks per scenario", positive, 100)
  .option("--gap <ms>", "pause between two locks", positive, 250)
  .showHelpAfterError();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  program.parse(process.argv);
  const o = program.opts<{ messages: number; gap: number }>();
  const hre = (await import("hardhat")).default;
  await hre.run(TASK_COMPILE, { quiet: true });
  const { startDevnetSession } = await import("../src/devnet/session");
  const { freePort } = await import("../src/devnet/ports");
  const { ACCOUNT, devnetProvider, devnetWallet } = await import("../src/devnet/accounts");
  const { DPLCToken__factory, TokenVault__factory, WrappedDPLC__factory } = await import("../typechain-types");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-bench-bridge-"));
  const session = await startDevnetSession(
    { root, mainPort: await freePort(), sidePort: await freePort(), relayerHttpPort: await freePort(), blockIntervalMs: 1000, logDir: root },
    (l) => process.stderr.write(l + "\n"),
  );
  try {
    const d = session.deployed!.deployment;
    const main = devnetProvider(session.pair.main.url, d.chainId);
    const side = devnetProvider(session.pair.side.url, d.side!.chainId);
    const user = devnetWallet(7, main);
    const token = DPLCToken__factory.connect(d.main.token, user);
    const vault = TokenVault__factory.connect(d.main.bridge!.vault, user);
    const wrapped = WrappedDPLC__factory.connect(d.side!.wrappedToken, side);
    const cashier = DPLCToken__factory.connect(d.main.token, devnetWallet(ACCOUNT.cashier, main));
    await (await cashier.deposit(user.address, 10n ** 24n, id("bench-bridge"))).wait();
    await (await token.approve(d.main.bridge!.vault, MaxUint256)).wait();

    const scenario = async (name: string) => {
      const lockedAt = new Map<bigint, number>();
      const latencies = new Map<bigint, number>();
      let fromBlock = await side.getBlockNumber();
      let busy = false;
      const watcher = setInterval(() => {
        if (busy) return; // one query at a time, so no range is read twice
        busy = true;
        void (async () => {
          const to = await side.getBlockNumber();
          const logs = await wrapped.queryFilter(wrapped.filters.WrappedDPLCMinted(), fromBlock, to);
          fromBlock = to + 1;
          const now = Date.now();
          for (const l of logs) {
            const at = lockedAt.get(l.args.nonce);
            if (at !== undefined && !latencies.has(l.args.nonce)) latencies.set(l.args.nonce, now - at);
          }
        })()
          .catch(() => undefined)
          .finally(() => (busy = false));
      }, 50);
      for (let i = 0; i < o.messages; i++) {
        const receipt = await (await vault.lock(10n ** 18n, user.address)).wait();
        const ev = receipt!.logs.map((l) => vault.interface.parseLog(l)).find((p) => p?.name === "TokenVaultLocked")!;
        lockedAt.set(ev.args.nonce as bigint, Date.now());
        await new Promise((r) => setTimeout(r, o.gap));
      }
      const deadline = Date.now() + 120_000;
      while (latencies.size < o.messages && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      clearInterval(watcher);
      while (busy) await new Promise((r) => setTimeout(r, 20));
      const sorted = [...latencies.values()].sort((a, b) => a - b);
      return { scenario: name, messages: o.messages, minted: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1] };
    };
    const all = await scenario("3 validators up (threshold 2)");
    await session.daemons[2]!.stop();
    const oneDown = await scenario("validator 3 down");
    process.stdout.write(JSON.stringify([all, oneDown], null, 2) + "\n");
    main.destroy();
    side.destroy();
  } finally {
    await session.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench-bridge: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}\n`);
    process.exit(1);
  },
);
