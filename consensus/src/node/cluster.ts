import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DAEMON_NODE_FLAGS, ensureBuilt } from "../../bin/build";
import { REPO_ROOT, type DevNode } from "../chain/devnode";
import { CA_CERT_FILE, certPaths, writeClusterCertificates } from "../config/certs";
import type { OrdererConfigInput, ReplicaEvm } from "../config/schema";
import type { NodeRole } from "../core";
import { startReplicaEvm } from "./replica-evm";

export interface LocalClusterOptions {
  nodes: number;
  dir: string;
  basePort: number;
  /**
   * Nodes prepared to join at run time (`n{nodes+1}`…): certificates from the cluster's CA and a config with `join`
   * (n1's API) and no peers; add one with `POST /v1/members` (`memberRequest`), then `start` it.
   */
  spares?: number;
  /** Trading-centre nodes (the candidate pool), the first `pool` ids; default: a majority. */
  pool?: number;
  /** Start a chain node per orderer node (its EVM replica, all from the same genesis). */
  chain?: boolean;
  /** The replicas' EVM: one for all, or node i's the i-th (default hardhat). */
  evm?: ReplicaEvm | readonly ReplicaEvm[];
  /** Enable `POST /v1/clock` (devnet.clockAdvance) on every node; default: with `chain`. */
  clockAdvance?: boolean;
  /** How often each node compares its replica with its peers' (ms; the config's default when unset). */
  divergenceCheckMs?: number;
  /** Admission against a deployed DPLCRegistry (needs `chain`): written into every node's config. */
  admission?: { registry: string; operators?: string[] };
  tickMs?: number;
  electionTicks?: number;
  fsync?: boolean;
  /** Applied entries between snapshots (the config's default when unset). */
  snapshotEntries?: number;
  /** Entries kept behind a snapshot: the compaction window (the config's default when unset). */
  catchUpEntries?: number;
  faultInjection?: boolean;
  logLevel?: string;
  batchTimeoutMs?: number;
  /** Transactions per block at most (the config's default when unset). */
  maxMessageCount?: number;
  /**
   * How peers recognise each other's TLS certificates: through the cluster's own CA ("ca", the
   * default, as a consortium would) or by pinned SHA-256 fingerprints ("fingerprint").
   */
  trust?: "ca" | "fingerprint";
  /**
   * Each node's address (listen and peer), node i the i-th; default 127.0.0.1 for all. Nodes on distinct
   * addresses (e.g. one network namespace each) use the same ports.
   */
  hosts?: readonly string[];
  /** A command each node's process runs under, e.g. `["ip", "netns", "exec", "ns1"]` (it must exec, not fork). */
  wrap?: (id: string) => readonly string[];
}

/** Raft port of node i is basePort + i, its API basePort + 100 + i, its replica's chain basePort + 200 + i. */
export const HTTP_OFFSET = 100;
export const CHAIN_OFFSET = 200;

/**
 * A local cluster of real orderer processes on 127.0.0.1, each in its own process group so a
 * `kill -9` takes the whole node (ts-node included) and stop never leaves strays.
 */
export class LocalCluster {
  readonly ids: string[];
  /** The `spares` nodes, after `ids` in the port layout. */
  readonly spareIds: string[];
  readonly procs = new Map<string, ChildProcess>();
  private readonly exits = new Map<string, Promise<void>>();
  /** Each node's replica chain node, by node id. */
  readonly chainNodes = new Map<string, DevNode>();
  /** The pending `generate()`, which `start` waits for: keys and certificates are made asynchronously. */
  private generating: Promise<void> | null = null;
  /** Every node's certificate fingerprint, once generated (pinned trust names them in `memberRequest`). */
  private fingerprints: Record<string, string> = {};

  constructor(readonly o: LocalClusterOptions) {
    this.ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    this.spareIds = Array.from({ length: o.spares ?? 0 }, (_, i) => `n${o.nodes + i + 1}`);
    if (typeof o.evm === "object" && o.evm.length !== o.nodes) throw new Error(`evm names ${o.evm.length} replicas' EVMs for ${o.nodes} nodes`);
    // Detached groups outlive their parent: never leave nodes behind when this process exits.
    process.once("exit", () => {
      for (const child of this.procs.values()) killGroup(child, "SIGKILL");
    });
  }

  /** n1's replica (every replica answers the same). */
  get chainUrl(): string {
    return this.replicaUrl(this.ids[0]!);
  }

  /** The JSON-RPC URL of node `id`'s replica. */
  replicaUrl(id: string): string {
    return `http://127.0.0.1:${this.o.basePort + CHAIN_OFFSET + this.slot(id)}`;
  }

