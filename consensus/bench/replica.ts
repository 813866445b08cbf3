/**
 * Replica benchmark (issue 13): how fast a node's replica applies ordered blocks, against how fast the same kind of
 * EVM node takes the same signed transfers submitted directly.
 *
 * (a) Raw chain rate: a fresh replica chain node of the kind every Hardhat replica runs (our replica host,
 *     `startReplicaEvm({ evm: "hardhat" })`: Hardhat's in-process network behind Hardhat's own JSON-RPC server, mining
 *     off) gets the transfers as JSON-RPC batches of `eth_sendRawTransaction` (its handler runs a batch's calls
 *     concurrently: as fast as it takes them), then `evm_mine` until its mempool is empty; transfers per second from
 *     the first send to the last mined block.
 * (b) Replica apply rate: a 3-node cluster orders the same transfers (the followers started without their chain nodes,
 *     so every block waits in their block stores; the leader's chain node, which it reads new senders' nonces from,
 *     is replaced by an empty one afterwards, so its replica rebuilds from block 1), then each node's chain node is
 *     started alone, one after the other, and its replica applies the whole backlog: blocks and transfers per second from its first applied transfer block to
 *     its last. One at a time because the machine's cores are shared: three EVM nodes applying at once would each get
 *     a third of what (a) got, which measures the machine, not the apply path; and a backlog because while the
 *     cluster orders, the replica only keeps up with the ordering rate (`bench:consensus` measures that).
 *
 * Senders: `senders` fresh wallets funded by one ordered transfer each from a development account (the funding is not
 * timed in either), then `transfers` transfers spread over them, nonces in order. Disk use: n1's `blocks/` directory
 * over the transactions it holds.
 */
import { HDNodeWallet, keccak256, Mnemonic, Wallet } from "ethers";
import path from "node:path";
import pino from "pino";
import type { DevNode } from "../src/chain/devnode";
import { JsonRpcClient } from "../src/chain/rpc";
import { applierCheckpointFile, ChainApplier } from "../src/chain/applier";
import { freePort } from "../../src/devnet/ports";
import { LocalCluster } from "../src/node/cluster";
import { startReplicaEvm, type ReplicaEvm } from "../src/node/replica-evm";
import { clusterPorts, freeBase } from "./ports";
import { dirBytes, median } from "./util";

export interface ReplicaBenchOptions {
  /** Work directory (one sub-directory per run). */
  dir: string;
  runs: number;
  senders: number;
  transfers: number;
  /** Ordered blocks' size limit (the cluster's `batching.maxMessageCount`). */
  maxMessageCount: number;
  log?: (line: string) => void;
}

export interface NodeApply {
  id: string;
  blocks: number;
  txs: number;
  seconds: number;
  blocksPerSec: number;
  txPerSec: number;
}

export interface ReplicaRun {
  rawTxPerSec: number;
  rawSeconds: number;
  nodes: NodeApply[];
  /** The slowest node's transfers per second over the raw rate. */
  ratio: number;
  storeBytesPerTx: number;
  orderedBlocks: number;
}

export interface Transfers {
  funding: string[];
  transfers: string[];
}

const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
const fee = { maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n };

