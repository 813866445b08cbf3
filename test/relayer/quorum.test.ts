import { expect } from "chai";
import pino from "pino";
import { MockBridgeSender__factory } from "../../typechain-types";
import { ACCOUNT, devnetKey } from "../../src/devnet/accounts";
import { startDevnets, type DevnetPair } from "../../src/devnet/pair";
import { parseRelayerConfig } from "../../relayer/config";
import { startRelayerDaemon, type RelayerDaemon } from "../../relayer/daemon";
import type { ValidatorDaemon } from "../../validator/daemon";
import {
  deployBridgePair,
  deployReceiver,
  executedNonces,
  expectExactlyOnce,
  healthy,
  mine,
  relayerConfig,
  relayerTransactions,
  sendMessages,
  spawnRelayer,
  spawnValidator,
  startValidators,
  tempDir,
  validatorFiles,
  waitFor,
  writeConfig,
  type RelayerProcess,
} from "./helpers";


describe("relayer collecting from validators (m of n in operation)", function () {
  this.timeout(300_000);
  let devnets: DevnetPair;
  const processes: RelayerProcess[] = [];
  const inProcess: Array<RelayerDaemon | ValidatorDaemon> = [];

  before(async () => {
    devnets = await startDevnets();
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.kill("SIGKILL")));
    await Promise.all(inProcess.splice(0).map((d) => d.stop()));
  });

  after(async () => {
    await devnets?.stop();
  });

  describe("when validator processes go down one after the other and come back", () => {
    it("delivers with one down, stalls with two down and names them on /healthz, and delivers each message once after restarts", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      const dir = tempDir("relayer-quorum");
      const files = await validatorFiles(dir, pair);
      const validators = files.configFiles.map((f) => spawnValidator(f));
      processes.push(...validators);
      for (const e of files.endpoints) await waitFor(`${e.url}/healthz`, healthy(e.url), 60_000);
      const config = await relayerConfig(dir, pair, files.endpoints);
      const file = writeConfig(dir, config);
      const relayerUrl = `http://127.0.0.1:${config.http!.port}`;
      let relayer = spawnRelayer(file);
      processes.push(relayer);
      await waitFor("the relayer's /healthz", healthy(relayerUrl), 60_000);

      expect(await validators[2]!.kill("SIGTERM")).to.equal(0);
      await sendMessages(pair.main, pair.side, 3);
      await mine(pair.main, 2);
      await waitFor("delivery with two of three validators", async () => (await executedNonces(pair.side, pair.main)).size === 3, 60_000);

      expect(await validators[1]!.kill("SIGTERM")).to.equal(0);
      await sendMessages(pair.main, pair.side, 3);
      await mine(pair.main, 2);
      type Health = { ok: boolean; pending: number; setAside: unknown[]; missingValidators: Array<{ address: string }> };
      let health: Health | undefined;
      await waitFor("the relayer to report the missing quorum", async () => {
        const res = await fetch(`${relayerUrl}/healthz`);
        health = (await res.json()) as Health;
        // A validator that is up can still miss one round under load (its answer timed out, or it had not yet seen
        // the message): the report is a snapshot of the last round, so wait for one in which only the two are missing.
        return res.status === 503 && health.pending === 3 && health.missingValidators.length === 2;
      });
      expect(health!.missingValidators.map((v) => v.address).sort(), JSON.stringify(health!.missingValidators)).to.deep.equal(
        [files.endpoints[1]!.address, files.endpoints[2]!.address].sort(),
      );
      expect(health!.setAside).to.deep.equal([]);
      expect((await executedNonces(pair.side, pair.main)).size).to.equal(3);

      await relayer.kill("SIGKILL");
      processes.push(spawnValidator(files.configFiles[1]!), spawnValidator(files.configFiles[2]!));
      relayer = spawnRelayer(file);
      processes.push(relayer);
      await waitFor("every message", async () => (await executedNonces(pair.side, pair.main)).size === 6, 90_000);
      await expectExactlyOnce(pair.side, pair.main, 6);
      expect(await relayerTransactions(pair.side), "one transaction per message: none wasted while stalled").to.equal(6);
      expect(await pair.side.receiverContract.received()).to.equal(6n);
      await waitFor("a healthy relayer", healthy(relayerUrl));
    });
  });

  describe("when a message can never be delivered", () => {
    it("is set aside, abandoned at the destination and refunded to its sender on validator attestations", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      const failing = await deployReceiver(pair.side.admin);
      await (await failing.setBehaviour(true, false)).wait();
      const sender = await new MockBridgeSender__factory(pair.main.admin).deploy(await pair.main.gateway.getAddress());
      await (await pair.main.gateway.grantRole(await pair.main.gateway.SENDER_ROLE(), await sender.getAddress())).wait();
      const dir = tempDir("relayer-return");
      const files = await validatorFiles(dir, pair);
      inProcess.push(...(await startValidators(files)));
      const config = await relayerConfig(dir, pair, files.endpoints, {
        returnUndeliverable: true,
        retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 300 },
      });
      const relayer = await startRelayerDaemon(parseRelayerConfig(config), { logger: pino({ level: "silent" }) });
      inProcess.push(relayer);

      await (await sender.send(devnets.side.chainId, await failing.getAddress(), "0x1234")).wait();
      await sendMessages(pair.main, pair.side, 1);
      await mine(pair.main, 2);
      await waitFor("the abandon", async () => (await pair.side.gateway.queryFilter(pair.side.gateway.filters.BridgeMessageAbandoned())).length === 1, 60_000);
      // The refund attestation needs the abandon confirmed on the side chain.
      await mine(pair.side, 2);
      await waitFor("the refund", async () => (await sender.refunds()) === 1n, 60_000);
      expect(await pair.main.gateway.refunded(1n)).to.equal(true);
      expect(await pair.side.gateway.processed(devnets.main.chainId, await pair.main.gateway.getAddress(), 1n)).to.equal(true);
      await waitFor("the other message", async () => (await pair.side.receiverContract.received()) === 1n);
      expect([...(await executedNonces(pair.side, pair.main))]).to.deep.equal([[2n, 1]]);
      const h = relayer.relayer.health();
      expect(h.setAside).to.deep.equal([]);
      expect(h.returns).to.deep.equal([{ route: "main->side", nonce: "1", stage: "refunded", error: null }]);
      const metrics = await (await fetch(`http://127.0.0.1:${relayer.httpPort}/metrics`)).text();
      expect(metrics).to.match(/relayer_messages_refunded_total\{route="main->side"\} 1/);
    });
  });

  describe("when two relayers run at once", () => {
    it("delivers every message exactly once between them", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      const dir = tempDir("relayer-two");
      const files = await validatorFiles(dir, pair);
      const validators = await startValidators(files);
      inProcess.push(...validators);
      const silent = { logger: pino({ level: "silent" }) };
      for (const [i, gasKey] of [devnetKey(ACCOUNT.relayer), devnetKey(14)].entries()) {
        const config = await relayerConfig(tempDir(`relayer-two-${i}`), pair, files.endpoints, { submitterKey: gasKey });
        inProcess.push(await startRelayerDaemon(parseRelayerConfig(config), silent));
      }
      await sendMessages(pair.main, pair.side, 8);
      await sendMessages(pair.side, pair.main, 4);
      await mine(pair.main, 2);
      await mine(pair.side, 2);
      await waitFor("every message", async () => {
        const [toSide, toMain] = await Promise.all([executedNonces(pair.side, pair.main), executedNonces(pair.main, pair.side)]);
        return toSide.size === 8 && toMain.size === 4;
      }, 90_000);
      await expectExactlyOnce(pair.side, pair.main, 8);
      await expectExactlyOnce(pair.main, pair.side, 4);
      expect(await pair.side.receiverContract.received()).to.equal(8n);
      expect(await pair.main.receiverContract.received()).to.equal(4n);
      const relayers = inProcess.filter((d): d is RelayerDaemon => "relayer" in d);
      await waitFor("both relayers to be done", async () => relayers.every((r) => r.relayer.health().pending === 0));
      for (const r of relayers) expect(r.relayer.health().setAside).to.deep.equal([]);
    });
  });
});