  /** The EVM node `id`'s replica runs on. */
  replicaEvm(id: string): ReplicaEvm {
    const evm = this.o.evm ?? "hardhat";
    return typeof evm === "string" ? evm : (evm[this.ids.indexOf(id)] ?? "hardhat");
  }

  /** The address node `id` listens on. */
  host(id: string): string {
    return this.o.hosts?.[this.slot(id)] ?? "127.0.0.1";
  }

  apiUrl(id: string): string {
    return `http://${this.host(id)}:${this.o.basePort + HTTP_OFFSET + this.slot(id)}`;
  }

  /** Node `id`'s place in the port layout (members first, then spares). */
  private slot(id: string): number {
    const i = [...this.ids, ...this.spareIds].indexOf(id);
    if (i < 0) throw new Error(`no node ${id} in this cluster`);
    return i;
  }

  /** The `POST /v1/members` body that adds spare `id`. */
  memberRequest(id: string, role: "pool" | "participant" = "participant"): { id: string; raftAddress: string; apiUrl: string; role: string; fingerprint?: string } {
    const pin = this.o.trust === "fingerprint" ? { fingerprint: this.fingerprints[id] } : {};
    return { id, raftAddress: `${this.host(id)}:${this.o.basePort + this.slot(id)}`, apiUrl: this.apiUrl(id), role, ...pin };
  }

  configFile(id: string): string {
    return path.join(this.o.dir, `${id}.json`);
  }

  logFile(id: string): string {
    return path.join(this.o.dir, `${id}.log`);
  }

  /** Writes a fresh CA, a TLS key and certificate and a config per node (replacing the directory's data). */
  generate(): Promise<void> {
    this.generating = this.writeFiles();
    return this.generating;
  }

  private async writeFiles(): Promise<void> {
    fs.rmSync(this.o.dir, { recursive: true, force: true });
    fs.mkdirSync(this.o.dir, { recursive: true });
    const fingerprints = await writeClusterCertificates(this.o.dir, [...this.ids, ...this.spareIds]);
    this.fingerprints = fingerprints;
    const pinned = this.o.trust === "fingerprint";
    const pool = this.o.pool ?? Math.floor(this.o.nodes / 2) + 1;
    const peers = this.ids.map((id, i) => {
      const role: NodeRole = i < pool ? "trading-centre" : "participant";
      const pin = pinned ? { fingerprint: fingerprints[id] } : {};
      return { id, role, host: this.host(id), port: this.o.basePort + i, httpPort: this.o.basePort + HTTP_OFFSET + i, ...pin };
    });
    peers.forEach((p, i) => {
      const cfg: OrdererConfigInput = {
        id: p.id,
        role: p.role,
        peers,
        listen: { host: p.host, raftPort: p.port, httpPort: this.o.basePort + HTTP_OFFSET + i },
        dataDir: `data/${p.id}`,
        tls: { ...certPaths(p.id), ...(pinned ? {} : { caFile: CA_CERT_FILE }) },
        timeouts: { tickMs: this.o.tickMs ?? 50, electionTicks: this.o.electionTicks ?? 10 },
        storage: {
          fsync: this.o.fsync ?? true,
          ...(this.o.snapshotEntries === undefined ? {} : { snapshotEntries: this.o.snapshotEntries }),
          ...(this.o.catchUpEntries === undefined ? {} : { catchUpEntries: this.o.catchUpEntries }),
        },
        batching: { batchTimeoutMs: this.o.batchTimeoutMs ?? 50, ...(this.o.maxMessageCount === undefined ? {} : { maxMessageCount: this.o.maxMessageCount }) },
        logLevel: (this.o.logLevel ?? "info") as OrdererConfigInput["logLevel"],
        ...(this.o.chain === true ? { chain: { rpcUrl: this.replicaUrl(p.id), chainId: 31337, evm: this.replicaEvm(p.id), ...this.divergenceCheck() } } : {}),
        ...((this.o.clockAdvance ?? this.o.chain === true) ? { devnet: { clockAdvance: true } } : {}),
        ...(this.o.admission === undefined ? {} : { admission: this.o.admission }),
      };
      fs.writeFileSync(this.configFile(p.id), JSON.stringify(cfg, null, 2) + "\n");
      // A spare is the same node with another id and place, no peers, and the first member to join through.
      if (i === 0) {
        for (const id of this.spareIds) {
          const slot = this.slot(id);
          const spare: OrdererConfigInput = {
            ...cfg,
            id,
            role: "participant",
            peers: [],
            join: this.apiUrl(p.id),
            listen: { host: this.host(id), raftPort: this.o.basePort + slot, httpPort: this.o.basePort + HTTP_OFFSET + slot },
            dataDir: `data/${id}`,
            tls: { ...cfg.tls, ...certPaths(id) },
            ...(this.o.chain === true ? { chain: { rpcUrl: this.replicaUrl(id), chainId: 31337, ...this.divergenceCheck() } } : {}),
          };
          fs.writeFileSync(this.configFile(id), JSON.stringify(spare, null, 2) + "\n");
        }
      }
    });
  }