/** Funding from development account 1, then `transfers` transfers round-robin over `senders` fresh wallets. */
export async function signTransfers(senders: number, transfers: number): Promise<Transfers> {
  const funder = HDNodeWallet.fromMnemonic(MNEMONIC, "m/44'/60'/0'/0/1");
  const wallets = Array.from({ length: senders }, (_, i) => new Wallet(HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/1/${i}`).privateKey));
  const funding = await Promise.all(
    wallets.map((w, i) => funder.signTransaction({ type: 2, chainId: 31337n, nonce: i, to: w.address, value: 10n ** 18n, gasLimit: 21_000n, ...fee })),
  );
  const to = HDNodeWallet.fromMnemonic(MNEMONIC, "m/44'/60'/0'/0/0").address;
  const out: string[] = [];
  for (let k = 0; k < transfers; k++) {
    const w = wallets[k % senders]!;
    out.push(await w.signTransaction({ type: 2, chainId: 31337n, nonce: Math.floor(k / senders), to, value: 1n, gasLimit: 21_000n, ...fee }));
  }
  return { funding, transfers: out };
}

async function mineAll(rpc: JsonRpcClient): Promise<void> {
  for (;;) {
    const pending = await rpc.call<{ transactions: string[] }>("eth_getBlockByNumber", ["pending", false]);
    if (pending.transactions.length === 0) return;
    await rpc.call("evm_mine", []);
  }
}

/** (a): transfers per second into a fresh replica chain node, sent in batches, mined until its mempool is empty. */
export async function rawRate(t: Transfers, batch = 200): Promise<{ txPerSec: number; seconds: number }> {
  const node: DevNode = await startReplicaEvm({ evm: "hardhat", port: await freePort() });
  try {
    const rpc = new JsonRpcClient(node.url);
    const send = async (raws: string[]): Promise<void> => {
      for (let i = 0; i < raws.length; i += batch) {
        const outcomes = await rpc.batch(raws.slice(i, i + batch).map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })));
        const bad = outcomes.find((o) => !o.ok);
        if (bad !== undefined && !bad.ok) throw new Error(`raw send refused: ${bad.message}`);
      }
    };
    await send(t.funding);
    await mineAll(rpc);
    const started = process.hrtime.bigint();
    await send(t.transfers);
    await mineAll(rpc);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { txPerSec: t.transfers.length / seconds, seconds };
  } finally {
    await node.stop();
  }
}

async function post(url: string, raw: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const res = await fetch(`${url}/v1/transactions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ raw }), signal: AbortSignal.timeout(15_000) });
      const body = (await res.json()) as { status?: string; error?: string };
      if (res.status === 200 && body.status !== "pending") return;
      if (res.status !== 503 && res.status !== 200) throw new Error(`POST answered ${res.status}: ${body.error}`);
    } catch (err) {
      if (/answered/.test((err as Error).message)) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("a transfer was not acknowledged after 200 attempts");
}

/** Orders every transaction: the funding from one client, then one client per sender, each in nonce order. */
async function order(url: string, t: Transfers, senders: number): Promise<void> {
  for (const raw of t.funding) await post(url, raw);
  await Promise.all(
    Array.from({ length: senders }, async (_, s) => {
      for (let k = s; k < t.transfers.length; k += senders) await post(url, t.transfers[k]!);
    }),
  );
}

async function status(url: string): Promise<{ blocks: { number: number }; replica?: { appliedBlock: number } }> {
  return (await (await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(5_000) })).json()) as { blocks: { number: number }; replica?: { appliedBlock: number } };
}

