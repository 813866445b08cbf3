/**
 * The relayer's decisions, without I/O: which blocks to scan, which scanned messages to deliver and when, what a
 * delivery or a failure does to the state. The service (`relayer.ts`) feeds it chain data and persists the state
 * (`checkpoint.ts`) after every change, so a restart resumes where the last change left off.
 */
import { CHAINS, messageKey, type BridgeMessage, type ChainName } from "./message";
import { addNonce, hasNonce, type NonceRanges } from "./nonce-set";

/** A message waiting for delivery, with its attempt history. */
export interface PendingMessage {
  readonly message: BridgeMessage;
  attempts: number;
  /** Epoch ms before which no new attempt is made. */
  nextAttemptAt: number;
  lastError?: string;
}

/** A message that failed `maxAttempts` times: kept, reported, not retried until an operator intervenes. */
export interface SetAsideMessage {
  readonly message: BridgeMessage;
  readonly attempts: number;
  readonly error: string;
  readonly at: number;
}

export interface ChainCursor {
  readonly chainId: number;
  readonly gateway: string;
  /** Hash of block 0: a restarted devnet at the same chain id is a different chain. */
  readonly genesisHash: string;
  /** Highest block whose logs have been taken in (-1: none yet). */
  lastScanned: number;
}

/**
 * A set-aside message on its way back to its source: first abandoned at the destination, then refunded at the source
 * (both on validator attestations; see relayer/README.md).
 */
export interface ReturnTask {
  readonly message: BridgeMessage;
  stage: "abandon" | "refund" | "refunded";
  nextAttemptAt: number;
  lastError?: string;
}

/** Everything the relayer persists. */
export interface RelayState {
  chains: Record<ChainName, ChainCursor>;
  /** Delivered nonces, by source chain. */
  delivered: Record<ChainName, NonceRanges>;
  pending: PendingMessage[];
  setAside: SetAsideMessage[];
  returns: ReturnTask[];
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export function initialState(cursors: Record<ChainName, Omit<ChainCursor, "lastScanned">>, startBlocks: Record<ChainName, number>): RelayState {
  return {
    chains: {
      main: { ...cursors.main, lastScanned: startBlocks.main - 1 },
      side: { ...cursors.side, lastScanned: startBlocks.side - 1 },
    },
    delivered: { main: [], side: [] },
    pending: [],
    setAside: [],
    returns: [],
  };
}

/**
 * The next block range to scan on a chain: from the block after the cursor up to the deepest block with
 * `confirmations` blocks on top of it (a log in block b is final once head ≥ b + confirmations), at most `maxRange`
 * blocks. Undefined when nothing new is final.
 */
export function scanWindow(
  lastScanned: number,
  head: number,
  confirmations: number,
  maxRange: number,
): { from: number; to: number } | undefined {
  const from = lastScanned + 1;
  const to = Math.min(head - confirmations, from + maxRange - 1);
  return to >= from ? { from, to } : undefined;
}

/** Whether a message is already delivered, waiting, or set aside. */
export function isKnown(state: RelayState, m: BridgeMessage): boolean {
  if (hasNonce(state.delivered[m.source], m.nonce)) return true;
  const key = messageKey(m);
  return state.pending.some((p) => messageKey(p.message) === key) || state.setAside.some((s) => messageKey(s.message) === key);
}

/**
 * Takes in the messages found in a scanned range and moves the chain's cursor to its end. Messages seen before
 * (a rescan after a restart) are ignored. Returns the messages newly queued.
 */
export function admitScan(state: RelayState, chain: ChainName, to: number, found: readonly BridgeMessage[], now: number): BridgeMessage[] {
  const fresh = found.filter((m) => m.source === chain && !isKnown(state, m));
  for (const m of fresh) state.pending.push({ message: m, attempts: 0, nextAttemptAt: now });
  state.pending.sort(byRoute);
  state.chains[chain].lastScanned = Math.max(state.chains[chain].lastScanned, to);
  return fresh;
}

function byRoute(a: PendingMessage, b: PendingMessage): number {
  if (a.message.source !== b.message.source) return CHAINS.indexOf(a.message.source) - CHAINS.indexOf(b.message.source);
  return a.message.nonce < b.message.nonce ? -1 : a.message.nonce > b.message.nonce ? 1 : 0;
}

/** Messages due for an attempt at `now`, in delivery order (per source chain, ascending nonce). */
export function dueMessages(state: RelayState, now: number): BridgeMessage[] {
  return state.pending.filter((p) => p.nextAttemptAt <= now).map((p) => p.message);
}

/** The message reached its destination (by us, or found processed there): never deliver it again. */
export function markDelivered(state: RelayState, m: BridgeMessage): void {
  state.delivered[m.source] = addNonce(state.delivered[m.source], m.nonce);
  removePending(state, m);
}

/**
 * The message's block is no longer on the source chain (a reorg deeper than the confirmation depth): forget the
 * message and rewind the cursor so the range is scanned again on the new branch.
 */
export function markOrphaned(state: RelayState, m: BridgeMessage): void {
  removePending(state, m);
  const cursor = state.chains[m.source];
  cursor.lastScanned = Math.min(cursor.lastScanned, m.blockNumber - 1);
}

/** Exponential backoff: base × 2^(attempt − 1), capped. */
export function backoffDelay(attempt: number, retry: RetryPolicy): number {
  return Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Too few validators signed: the message waits `delayMs` for the quorum without using up an attempt, so a quorum
 * that comes back (validators restarted) delivers everything, and nothing is set aside for an outage.
 */
export function markWaiting(state: RelayState, m: BridgeMessage, error: string, now: number, delayMs: number): void {
  const key = messageKey(m);
  const p = state.pending.find((q) => messageKey(q.message) === key);
  if (p === undefined) return;
  p.lastError = error;
  p.nextAttemptAt = now + delayMs;
}

/** A delivery attempt failed: schedule a retry, or set the message aside after `maxAttempts`. */
export function markFailed(
  state: RelayState,
  m: BridgeMessage,
  error: string,
  now: number,
  retry: RetryPolicy,
): "retry" | "set-aside" {
  const key = messageKey(m);
  const p = state.pending.find((q) => messageKey(q.message) === key);
  if (p === undefined) return "retry";
  p.attempts += 1;
  p.lastError = error;
  if (p.attempts >= retry.maxAttempts) {
    removePending(state, m);
    state.setAside.push({ message: m, attempts: p.attempts, error, at: now });
    return "set-aside";
  }
  p.nextAttemptAt = now + backoffDelay(p.attempts, retry);
  return "retry";
}

/** Starts returning a set-aside message to its source (once). */
export function startReturn(state: RelayState, m: BridgeMessage, now: number): void {
  const key = messageKey(m);
  if (state.returns.some((t) => messageKey(t.message) === key)) return;
  state.returns.push({ message: m, stage: "abandon", nextAttemptAt: now });
}

/** Returns due for their next step at `now`. */
export function dueReturns(state: RelayState, now: number): ReturnTask[] {
  return state.returns.filter((t) => t.stage !== "refunded" && t.nextAttemptAt <= now);
}

/** The message went back to its source: it is no longer set aside. */
export function markRefunded(state: RelayState, task: ReturnTask): void {
  task.stage = "refunded";
  delete task.lastError;
  const key = messageKey(task.message);
  state.setAside = state.setAside.filter((s) => messageKey(s.message) !== key);
}

function removePending(state: RelayState, m: BridgeMessage): void {
  const key = messageKey(m);
  state.pending = state.pending.filter((p) => messageKey(p.message) !== key);
}
