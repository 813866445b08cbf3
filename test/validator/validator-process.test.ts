import { expect } from "chai";
import fs from "node:fs";
import { AbiCoder, Wallet, recoverAddress, verifyTypedData } from "ethers";
import { BridgeGateway__factory, MockBridgeReceiver__factory } from "../../typechain-types";
import { ACCOUNT, devnetProvider, devnetWallet } from "../../src/devnet/accounts";
import { startDevnet, type Devnet } from "../../src/devnet/node";
import { MAIN_CHAIN_ID, startDevnets, type DevnetPair } from "../../src/devnet/pair";
import { HttpSignatureCollector, QuorumError, attestationTypedData } from "../../relayer/collector";
import { decodeSent } from "../../relayer/gateway";
import { messageHash } from "../../relayer/signing";
import { toGatewayMessage, type BridgeMessage } from "../../relayer/message";
import {
  THRESHOLD,
  deployBridgePair,
  deployReceiver,
  healthy,
  mine,
  spawnValidator,
  tempDir,
  validatorFiles,
  waitFor,
  type RelayerProcess,
  type TestChain,
} from "../relayer/helpers";

/** Sends one message from `from` to `target` on `to` and returns it as the relayer decodes it. */
async function sendOne(from: TestChain, to: TestChain, target: string, text: string): Promise<BridgeMessage> {
  const payload = AbiCoder.defaultAbiCoder().encode(["string"], [text]);
  const receipt = await (await from.gateway.send(to.devnet.chainId, target, payload)).wait();
  const log = receipt!.logs.find((l) => from.gateway.interface.parseLog(l)?.name === "BridgeMessageSent")!;
  // Every message of these tests goes from the main chain (or its fork) to the side chain.
  return decodeSent("main", log as never, await to.gateway.getAddress())!;
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("validator daemon (real processes)", function () {
  this.timeout(240_000);
  let devnets: DevnetPair;
  let fork: Devnet;
  const processes: RelayerProcess[] = [];

  before(async () => {
    devnets = await startDevnets();
    // Another chain under the main chain's id: a validator pointed at it sees other events at the same nonces.
    fork = await startDevnet({ name: "fork", chainId: MAIN_CHAIN_ID });
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.kill("SIGKILL")));
  });

  after(async () => {
    await devnets?.stop();
    await fork?.stop();
  });

  describe("when a validator process runs with its keystore password in an environment variable", () => {
    it("signs a confirmed message it saw, refuses what it did not see, and stops cleanly", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      const dir = tempDir("validator-process");
      const files = await validatorFiles(dir, pair);
      const file = files.configFiles[0]!;
      const config = JSON.parse(fs.readFileSync(file, "utf8")) as {
        keystore: { file: string; passwordFile?: string; passwordEnv?: string };
        logLevel: string;
      };
      config.logLevel = "info";
      const password = fs.readFileSync(files.passwordFile, "utf8").trim();
      config.keystore = { file: config.keystore.file, passwordEnv: "DPLC_TEST_VALIDATOR_PASSWORD" };
      fs.writeFileSync(file, JSON.stringify(config));
      const p = spawnValidator(file, { DPLC_TEST_VALIDATOR_PASSWORD: password });
      processes.push(p);
      const url = files.endpoints[0]!.url;
      const address = files.endpoints[0]!.address;
      await waitFor("the validator's /healthz", healthy(url), 60_000);
      expect(fs.readFileSync(file, "utf8")).not.to.match(/[0-9a-f]{64}/i);

      const m = await sendOne(pair.main, pair.side, pair.side.receiver, "hello");
      const hash = messageHash(m);
      expect((await get(`${url}/v1/signatures/${hash}`)).body).to.include({ reason: "not-seen" }); // not confirmed yet
      await mine(pair.main, 2);
      await waitFor("the signature", async () => (await get(`${url}/v1/signatures/${hash}`)).status === 200);
      const answer = await get(`${url}/v1/signatures/${hash}`);
      const t = attestationTypedData(m, "message");
      expect(verifyTypedData(t.domain, t.types, t.value, answer.body.signature as string)).to.equal(address);

      const forged = { ...m, payload: AbiCoder.defaultAbiCoder().encode(["string"], ["forged"]) };
      const refused = await get(`${url}/v1/signatures/${messageHash(forged)}`);
      expect(refused.status).to.equal(404);
      expect(refused.body).to.include({ reason: "not-seen", validator: address });
      expect((await get(`${url}/v1/signatures/0x1234`)).status).to.equal(400);

      const health = await get(`${url}/healthz`);
      expect(health.body).to.include({ ok: true, validator: address });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      // Two answers with a signature (the wait's last poll and `answer`); the malformed id refused once.
      expect(metrics).to.match(/validator_signatures_total\{kind="message"\} 2\n/);
      expect(metrics).to.match(/validator_refusals_total\{kind="message",reason="bad-request"\} 1\n/);
      expect(metrics).to.match(/validator_refusals_total\{kind="message",reason="not-seen"\} [2-9]/);

      expect(await p.kill("SIGTERM"), "graceful shutdown exit code").to.equal(0);
      expect(p.output()).to.contain('"validator stopped"');
    });
  });

  describe("when the relayer's config and process are fully compromised", () => {
    it("cannot get a forged message signed by any validator, nor execute it with keys it holds", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      const files = await validatorFiles(tempDir("validator-forgery"), pair);
      for (const f of files.configFiles) processes.push(spawnValidator(f));
      for (const e of files.endpoints) await waitFor(`${e.url}/healthz`, healthy(e.url), 60_000);
      const real = await sendOne(pair.main, pair.side, pair.side.receiver, "pay 1");
      await mine(pair.main, 2);
      const collector = new HttpSignatureCollector(files.endpoints, THRESHOLD, 2000);
      await waitFor("the real message's quorum", async () => (await collector.collect(real).catch(() => [])).length === THRESHOLD);

      const forged = { ...real, payload: AbiCoder.defaultAbiCoder().encode(["string"], ["pay 1000000"]) };
      const err = await collector.collect(forged).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(QuorumError);
      expect((err as QuorumError).missing).to.have.length(3);
      // Everything the relayer holds: its gas key, and the validators' signatures over the real message.
      const gasKey = devnetWallet(ACCOUNT.relayer, pair.side.provider);
      const t = attestationTypedData(forged, "message");
      const own = await new Wallet(gasKey.privateKey).signTypedData(t.domain, t.types, t.value);
      const gateway = BridgeGateway__factory.connect(await pair.side.gateway.getAddress(), gasKey);
      const asStruct = toGatewayMessage(forged);
      await expect(gateway.execute(asStruct, [own, own])).to.be.revertedWithCustomError(gateway, "BridgeGatewayUnknownSigner");
      await expect(gateway.execute(asStruct, await collector.collect(real))).to.be.revertedWithCustomError(gateway, "BridgeGatewayUnknownSigner");
      expect(await pair.side.receiverContract.received()).to.equal(0n);
    });
  });

  describe("when a validator is pointed at a chain that shows a different event under the same id", () => {
    it("refuses to sign the real message, so the relayer cannot count it", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      // The fork repeats the main chain's deployment (same deployer and nonces, so the same addresses)…
      const forkProvider = devnetProvider(fork.url, fork.chainId);
      const forkAdmin = devnetWallet(ACCOUNT.admin, forkProvider);
      const mainNonce = await pair.main.provider.getTransactionCount(pair.main.admin.address);
      const skip = mainNonce - 4; // deployBridgePair's four transactions came last on the main chain
      for (let i = await forkProvider.getTransactionCount(forkAdmin.address); i < skip; i++) {
        await (await forkAdmin.sendTransaction({ to: forkAdmin.address, value: 0n })).wait();
      }
      const forkGateway = await new BridgeGateway__factory(forkAdmin).deploy(
        forkAdmin.address,
        ACCOUNT.validators.map((i) => devnetWallet(i).address),
        THRESHOLD,
      );
      expect(await forkGateway.getAddress()).to.equal(await pair.main.gateway.getAddress());
      await (await forkGateway.grantRole(await forkGateway.SENDER_ROLE(), forkAdmin.address)).wait();
      await deployReceiver(forkAdmin);
      await (await forkGateway.setRemoteGateway(devnets.side.chainId, await pair.side.gateway.getAddress())).wait();
      // …but its nonce-1 message says something else.
      const forkChain = { ...pair.main, devnet: fork, provider: forkProvider, admin: forkAdmin, gateway: forkGateway };
      const onFork = await sendOne(forkChain, pair.side, pair.side.receiver, "forked");
      const real = await sendOne(pair.main, pair.side, pair.side.receiver, "real");
      expect(onFork.nonce).to.equal(real.nonce);
      await mine(pair.main, 2);
      await forkProvider.send("hardhat_mine", ["0x2"]);

      const files = await validatorFiles(tempDir("validator-fork"), pair);
      const forked = JSON.parse(fs.readFileSync(files.configFiles[1]!, "utf8")) as { main: { rpcUrl: string } };
      forked.main.rpcUrl = fork.url;
      fs.writeFileSync(files.configFiles[1]!, JSON.stringify(forked));
      for (const f of files.configFiles.slice(0, 2)) processes.push(spawnValidator(f));
      const [honest, misled] = files.endpoints;
      for (const e of [honest!, misled!]) await waitFor(`${e.url}/healthz`, healthy(e.url), 60_000);
      await waitFor("the honest validator's signature", async () => (await get(`${honest!.url}/v1/signatures/${messageHash(real)}`)).status === 200);
      await waitFor("the misled validator to see the fork's message", async () => (await get(`${misled!.url}/v1/signatures/${messageHash(onFork)}`)).status === 200);

      const refused = await get(`${misled!.url}/v1/signatures/${messageHash(real)}`);
      expect(refused.status).to.equal(404);
      expect(refused.body).to.include({ reason: "not-seen", validator: misled!.address });
      const err = await new HttpSignatureCollector([honest!, misled!], THRESHOLD, 2000).collect(real).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(QuorumError);
      expect((err as QuorumError).missing).to.deep.equal([`${misled!.address} (${misled!.url}): HTTP 404: this validator has not seen a confirmed message with this hash`]);
      forkProvider.destroy();
    });
  });

  describe("when a message can never be delivered", () => {
    it("is attested abandoned only while its delivery fails, and refundable only once abandoned on chain", async () => {
      const pair = await deployBridgePair(devnets.main, devnets.side);
      const failing = await new MockBridgeReceiver__factory(pair.side.admin).deploy();
      await (await failing.setBehaviour(true, false)).wait();
      const files = await validatorFiles(tempDir("validator-abandon"), pair);
      for (const f of files.configFiles) processes.push(spawnValidator(f));
      for (const e of files.endpoints) await waitFor(`${e.url}/healthz`, healthy(e.url), 60_000);
      const ok = await sendOne(pair.main, pair.side, pair.side.receiver, "fine");
      const stuck = await sendOne(pair.main, pair.side, await failing.getAddress(), "stuck");
      await mine(pair.main, 2);
      const collector = new HttpSignatureCollector(files.endpoints, THRESHOLD, 2000);
      await waitFor("the quorum", async () => (await collector.collect(stuck).catch(() => [])).length === THRESHOLD);

      const url = files.endpoints[0]!.url;
      expect((await get(`${url}/v1/abandon/${messageHash(ok)}`)).body).to.include({ reason: "deliverable" });
      expect((await get(`${url}/v1/refund/${messageHash(stuck)}`)).body).to.include({ reason: "not-abandoned" });
      const abandon = await get(`${url}/v1/abandon/${messageHash(stuck)}`);
      expect(abandon.status).to.equal(200);
      expect(abandon.body.failure).to.match(/^reverted with data 0x/);
      await (await pair.side.gateway.abandon(toGatewayMessage(stuck), await collector.collect(stuck, "abandon"))).wait();
      expect((await get(`${url}/v1/abandon/${messageHash(stuck)}`)).body).to.include({ reason: "processed" });
      await mine(pair.side, 2);
      const refund = await get(`${url}/v1/refund/${messageHash(stuck)}`);
      expect(refund.status).to.equal(200);
      // Signed in the source gateway's domain, over the digest the source gateway's refund checks.
      const digest = await pair.main.gateway.hashRefund(toGatewayMessage(stuck));
      expect(recoverAddress(digest, refund.body.signature as string)).to.equal(files.endpoints[0]!.address);
    });
  });
});