/** (b) for one node: start its chain node, follow its head until the replica applied `head`, count from funding's end. */
async function applyBacklog(cluster: LocalCluster, id: string, head: number, lastFunding: string): Promise<NodeApply> {
  await cluster.startChain(id);
  const rpc = new JsonRpcClient(cluster.replicaUrl(id));
  const samples: { at: number; chain: number }[] = [];
  for (;;) {
    const chain = Number(BigInt(await rpc.call<string>("eth_blockNumber")));
    samples.push({ at: performance.now(), chain });
    if (chain > 0 && ((await status(cluster.apiUrl(id))).replica?.appliedBlock ?? 0) >= head) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const funded = await rpc.call<{ blockNumber: string }>("eth_getTransactionReceipt", [lastFunding]);
  const from = samples.find((s) => s.chain >= Number(BigInt(funded.blockNumber)))!;
  const to = samples.at(-1)!;
  const counts = await rpc.batch(
    Array.from({ length: to.chain - from.chain }, (_, k) => ({ method: "eth_getBlockTransactionCountByNumber", params: ["0x" + (from.chain + 1 + k).toString(16)] })),
  );
  const txs = counts.reduce((sum, o) => sum + (o.ok ? Number(BigInt(o.result as string)) : 0), 0);
  const seconds = (to.at - from.at) / 1000;
  await cluster.stopChain(id);
  return { id, blocks: to.chain - from.chain, txs, seconds, blocksPerSec: (to.chain - from.chain) / seconds, txPerSec: txs / seconds };
}


/** (b), one run: order everything with the replicas' chain nodes down, then let each replica apply it alone. */
export async function replicaRun(o: ReplicaBenchOptions, t: Transfers, work: string): Promise<Omit<ReplicaRun, "rawTxPerSec" | "rawSeconds" | "ratio">> {
  const cluster = new LocalCluster({ nodes: 3, dir: work, basePort: await freeBase([...clusterPorts(3), 200, 201, 202]), chain: true, fsync: true, tickMs: 50, electionTicks: 10, maxMessageCount: o.maxMessageCount, logLevel: "warn" });
  await cluster.generate();
  try {
    for (const id of cluster.ids) await cluster.start(id);
    const leader = await cluster.leader(30_000);
    // The leader reads a new sender's first nonce from its chain, so its chain node runs while it orders; it is
    // replaced by a fresh one below, and its replica (seeing an empty chain) rebuilds from block 1 like the others.
    await cluster.startChain(leader);
    await order(cluster.apiUrl(leader), t, o.senders);
    await cluster.stopChain(leader);
    // Every transaction is acknowledged by now, but a node's block store writes its blocks up to 10 ms after they
    // commit: the head is final once every node shows the same one on two polls in a row.
    let head = 0;
    for (let settled = false; !settled; await new Promise((r) => setTimeout(r, 100))) {
      const heads = await Promise.all(cluster.ids.map(async (id) => (await status(cluster.apiUrl(id))).blocks.number));
      settled = heads.every((h) => h === heads[0]) && heads[0]! > 0 && heads[0] === head;
      head = heads[0]!;
    }
    const lastFunding = keccak256(t.funding.at(-1)!);
    const nodes: NodeApply[] = [];
    for (const id of cluster.ids) nodes.push(await applyBacklog(cluster, id, head, lastFunding));
    const txs = t.funding.length + t.transfers.length;
    return { nodes, storeBytesPerTx: dirBytes(path.join(work, "data", "n1", "blocks")) / txs, orderedBlocks: head };
  } finally {
    await cluster.stopAll();
  }
}


export interface ApplyProfile {
  /** "one call": `dplc_applyBlocks` into the replica host; "sends": one `eth_sendRawTransaction` per transfer. */
  path: "one call" | "sends";
  blockSize: number;
  txPerSec: number;
  /** Milliseconds spent per JSON-RPC method (and in the checkpoint's writes), over all blocks. */
  ms: Record<string, number>;
  perTxMs: number;
}

/**
 * The apply path alone (`ChainApplier`, what every replica runs per block) against a fresh replica host, `blockSize`
 * transfers per ordered block, with the time each JSON-RPC method and the checkpoint take: the one-call path, or
 * (`sends`) the path every other chain node gets.
 */
export async function profileApply(t: Transfers, blockSize: number, work: string, sends: boolean): Promise<ApplyProfile> {
  const node = await startReplicaEvm({ evm: "hardhat", port: await freePort() });
  try {
    const rpc = new JsonRpcClient(node.url);
    const ms: Record<string, number> = {};
    const timed = async <T>(key: string, f: () => Promise<T> | T): Promise<T> => {
      const s = performance.now();
      try {
        return await f();
      } finally {
        ms[key] = (ms[key] ?? 0) + performance.now() - s;
      }
    };
    const batch = rpc.batch.bind(rpc);
    rpc.batch = (reqs) => timed(reqs[0]!.method, () => batch(reqs));
    const checkpoint = applierCheckpointFile(path.join(work, `profile-${blockSize}-${process.hrtime.bigint()}.json`));
    const write = checkpoint.write.bind(checkpoint);
    checkpoint.write = (v, durable) => void timed(durable === false ? "checkpoint" : "checkpoint (fsync)", () => write(v, durable));
    const applier = new ChainApplier({ rpc, checkpoint, logger: pino({ level: "silent" }), feed: sends ? "sends" : "host" });
    applier.start();
    const at = Math.floor(Date.parse("2026-01-01T00:00:00Z") / 1000) + 60;
    await applier.apply({ index: 1, number: 1, timestamp: at, txs: t.funding.map((raw) => ({ raw, hash: keccak256(raw) })) });
    for (const k of Object.keys(ms)) delete ms[k];
    const started = performance.now();
    let index = 2;
    for (let i = 0; i < t.transfers.length; i += blockSize, index++) {
      const txs = t.transfers.slice(i, i + blockSize).map((raw) => ({ raw, hash: keccak256(raw) }));
      await applier.apply({ index, number: index, timestamp: at + index, txs });
    }
    const total = performance.now() - started;
    for (const k of Object.keys(ms)) ms[k] = Math.round(ms[k]!);
    return { path: sends ? "sends" : "one call", blockSize, txPerSec: t.transfers.length / (total / 1000), ms, perTxMs: total / t.transfers.length };
  } finally {
    await node.stop();
  }
}

/**
 * Whether a JSON-RPC batch of one block's sends keeps the block's order in a replica chain node's FIFO mempool: the
 * share of `blockSize` batches whose pending block lists the transactions in the order sent. Far from 1 on Hardhat
 * (its handler runs a batch's calls concurrently), hence the one-call host; Anvil is measured too (issue 13).
 */
export async function batchOrderKept(t: Transfers, blockSize: number, evm: ReplicaEvm): Promise<number> {
  const node = await startReplicaEvm({ evm, port: await freePort() });
  try {
    const rpc = new JsonRpcClient(node.url);
    await rpc.batch(t.funding.map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })));
    await rpc.call("evm_mine", []);
    let kept = 0;
    let batches = 0;
    for (let i = 0; i < t.transfers.length; i += blockSize, batches++) {
      const raws = t.transfers.slice(i, i + blockSize);
      await rpc.batch(raws.map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })));
      await rpc.call("evm_mine", []);
      const mined = await rpc.call<{ transactions: string[] }>("eth_getBlockByNumber", ["latest", false]);
      if (mined.transactions.join() === raws.map((r) => keccak256(r)).join()) kept++;
    }
    return kept / batches;
  } finally {
    await node.stop();
  }
}