  private divergenceCheck(): { divergenceCheckMs?: number } {
    return this.o.divergenceCheckMs === undefined ? {} : { divergenceCheckMs: this.o.divergenceCheckMs };
  }

  /** Starts node `id`'s replica chain node (every node's when `id` is omitted); a fresh one has only the genesis. */
  async startChain(id?: string): Promise<void> {
    if (this.o.chain !== true) return;
    const ids = id === undefined ? this.ids : [id];
    await Promise.all(
      ids.map(async (n) => {
        if (this.chainNodes.has(n)) return;
        const port = this.o.basePort + CHAIN_OFFSET + this.slot(n);
        this.chainNodes.set(n, await startReplicaEvm({ evm: this.replicaEvm(n), port }));
      }),
    );
  }

  /** Stops node `id`'s replica chain node; an in-memory chain node (Hardhat, Anvil) loses its chain with it. */
  async stopChain(id: string): Promise<void> {
    await this.chainNodes.get(id)?.stop();
    this.chainNodes.delete(id);
  }

  /** Starts one node process (appending to its log) and waits until its API answers. */
  async start(id: string, timeoutMs = 60_000): Promise<void> {
    if (this.procs.has(id)) throw new Error(`${id} is already running`);
    await this.generating;
    // Built here, once, before any node starts: the nodes' own launchers then find the build fresh.
    ensureBuilt({ root: REPO_ROOT });
    const args = [...DAEMON_NODE_FLAGS, path.join(REPO_ROOT, "consensus/bin/orderer.js")];
    args.push("--config", this.configFile(id));
    if (this.o.faultInjection === true) args.push("--fault-injection");
    const log = fs.openSync(this.logFile(id), "a");
    const [command, ...rest] = [...(this.o.wrap?.(id) ?? []), process.execPath, ...args];
    const child = spawn(command!, rest, { cwd: REPO_ROOT, detached: true, stdio: ["ignore", log, log] });
    fs.closeSync(log);
    this.procs.set(id, child);
    this.exits.set(id, new Promise((resolve) => child.once("exit", () => resolve())));
    child.once("exit", () => this.procs.delete(id));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.procs.has(id)) throw new Error(`${id} exited during start; see ${this.logFile(id)}`);
      try {
        const res = await fetch(`${this.apiUrl(id)}/healthz`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.kill(id);
    throw new Error(`${id} did not answer /healthz within ${timeoutMs} ms; see ${this.logFile(id)}`);
  }

  async startAll(): Promise<void> {
    await this.startChain();
    await Promise.all(this.ids.map((id) => this.start(id)));
  }

  /** Sends `signal` to the node's whole process group and waits for it to exit. */
  async kill(id: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.procs.get(id);
    if (child === undefined) return;
    killGroup(child, signal);
    await this.exits.get(id);
  }

  /** Graceful stop (SIGTERM), then SIGKILL if the node has not exited after `graceMs`. */
  async stop(id: string, graceMs = 10_000): Promise<void> {
    const child = this.procs.get(id);
    if (child === undefined) return;
    const timer = setTimeout(() => void this.kill(id, "SIGKILL"), graceMs);
    await this.kill(id, "SIGTERM");
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((id) => this.stop(id)));
    await Promise.all([...this.chainNodes.keys()].map((id) => this.stopChain(id)));
  }

  running(): string[] {
    return [...this.procs.keys()];
  }

  async status(id: string): Promise<{ leader: string | null; term: number; commitIndex: number; appliedIndex: number } | null> {
    try {
      const res = await fetch(`${this.apiUrl(id)}/v1/status`, { signal: AbortSignal.timeout(2_000) });
      return (await res.json()) as { leader: string | null; term: number; commitIndex: number; appliedIndex: number };
    } catch {
      return null;
    }
  }

  /** Polls (bounded) until a running node reports itself leader and a majority of running nodes agree. */
  async leader(timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const running = this.running();
      const views = await Promise.all(running.map(async (id) => [id, await this.status(id)] as const));
      for (const [id, st] of views) {
        if (st?.leader !== id) continue;
        const agree = views.filter(([, v]) => v?.leader === id && v.term === st.term).length;
        if (agree > this.o.nodes / 2) return id;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no leader within ${timeoutMs} ms`);
  }

  /** Fault injection: cut `id` off from `peers` at its transport (an empty list heals). */
  async partition(id: string, peers: string[]): Promise<void> {
    const res = await fetch(`${this.apiUrl(id)}/debug/partition`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ peers }),
    });
    if (!res.ok) throw new Error(`partition ${id}: HTTP ${res.status} ${await res.text()}`);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
