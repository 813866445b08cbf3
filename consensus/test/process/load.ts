import { HDNodeWallet, Mnemonic, Transaction } from "ethers";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { LocalCluster, type LocalClusterOptions } from "../../src/node/cluster";

const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");

/** Hardhat's funded development account i. */
export const devAccount = (i: number): HDNodeWallet => HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`);

export interface LoadResult {
  /** Hashes acknowledged "ordered" or "applied", per client in nonce order. */
  acked: string[][];
  attempts: number;
  errors: Map<string, number>;
}

/**
 * Closed-loop clients, one funded account each: a client signs its next transfer, posts it to a
 * random live node and retries the same bytes until acknowledged, then moves to the next nonce.
 * So per-sender nonces reach the orderer in order, and a retry across a leader change tests dedupe.
 */
export class LoadGenerator {
  private running = false;
  private loops: Promise<void>[] = [];
  readonly result: LoadResult;

  constructor(
    private readonly clients: number,
    private readonly targets: () => string[],
    private readonly firstAccount = 1,
  ) {
    this.result = { acked: Array.from({ length: clients }, () => []), attempts: 0, errors: new Map() };
  }

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.clients }, (_, c) => this.client(c));
  }

  /** Stops issuing new transactions; the one in flight per client is still driven to an ack (bounded). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  get ackedCount(): number {
    return this.result.acked.reduce((s, a) => s + a.length, 0);
  }

  private async client(c: number): Promise<void> {
    const wallet = devAccount(this.firstAccount + c);
    for (let nonce = 0; this.running; nonce++) {
      const raw = await wallet.signTransaction({
        type: 2,
        chainId: 31337n,
        nonce,
        to: devAccount(0).address,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: 100_000_000_000n,
        maxPriorityFeePerGas: 1n,
      });
      const hash = await this.untilAcked(raw, 60_000);
      if (hash === null) return;
      this.result.acked[c]!.push(hash);
    }
  }

  private async untilAcked(raw: string, timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const targets = this.targets();
      const url = targets[Math.floor(Math.random() * targets.length)];
      if (url === undefined) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      this.result.attempts++;
      try {
        const res = await fetch(`${url}/v1/transactions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ raw }),
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await res.json()) as { status?: string; hash?: string; error?: string };
        if (res.status === 200 && (body.status === "ordered" || body.status === "applied")) return body.hash!;
        this.count(`${res.status} ${body.status ?? body.error ?? ""}`.slice(0, 60));
      } catch (err) {
        this.count(`fetch: ${(err as Error).message}`.slice(0, 60));
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`transaction ${Transaction.from(raw).hash} not acknowledged within ${timeoutMs} ms`);
  }

  private count(key: string): void {
    this.result.errors.set(key, (this.result.errors.get(key) ?? 0) + 1);
  }
}

/** A base port P such that P..P+n, P+100..P+100+n and P+200..P+200+n (replica chains) are all free on 127.0.0.1. */
export async function freeBasePort(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768+), so outgoing connections cannot take our ports meanwhile.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = Array.from({ length: n }, (_, i) => [base + i, base + 100 + i, base + 200 + i]).flat();
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error("no free port range found");
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * Mocha hooks for one describe: a fresh 3-node cluster with fault injection (n1, n2: the pool; n3: a
 * participant; 50 ms ticks, 10 per election timeout) before its tests, stopped after them. The
 * directory stays when a test failed, for its logs. `overrides` changes any of these options.
 */
export function withFaultyCluster(
  prefix: string,
  overrides: Partial<Omit<LocalClusterOptions, "dir" | "basePort">> = {},
  /** The nodes started before the tests (default: all). */
  startFirst?: string[],
): () => LocalCluster {
  let cluster: LocalCluster;
  let dir: string;
  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    // Peers pinned by certificate fingerprint here (the other process tests trust the cluster's CA): both paths run.
    const nodes = (overrides.nodes ?? 3) + (overrides.spares ?? 0);
    cluster = new LocalCluster({ nodes: 3, dir, basePort: await freeBasePort(nodes), faultInjection: true, tickMs: 50, electionTicks: 10, logLevel: "info", trust: "fingerprint", ...overrides });
    await cluster.generate();
    if (startFirst === undefined) await cluster.startAll();
    else for (const id of startFirst) await cluster.start(id);
  });
  after(async function () {
    await cluster?.stopAll();
    if (this.currentTest?.state !== "failed") fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => cluster;
}

/** A node's `GET /v1/status`, or null while it does not answer. */
export async function fetchStatus<T>(url: string): Promise<T | null> {
  try {
    const res = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as T) : null;
  } catch {
    return null;
  }
}
