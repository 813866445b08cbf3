import type { BaseWallet } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { startHardhatNode, type DevNode } from "../../src/chain/devnode";
import { startReplicaEvm } from "../../src/node/replica-evm";
import { parseConfig } from "../../src/config/load";
import type { OrdererConfig } from "../../src/config/schema";
import type { Message, NodeRole } from "../../src/core/types";
import { OrdererNode, type OrdererNodeOptions } from "../../src/node/node";
import type { Transport, TransportFactory } from "../../src/transport/transport";

export const CHAIN_ID = 31337n;

/** In-process network: delivers asynchronously, through a structured clone as a wire would. */
export class InProcessNetwork {
  private readonly handlers = new Map<string, (m: Message) => void>();
  delivered = 0;
  /** Every message a node handed its transport, in order: what left a node, whether or not it arrived. */
  readonly sent: Message[] = [];

  factory(id: string): TransportFactory {
    return (onMessage) => {
      const net = this;
      const t: Transport = {
        async start() {
          net.handlers.set(id, onMessage);
        },
        send(messages) {
          for (const m of messages) {
            const copy = structuredClone(m);
            net.sent.push(copy);
            setImmediate(() => {
              const h = net.handlers.get(copy.to);
              if (h === undefined) return;
              net.delivered++;
              h(copy);
            });
          }
        },
        async close() {
          net.handlers.delete(id);
        },
      };
      return t;
    };
  }
}

export interface ClusterSpec {
  roles: NodeRole[];
  tickMs?: number;
  electionTicks?: number;
  /** Each node's own EVM replica (JSON-RPC URL), in the order of `roles`. */
  chains?: string[];
  /** Enables POST /v1/clock on every node. */
  clockAdvance?: boolean;
  /** How often each node compares its replica with its peers' (0: never). */
  divergenceCheckMs?: number;
  /** Admission against the registry contract (needs `chains`). */
  admission?: { registry: string; operators?: string[] };
  snapshotEntries?: number;
}

/** Configs for an in-process cluster n1..nN (raft ports are labels only; the network is in-process). */
export function clusterConfigs(spec: ClusterSpec, dir: string): OrdererConfig[] {
  const peers = spec.roles.map((role, i) => ({
    id: `n${i + 1}`,
    role,
    port: 17_001 + i,
    fingerprint: "ab".repeat(32),
  }));
  return peers.map((p, i) =>
    parseConfig(
      {
        id: p.id,
        role: p.role,
        peers,
        listen: { raftPort: p.port, httpPort: 0 },
        dataDir: path.join(dir, p.id),
        tls: { certFile: path.join(dir, `${p.id}.crt.pem`), keyFile: path.join(dir, `${p.id}.key.pem`) },
        timeouts: { tickMs: spec.tickMs ?? 20, electionTicks: spec.electionTicks ?? 10 },
        storage: { fsync: true, snapshotEntries: spec.snapshotEntries ?? 10_000 },
        ...(spec.chains === undefined ? {} : { chain: { rpcUrl: spec.chains[i]!, chainId: Number(CHAIN_ID), divergenceCheckMs: spec.divergenceCheckMs ?? 0 } }),
        ...(spec.clockAdvance === true ? { devnet: { clockAdvance: true } } : {}),
        ...(spec.admission === undefined ? {} : { admission: spec.admission }),
        logLevel: "silent",
      },
      dir,
      `node ${i + 1}`,
    ),
  );
}

export class InProcessCluster {
  readonly net = new InProcessNetwork();
  readonly nodes = new Map<string, OrdererNode>();
  readonly peerApi: Record<string, string> = {};
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "dplc-node-"));
  readonly configs: OrdererConfig[];

  constructor(
    spec: ClusterSpec,
    private readonly extra: Partial<OrdererNodeOptions> = {},
  ) {
    this.configs = clusterConfigs(spec, this.dir);
  }

  async start(id: string): Promise<OrdererNode> {
    const config = this.configs.find((c) => c.id === id)!;
    const node = new OrdererNode({
      config,
      logger: pino({ level: "silent" }),
      transport: this.net.factory(id),
      peerApi: this.peerApi,
      ...this.extra,
    });
    await node.start();
    this.peerApi[id] = node.apiUrl;
    this.nodes.set(id, node);
    return node;
  }

  async startAll(): Promise<void> {
    for (const c of this.configs) await this.start(c.id);
  }

  async stop(id: string): Promise<void> {
    await this.nodes.get(id)?.stop();
    this.nodes.delete(id);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.keys()].map((id) => this.stop(id)));
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Polls (bounded) until some running node leads; answers its id. */
  async leader(timeoutMs = 10_000): Promise<string> {
    return waitFor(() => {
      for (const [id, n] of this.nodes) if (n.status().leader === id) return id;
      return undefined;
    }, timeoutMs, "a leader");
  }
}

/** The sum of a metric's values on `node` (all its labels). */
export async function metric(node: OrdererNode, name: string): Promise<number> {
  const m = await node.metrics.registry.getSingleMetric(name)!.get();
  return m.values.reduce((sum, v) => sum + v.value, 0);
}

/** Polls `probe` every 20 ms until it answers a value; fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A 1-wei transfer; `tip` lets a test show that a fee-ordered mempool would reorder a block. */
export async function signedTransfer(wallet: BaseWallet, nonce: number, to = wallet.address, tip = 1n): Promise<string> {
  return wallet.signTransaction({
    type: 2,
    chainId: CHAIN_ID,
    nonce,
    to,
    value: 1n,
    gasLimit: 21_000n,
    maxFeePerGas: 100_000_000_000n,
    maxPriorityFeePerGas: tip,
  });
}

export async function post(url: string, raw: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/v1/transactions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ raw }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** One chain node per orderer node, started together (`replica`: the replicas' host, else a project `hardhat node`). */
export async function startChains(n: number, replica = true): Promise<DevNode[]> {
  return Promise.all(Array.from({ length: n }, () => (replica ? startReplicaEvm({ evm: "hardhat" }) : startHardhatNode())));
}

export async function stopChains(chains: readonly DevNode[] | undefined): Promise<void> {
  await Promise.all((chains ?? []).map((c) => c.stop()));
}
