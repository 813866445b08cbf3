/** Types of replica-host.js: the chain node of an orderer node's Hardhat replica. */
import type { BlockCall, BlockCallAnswer } from "../src/chain/block-call";

export interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}
export type EdrBatch = (calls: { method: string; params: unknown[] }[]) => Promise<unknown[] | null>;

export const HOST_TAG: string;
export const NOT_AT_PARENT_CODE: number;
/** Applies one ordered block (its sends, its chain block); with `batch`, in one EDR batch when nothing is refused. */
export function applyBlock(provider: Eip1193, p: BlockCall, batch?: EdrBatch | null): Promise<NonNullable<BlockCallAnswer>>;
/** EDR's own batch call under Hardhat's network provider (its `init()` answer), or null when it is not there. */
export function edrBatch(provider: unknown): EdrBatch | null;
export function hostProvider(provider: Eip1193, keptAnswers?: number, batch?: EdrBatch | null): Eip1193;