export interface ReplicaBenchResult {
  runs: ReplicaRun[];
  median: { raw: number; replica: number; ratio: number; bytesPerTx: number };
  /** The apply path alone at a few block sizes, both paths (one run each). */
  profiles: ApplyProfile[];
  /** Per EVM, the share of one-block batches whose order the node kept in the block it mined. */
  batchOrderKept: Record<ReplicaEvm, number>;
}

/** Every run of (a) then (b), then the apply path's profile; answers each run and the medians. */
export async function benchReplica(o: ReplicaBenchOptions): Promise<ReplicaBenchResult> {
  const log = o.log ?? (() => undefined);
  const t = await signTransfers(o.senders, o.transfers);
  const runs: ReplicaRun[] = [];
  for (let i = 0; i < o.runs; i++) {
    const raw = await rawRate(t);
    const rep = await replicaRun(o, t, path.join(o.dir, `run-${i}`));
    const slowest = Math.min(...rep.nodes.map((n) => n.txPerSec));
    const run: ReplicaRun = { rawTxPerSec: raw.txPerSec, rawSeconds: raw.seconds, ...rep, ratio: slowest / raw.txPerSec };
    runs.push(run);
    log(formatRun(run, i + 1));
  }
  const sample = { funding: t.funding, transfers: t.transfers.slice(0, Math.min(t.transfers.length, 600)) };
  const profiles: ApplyProfile[] = [];
  for (const sends of [false, true]) for (const size of [5, 50]) profiles.push(await profileApply(sample, size, o.dir, sends));
  const replica = median(runs.map((r) => Math.min(...r.nodes.map((n) => n.txPerSec))));
  const order = { funding: t.funding, transfers: t.transfers.slice(0, Math.min(t.transfers.length, 3_000)) };
  return {
    runs,
    median: { raw: median(runs.map((r) => r.rawTxPerSec)), replica, ratio: median(runs.map((r) => r.ratio)), bytesPerTx: median(runs.map((r) => r.storeBytesPerTx)) },
    profiles,
    batchOrderKept: { hardhat: await batchOrderKept(sample, 30, "hardhat"), anvil: await batchOrderKept(order, 30, "anvil") },
  };
}

/** One run as Markdown table rows: the raw rate, then each node's replica. */
export function formatRun(r: ReplicaRun, n: number): string {
  const rows = [`| ${n} | raw (batched sends) | | ${Math.round(r.rawTxPerSec * r.rawSeconds)} | ${r.rawSeconds.toFixed(2)} | | ${Math.round(r.rawTxPerSec)} | 100 % |`];
  for (const x of r.nodes) rows.push(`| ${n} | replica ${x.id} | ${x.blocks} | ${x.txs} | ${x.seconds.toFixed(2)} | ${Math.round(x.blocksPerSec)} | ${Math.round(x.txPerSec)} | ${((100 * x.txPerSec) / r.rawTxPerSec).toFixed(0)} % |`);
  return rows.join("\n");
}
