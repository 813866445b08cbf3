import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AbiCoder, type JsonRpcProvider, type Wallet } from "ethers";
import {
  BridgeGateway__factory,
  MockBridgeReceiver__factory,
  type BridgeGateway,
  type MockBridgeReceiver,
} from "../../typechain-types";
import { ACCOUNT, devnetKey, devnetProvider, devnetWallet } from "../../src/devnet/accounts";
import type { Devnet } from "../../src/devnet/node";
import { freePort } from "../../src/devnet/ports";
import pino from "pino";
import type { RelayerConfigInput } from "../../relayer/config";
import type { ValidatorEndpoint } from "../../relayer/collector";
import { spawnDaemon, type DaemonProcess } from "../../src/devnet/daemons";
import { writeValidatorSet, type ValidatorSetFiles } from "../../src/devnet/validators";
import { loadValidatorConfig } from "../../validator/config";
import { startValidatorDaemon, type ValidatorDaemon } from "../../validator/daemon";

/** One chain of a relayer test: its devnet, a provider, the gateway and an acknowledging receiver. */
export interface TestChain {
  readonly devnet: Devnet;
  readonly provider: JsonRpcProvider;
  readonly admin: Wallet;
  readonly gateway: BridgeGateway;
  readonly receiver: string;
  readonly receiverContract: MockBridgeReceiver;
}

export const THRESHOLD = 2;

/** A receiver that acknowledges (or, told to, rejects) every message and counts what it received. */
export async function deployReceiver(admin: Wallet): Promise<MockBridgeReceiver> {
  const receiver = await new MockBridgeReceiver__factory(admin).deploy();
  await receiver.waitForDeployment();
  return receiver;
}

/** Deploys a fresh gateway pair (validators 10–12, threshold 2) and a receiver on each chain; the admin may send. */
export async function deployBridgePair(main: Devnet, side: Devnet): Promise<{ main: TestChain; side: TestChain }> {
  const chains = await Promise.all(
    [main, side].map(async (devnet) => {
      const provider = devnetProvider(devnet.url, devnet.chainId);
      const admin = devnetWallet(ACCOUNT.admin, provider);
      const validators = ACCOUNT.validators.map((i) => devnetWallet(i).address);
      const gateway = await new BridgeGateway__factory(admin).deploy(admin.address, validators, THRESHOLD);
      await gateway.waitForDeployment();
      await (await gateway.grantRole(await gateway.SENDER_ROLE(), admin.address)).wait();
      const receiverContract = await deployReceiver(admin);
      return { devnet, provider, admin, gateway, receiver: await receiverContract.getAddress(), receiverContract };
    }),
  );
  const [m, s] = chains as [TestChain, TestChain];
  await (await m.gateway.setRemoteGateway(s.devnet.chainId, await s.gateway.getAddress())).wait();
  await (await s.gateway.setRemoteGateway(m.devnet.chainId, await m.gateway.getAddress())).wait();
  return { main: m, side: s };
}

/** Sends `count` messages from `from` to `to`'s receiver (or `target`); returns their nonces. */
export async function sendMessages(from: TestChain, to: TestChain, count: number, target = to.receiver): Promise<bigint[]> {
  const nonces: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const payload = AbiCoder.defaultAbiCoder().encode(["uint256"], [BigInt(i)]);
    const receipt = await (await from.gateway.send(to.devnet.chainId, target, payload)).wait();
    const log = receipt!.logs.map((l) => from.gateway.interface.parseLog(l)).find((p) => p?.name === "BridgeMessageSent");
    nonces.push(log!.args.nonce as bigint);
  }
  return nonces;
}

/** How many times each source nonce was executed at `to` (from its BridgeMessageExecuted logs). */
export async function executedNonces(to: TestChain, from: TestChain): Promise<Map<bigint, number>> {
  const logs = await to.gateway.queryFilter(to.gateway.filters.BridgeMessageExecuted(from.devnet.chainId), 0, "latest");
  const counts = new Map<bigint, number>();
  for (const l of logs) counts.set(l.args.nonce, (counts.get(l.args.nonce) ?? 0) + 1);
  return counts;
}

