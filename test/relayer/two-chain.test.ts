import { expect } from "chai";
import fs from "node:fs";
import { AbiCoder } from "ethers";
import pino from "pino";
import { startDevnets, type DevnetPair } from "../../src/devnet/pair";
import { parseRelayerConfig } from "../../relayer/config";
import { startRelayerDaemon, type RelayerDaemon } from "../../relayer/daemon";
import type { ValidatorDaemon } from "../../validator/daemon";
import {
  deployBridgePair,
  deployReceiver,
  executedNonces,
  expectExactlyOnce,
  mine,
  relayerConfig,
  relayerTransactions,
  sendMessages,
  spawnRelayer,
  startValidators,
  tempDir,
  validatorFiles,
  waitFor,
  writeConfig,
  type RelayerProcess,
  type TestChain,
} from "./helpers";

async function expectExactly(to: TestChain, from: TestChain, nonces: bigint[]): Promise<void> {
  const counts = await executedNonces(to, from);
  expect([...counts.keys()].sort((a, b) => Number(a - b))).to.deep.equal(nonces);
  for (const n of nonces) expect(counts.get(n), `nonce ${n}`).to.equal(1);
}

describe("relayer between two devnets", function () {
  this.timeout(180_000);
  let devnets: DevnetPair;
  const processes: RelayerProcess[] = [];
  const daemons: RelayerDaemon[] = [];
  const validators: ValidatorDaemon[] = [];

  /** The devnet validator set (10–12) for `pair`, each a daemon with its own keystore; their endpoints. */
  async function validatorsFor(dir: string, pair: { main: TestChain; side: TestChain }) {
    const files = await validatorFiles(dir, pair);
    validators.push(...(await startValidators(files)));
    return files.endpoints;
  }

  before(async () => {
    devnets = await startDevnets();
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.kill("SIGKILL")));
    await Promise.all(daemons.splice(0).map((d) => d.stop()));
    await Promise.all(validators.splice(0).map((v) => v.stop()));
  });

  after(async () => {
    await devnets?.stop();
  });

  describe("when the relayer is killed mid-stream and restarted", () => {
    it("delivers every message both ways exactly once, resuming from its checkpoint", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      const dir = tempDir("relayer-restart");
      const config = await relayerConfig(dir, pair, await validatorsFor(dir, pair), { logLevel: "info" });
      const file = writeConfig(dir, config);

      const first = spawnRelayer(file);
      processes.push(first);
      await sendMessages(pair.main, pair.side, 20);
      await mine(pair.main, 2);
      await waitFor("some deliveries", async () => (await executedNonces(pair.side, pair.main)).size >= 3);
      await first.kill("SIGKILL");
      const beforeRestart = (await executedNonces(pair.side, pair.main)).size;
      expect(beforeRestart, "killed mid-stream").to.be.lessThan(20);

      // While it is down: more traffic both ways.
      await sendMessages(pair.main, pair.side, 4);
      await sendMessages(pair.side, pair.main, 5);
      await mine(pair.main, 2);
      await mine(pair.side, 2);

      const second = spawnRelayer(file);
      processes.push(second);
      await waitFor("all deliveries", async () => {
        const [toSide, toMain] = await Promise.all([executedNonces(pair.side, pair.main), executedNonces(pair.main, pair.side)]);
        return toSide.size === 24 && toMain.size === 5;
      });
      await expectExactlyOnce(pair.side, pair.main, 24);
      await expectExactlyOnce(pair.main, pair.side, 5);
      // No delivery was attempted twice: one relayer transaction per message on each chain.
      expect(await relayerTransactions(pair.side)).to.equal(24);
      expect(await relayerTransactions(pair.main)).to.equal(5);
      expect(await pair.side.receiverContract.received()).to.equal(24n);
      expect(await pair.main.receiverContract.received()).to.equal(5n);

      // The restart resumed from the checkpoint, not from genesis.
      const ready = second
        .output()
        .split("\n")
        .filter((l) => l.includes('"relayer ready"'))
        .map((l) => JSON.parse(l) as { main: number });
      expect(ready[0]!.main).to.be.greaterThan(0);

      const health = await fetch(`http://127.0.0.1:${config.http!.port}/healthz`);
      expect(health.status).to.equal(200);
      expect(await health.json()).to.include({ ok: true, pending: 0 });
      const metrics = await (await fetch(`http://127.0.0.1:${config.http!.port}/metrics`)).text();
      expect(metrics).to.match(/relayer_messages_delivered_total\{route="side->main"\} 5/);

      expect(await second.kill("SIGTERM"), "graceful shutdown exit code").to.equal(0);
      const saved = JSON.parse(fs.readFileSync(config.checkpointFile, "utf8")) as { delivered: { main: string[][] } };
      expect(saved.delivered.main).to.deep.equal([["1", "24"]]);
    });
  });

  describe("when the source chain reorganises less deeply than the confirmation depth", () => {
    it("delivers nothing from the orphaned branch, and the new branch's message instead", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      const dir = tempDir("relayer-reorg");
      const config = parseRelayerConfig(await relayerConfig(dir, pair, await validatorsFor(dir, pair), { confirmations: 3 }));
      const daemon = await startRelayerDaemon(config, { logger: pino({ level: "silent" }) });
      daemons.push(daemon);

      await sendMessages(pair.main, pair.side, 2);
      await mine(pair.main, 3);
      await waitFor("the first two messages", async () => (await executedNonces(pair.side, pair.main)).size === 2);

      const snapshot = (await pair.main.provider.send("evm_snapshot", [])) as string;
      const orphanPayload = AbiCoder.defaultAbiCoder().encode(["string"], ["orphan"]);
      await (await pair.main.gateway.send(devnets.side.chainId, pair.side.receiver, orphanPayload)).wait();
      await mine(pair.main, 2); // 2 blocks on top: one short of the depth
      await new Promise((r) => setTimeout(r, 1500)); // many polls
      expect((await executedNonces(pair.side, pair.main)).size).to.equal(2);
      expect(await pair.main.provider.send("evm_revert", [snapshot])).to.equal(true);

      const kept = AbiCoder.defaultAbiCoder().encode(["string"], ["kept"]);
      await (await pair.main.gateway.send(devnets.side.chainId, pair.side.receiver, kept)).wait();
      await mine(pair.main, 3);
      await waitFor("the new branch's message", async () => (await executedNonces(pair.side, pair.main)).size === 3);

      const executed = await pair.side.gateway.queryFilter(pair.side.gateway.filters.BridgeMessageExecuted(devnets.main.chainId, undefined, 3n));
      const message = {
        srcChainId: BigInt(devnets.main.chainId),
        destChainId: BigInt(devnets.side.chainId),
        srcGateway: await pair.main.gateway.getAddress(),
        destGateway: await pair.side.gateway.getAddress(),
        nonce: 3n,
        sender: pair.main.admin.address,
        target: pair.side.receiver,
        payload: kept,
      };
      expect(executed).to.have.length(1);
      expect(executed[0]!.args.messageHash).to.equal(await pair.side.gateway.hashMessage(message));
      expect(daemon.relayer.health().pending).to.equal(0);
    });
  });

  describe("when a message keeps failing at its target", () => {
    it("sets it aside, reports it on /healthz and in metrics, and delivers the rest", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      const failing = await deployReceiver(pair.side.admin);
      await (await failing.setBehaviour(true, false)).wait();
      const dir = tempDir("relayer-set-aside");
      const config = parseRelayerConfig(
        await relayerConfig(dir, pair, await validatorsFor(dir, pair), { retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 100 } }),
      );
      const daemon = await startRelayerDaemon(config, { logger: pino({ level: "silent" }) });
      daemons.push(daemon);

      await sendMessages(pair.main, pair.side, 1);
      await sendMessages(pair.main, pair.side, 1, await failing.getAddress());
      await sendMessages(pair.main, pair.side, 2);
      await mine(pair.main, 2);
      await waitFor("the set-aside message", async () => daemon.relayer.health().setAside.length === 1);
      await waitFor("the others", async () => (await executedNonces(pair.side, pair.main)).size === 3);
      await expectExactly(pair.side, pair.main, [1n, 3n, 4n]);
      expect(await pair.side.receiverContract.received()).to.equal(3n);

      const health = (await (await fetch(`http://127.0.0.1:${daemon.httpPort}/healthz`)).json()) as {
        setAside: Array<{ route: string; nonce: string; error: string }>;
      };
      expect(health.setAside).to.have.length(1);
      expect(health.setAside[0]).to.include({ route: "main->side", nonce: "2" });
      expect(health.setAside[0]!.error).to.match(/^reverted with data 0x|MockBridgeReceiverFailed/);
      const metrics = await (await fetch(`http://127.0.0.1:${daemon.httpPort}/metrics`)).text();
      expect(metrics).to.match(/relayer_set_aside_messages 1/);
      expect(metrics).to.match(/relayer_delivery_failures_total\{route="main->side"\} 3/);
    });
  });

  describe("when a chain reports another chain id", () => {
    it("refuses to start with one line and a non-zero exit", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      const dir = tempDir("relayer-chainid");
      const config = await relayerConfig(dir, pair, (await validatorFiles(dir, pair)).endpoints);
      const file = writeConfig(dir, { ...config, side: { ...config.side, chainId: 999 } });
      const p = spawnRelayer(file);
      processes.push(p);
      expect(await p.exited).to.equal(1);
      const lines = p.output().trim().split("\n");
      expect(lines).to.have.length(1);
      expect(lines[0]).to.equal(`relayer: side chain at ${devnets.side.url} reports chain id ${devnets.side.chainId}, expected 999; refusing to run`);
      expect(fs.existsSync(config.checkpointFile)).to.equal(false);
    });
  });
});
