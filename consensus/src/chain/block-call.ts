import { ChainNotAtParentError, ChainRpcError } from "./errors";
import { feedOfClientVersion, type ChainFeed } from "./client-version";
import type { JsonRpcClient } from "./rpc";

/**
 * The one-call apply path: a chain node that is our replica host (consensus/chain/replica-host.js) takes whole ordered
 * blocks in one `dplc_applyBlocks` call, sends each block's transactions in order in-process and mines it. Through a
 * plain `hardhat node` the applier paid one HTTP round trip per transaction instead (a JSON-RPC batch loses the
 * order); BENCHMARKS.md, "Replica apply rate", has the measurement that made this worth a host of our own.
 */

/** A chain block's header fields as JSON-RPC answers them. */
export interface RpcBlock {
  number: string;
  hash: string;
  stateRoot: string;
  timestamp: string;
  transactionsRoot: string;
  receiptsRoot: string;
}

/** One transaction's outcome, in the block's order: its chain block, or the chain's refusal. */
export interface BlockCallResult {
  chainBlock: number | null;
  error?: string;
}

/** The host's answer for one block; null when it applied the block before and no longer keeps what it answered. */
export type BlockCallAnswer = {
  /** The last chain block mined for the ordered block (null when every transaction was refused). */
  head: RpcBlock | null;
  results: BlockCallResult[];
} | null;

/**
 * What the chain must hold before a call's first block applies (replica host 2): a head at or above `chainBlock` and,
 * when given, this genesis hash. Otherwise the host refuses the call with NOT_AT_PARENT_CODE.
 */
export interface BlockParent {
  chainBlock: number;
  genesis?: string;
}

export interface BlockCall {
  index: number;
  number?: number;
  timestamp?: number;
  /** On a call's first block only. */
  parent?: BlockParent;
  transactions: string[];
}

/** The host's JSON-RPC error code for a call whose parent the chain does not hold (replica-host.js keeps it equal). */
export const NOT_AT_PARENT_CODE = -32010;

export type { ChainFeed } from "./client-version";

/** How the applier can feed the chain node ({@link feedOfClientVersion}). */
export async function chainFeed(rpc: JsonRpcClient): Promise<ChainFeed> {
  return feedOfClientVersion(await rpc.call<string>("web3_clientVersion"));
}

/**
 * Applies ordered blocks, in order, in one call; one answer per block. Throws ChainNotAtParentError when the host
 * refused the call for its first block's `parent`, ChainRpcError on any other failure.
 */
export async function callApplyBlocks(rpc: JsonRpcClient, blocks: BlockCall[]): Promise<BlockCallAnswer[]> {
  let answers: BlockCallAnswer[];
  try {
    answers = await rpc.call<BlockCallAnswer[]>("dplc_applyBlocks", blocks);
  } catch (err) {
    if (err instanceof ChainRpcError && err.code === NOT_AT_PARENT_CODE) {
      throw new ChainNotAtParentError(err.method, err.message, err.code, { cause: err });
    }
    throw err;
  }
  const wrong = answers.length !== blocks.length || answers.some((a, i) => a !== null && a.results.length !== blocks[i]!.transactions.length);
  if (wrong) throw new ChainRpcError("dplc_applyBlocks", "the answer does not match the blocks sent");
  return answers;
}