/** Every nonce 1..`count` from `from` was executed at `to` exactly once, and no other. */
export async function expectExactlyOnce(to: TestChain, from: TestChain, count: number): Promise<void> {
  const counts = await executedNonces(to, from);
  expect([...counts.keys()].sort((a, b) => Number(a - b))).to.deep.equal(Array.from({ length: count }, (_, i) => BigInt(i + 1)));
  for (const [nonce, n] of counts) expect(n, `nonce ${nonce}`).to.equal(1);
}

/** A daemon's /healthz answers 200. */
export function healthy(url: string): () => Promise<boolean> {
  return async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200;
}

/** Transactions sent to `to`'s gateway by the relayer's account (each delivery attempt that reached the chain). */
export async function relayerTransactions(to: TestChain): Promise<number> {
  return to.provider.getTransactionCount(devnetWallet(ACCOUNT.relayer).address);
}

/** Mines `n` empty blocks. */
export async function mine(chain: TestChain, n: number): Promise<void> {
  await chain.provider.send("hardhat_mine", ["0x" + n.toString(16)]);
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dplc-${prefix}-`));
}

/** How the validators and the relayer see a gateway pair. */
export async function bridgeChains(pair: { main: TestChain; side: TestChain }) {
  const chain = async (c: TestChain) => ({ rpcUrl: c.devnet.url, chainId: c.devnet.chainId, gateway: await c.gateway.getAddress(), startBlock: 0 });
  return { main: await chain(pair.main), side: await chain(pair.side) };
}

/** A relayer config for a gateway pair: the validators' endpoints, no validator key. */
export async function relayerConfig(
  dir: string,
  pair: { main: TestChain; side: TestChain },
  validators: readonly ValidatorEndpoint[],
  overrides: Partial<RelayerConfigInput> = {},
): Promise<RelayerConfigInput> {
  return {
    ...(await bridgeChains(pair)),
    confirmations: 2,
    pollIntervalMs: 100,
    validators: [...validators],
    threshold: THRESHOLD,
    signatureTimeoutMs: 2000,
    submitterKey: devnetKey(ACCOUNT.relayer),
    checkpointFile: path.join(dir, "checkpoint.json"),
    http: { host: "127.0.0.1", port: await freePort() },
    retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
    logLevel: "warn",
    ...overrides,
  };
}

/** Keystores and configs of the devnet validators 10–12 for a gateway pair (`chains` may point one elsewhere). */
export async function validatorFiles(
  dir: string,
  pair: { main: TestChain; side: TestChain },
  opts: { confirmations?: number } = {},
): Promise<ValidatorSetFiles> {
  return writeValidatorSet({ dir: path.join(dir, "validators"), ...(await bridgeChains(pair)), confirmations: opts.confirmations, pollIntervalMs: 100, logLevel: "warn" });
}

/** The validators of `files`, each a daemon in this process (one key each, from its keystore). */
export async function startValidators(files: ValidatorSetFiles): Promise<ValidatorDaemon[]> {
  return Promise.all(
    files.configFiles.map((f) => startValidatorDaemon(loadValidatorConfig(f), { logger: pino({ level: "silent" }) })),
  );
}

export function writeConfig(dir: string, config: unknown, name = "relayer.json"): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** A relayer or validator daemon in its own process group, as `npm run relayer` / `npm run validator` start it. */
export interface RelayerProcess {
  readonly daemon: DaemonProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

function asProcess(daemon: DaemonProcess): RelayerProcess {
  return { daemon, output: () => daemon.output(), exited: daemon.exited, kill: (signal) => daemon.stop(signal) };
}

export function spawnRelayer(configFile: string): RelayerProcess {
  return asProcess(spawnDaemon({ name: "relayer", script: "relayer/cli.ts", configFile }));
}

export function spawnValidator(configFile: string, env: NodeJS.ProcessEnv = {}): RelayerProcess {
  return asProcess(spawnDaemon({ name: "validator", script: "validator/cli.ts", configFile, env }));
}

/** Polls `check` every 100 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
