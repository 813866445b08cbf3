import type { Logger } from "pino";
import { checkBlock, checkHeader, headerOf, type Block, type BlockHeader, type LinkedHeader } from "./block";
import { BlockChainError, BlockStoreError } from "./errors";
import type { BlockStore } from "./store";

/** A peer that serves stored blocks: pages from a block number, possibly shorter than asked, empty past its head. */
export interface BlockSource {
  readonly name: string;
  headers(from: number, limit: number, signal: AbortSignal): Promise<LinkedHeader[]>;
  blocks(from: number, limit: number, signal: AbortSignal): Promise<Block[]>;
}

/** The trusted end of a pull: the chain head a Raft snapshot names. */
export interface PullTarget {
  readonly number: number;
  readonly hash: string;
}

export interface PullOptions {
  store: Pick<BlockStore, "head" | "appendBlocks">;
  /** The peers to ask, read afresh at each attempt (membership changes). */
  sources: () => readonly BlockSource[];
  log: Logger;
  /** Called after each batch of pulled blocks is durable. */
  onStored?: (blocks: readonly Block[], source: string) => void;
  headerPage?: number;
  blockPage?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

/** The pull was stopped (the node is closing, or a newer snapshot moved the target). */
export class PullAbortedError extends BlockStoreError {
  override readonly name = "PullAbortedError";
}

/** A peer failed or answered with what cannot be part of the chain ending at the target: the next peer is asked. */
export class PeerFaultError extends BlockStoreError {
  override readonly name: string = "PeerFaultError";
}

/** The verified hashes of blocks `from`..target, 32 bytes each, proven to end at the target before any is stored. */
interface Expected {
  from: number;
  hashes: Buffer;
}

function hashAt(e: Expected, n: number): string {
  return "0x" + e.hashes.toString("hex", (n - e.from) * 32, (n - e.from + 1) * 32);
}

/**
 * Fills this store up to `target` from peers, headers first: the headers of the missing range are fetched and
 * checked link by link (number, parent hash, Raft index, timestamp, hash over header and transaction root) and must
 * end exactly at the target's hash; only then are bodies fetched, each checked against its parent and against the
 * proven hash, and appended in batches. So a peer that forges a block, or serves another chain, gets nothing stored.
 * A failing peer is left for the next; after a whole round of failures the puller backs off (doubling, capped).
 * Resolves with the number of blocks stored once the store's head is the target.
 */
export async function pullBlocks(target: PullTarget, o: PullOptions, signal: AbortSignal): Promise<number> {
  const backoffMin = o.backoffMinMs ?? 100;
  const backoffMax = o.backoffMaxMs ?? 5_000;
  let expected: Expected | null = null;
  let stored = 0;
  let failures = 0;
  let turn = 0;
  for (;;) {
    if (signal.aborted) throw new PullAbortedError("block pull stopped");
    const head = o.store.head;
    if ((head?.number ?? 0) >= target.number) return finish(head!, target, stored);
    const sources = o.sources();
    const src = sources[turn % Math.max(1, sources.length)];
    try {
      if (src === undefined) throw new PeerFaultError("no peer to pull blocks from");
      if (expected === null || expected.from > (head?.number ?? 0) + 1) expected = await proveRange(src, head, target, o, signal);
      stored += await fetchBodies(src, expected, target, o, signal);
      failures = 0;
    } catch (err) {
      if (signal.aborted) throw new PullAbortedError("block pull stopped", { cause: err });
      if (!(err instanceof PeerFaultError) && !(err instanceof BlockChainError) && !isPeerFault(err)) throw err;
      o.log.warn({ peer: src?.name, err: (err as Error).message }, "block pull: peer failed; trying the next");
      turn++;
      failures++;
      if (failures >= Math.max(1, sources.length)) {
        const wait = Math.min(backoffMax, backoffMin * 2 ** Math.min(16, failures / Math.max(1, sources.length) - 1));
        await sleep(wait, signal);
      }
    }
  }
}

function finish(head: BlockHeader, target: PullTarget, stored: number): number {
  // The store only grows by blocks proven to end at the target, so this fails only on a damaged store.
  if (head.number !== target.number || head.hash !== target.hash) {
    throw new BlockChainError(head.number, `the store's head ${head.hash} is not the snapshot's chain head ${target.number} ${target.hash}`);
  }
  return stored;
}

/** What a peer that is down, slow, or sends bytes that are not blocks causes: try the next one. */
function isPeerFault(err: unknown): boolean {
  return err instanceof Error && (err.name === "TypeError" || err.name === "TimeoutError" || err.name === "AbortError" || err.name === "BlockCorruptionError");
}

async function proveRange(src: BlockSource, head: BlockHeader | null, target: PullTarget, o: PullOptions, signal: AbortSignal): Promise<Expected> {
  const from = (head?.number ?? 0) + 1;
  const hashes = Buffer.alloc((target.number - from + 1) * 32);
  let parent = head;
  while ((parent?.number ?? 0) < target.number) {
    const next = (parent?.number ?? 0) + 1;
    const page = await src.headers(next, Math.min(o.headerPage ?? 5_000, target.number - next + 1), signal);
    if (page.length === 0) throw new PeerFaultError(`${src.name} has no block ${next}`);
    for (const h of page) {
      if ((parent?.number ?? 0) >= target.number) break;
      checkHeader(parent, h);
      hashes.write(h.hash.slice(2), (h.number - from) * 32, "hex");
      parent = h;
    }
  }
  if (parent!.hash !== target.hash) {
    throw new PeerFaultError(`${src.name} serves a chain whose block ${target.number} is ${parent!.hash}, not the snapshot's ${target.hash}`);
  }
  o.log.info({ peer: src.name, from, to: target.number }, "block pull: headers proven up to the snapshot's chain head");
  return { from, hashes };
}

async function fetchBodies(src: BlockSource, expected: Expected, target: PullTarget, o: PullOptions, signal: AbortSignal): Promise<number> {
  let stored = 0;
  for (;;) {
    const head = o.store.head;
    const next = (head?.number ?? 0) + 1;
    if (next > target.number) return stored;
    const page = await src.blocks(next, Math.min(o.blockPage ?? 500, target.number - next + 1), signal);
    if (page.length === 0) throw new PeerFaultError(`${src.name} has no block ${next}`);
    let parent = head;
    const batch: Block[] = [];
    for (const b of page) {
      if ((parent?.number ?? 0) >= target.number) break;
      checkBlock(parent, b);
      if (b.hash !== hashAt(expected, b.number)) throw new PeerFaultError(`${src.name} served block ${b.number} with hash ${b.hash}, not the proven ${hashAt(expected, b.number)}`);
      batch.push(b);
      parent = headerOf(b);
    }
    if (signal.aborted) throw new PullAbortedError("block pull stopped");
    await o.store.appendBlocks(batch);
    stored += batch.length;
    o.onStored?.(batch, src.name);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new PullAbortedError("block pull stopped"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
