// The chain node of an orderer node's Hardhat replica (replica-evm.ts starts it instead of `hardhat node`): Hardhat's
// in-process network (EDR) with the replicas' genesis (hardhat.replica.config.js), served over JSON-RPC by Hardhat's
// own JsonRpcServer, plus one method of ours, `dplc_applyBlocks`, that applies whole ordered blocks, in order, in one
// call.
//
// Why hand-written (measured, BENCHMARKS.md "Replica apply rate"): through `hardhat node` the applier paid one HTTP
// round trip per transaction (about 10 ms each on the loaded 2-core machine), because a JSON-RPC batch does not keep
// a block's order (Hardhat's handler runs a batch's calls concurrently). In-process, the same sends and the mine cost
// about 0.4 ms per transfer. `dplc_applyBlocks` plays the role of the Engine API's `engine_newPayload` on a production
// client (consensus/README.md): an ordered block's transactions go in, in order, and its chain block comes out. A
// replica with a backlog (after a restart, or catching up) sends several blocks per call: the round trip is then
// paid per call, not per block. Inside the host, each ordered block goes to EDR as one batch of its own (its sends, its
// mine, the head read; `applyBlock`), where Hardhat's provider would take one EDR call per transaction: EDR spends most of
// a send recovering its signer (k256), work the raw rate pays too, but each call also waits for a hand-over to one of
// EDR's threads and back, which the raw rate's concurrent sends overlap and one-after-another sends cannot.
// Every other method (reads, `evm_*`, `hardhat_*`, sends) is Hardhat's, unchanged.
//
// Plain JavaScript: started with `node` directly, without ts-node or the hardhat CLI, so a replica starts faster.
"use strict";

const path = require("node:path");

/** Appended to Hardhat's `web3_clientVersion`: tells an applier that this node takes `dplc_applyBlocks`. */
const HOST_TAG = "dplc-replica-host/2";
/**
 * The JSON-RPC error code of a call whose `parent` the chain does not hold (kept equal to block-call.ts's
 * NOT_AT_PARENT_CODE): the chain lost what the applier applied, or is another chain.
 */
const NOT_AT_PARENT_CODE = -32010;
/** Mines per ordered block while a block-gas-limit overflow keeps making progress (the applier's old bound). */
const MAX_MINE_ROUNDS = 16;
/** How many applied blocks' answers the host keeps for blocks sent again. */
const KEPT_ANSWERS = 1024;
const DROPPED = "not executable on chain (nonce gap?): dropped from the mempool";

function checkParams(p) {
  const ok =
    p !== null &&
    typeof p === "object" &&
    Number.isSafeInteger(p.index) &&
    p.index > 0 &&
    (p.number === undefined || Number.isSafeInteger(p.number)) &&
    (p.timestamp === undefined || Number.isSafeInteger(p.timestamp)) &&
    (p.parent === undefined || checkParent(p.parent)) &&
    Array.isArray(p.transactions) &&
    p.transactions.every((t) => typeof t === "string" && /^0x[0-9a-f]*$/i.test(t));
  if (!ok) throw new Error("dplc_applyBlocks takes ordered blocks {index, number?, timestamp?, parent?: {chainBlock, genesis?}, transactions: [raw hex]}");
}

function checkParent(p) {
  return p !== null && typeof p === "object" && Number.isSafeInteger(p.chainBlock) && p.chainBlock >= 0 && (p.genesis === undefined || /^0x[0-9a-f]{64}$/i.test(p.genesis));
}

/**
 * Refuses a call whose first block names a `parent` this chain does not hold: a head below `parent.chainBlock` (the
 * chain block the applier's checkpoint says its last applied block ended in), or another genesis. A chain node that
 * lost its data (restarted in memory) would otherwise take the blocks after the checkpoint and refuse their
 * transactions as future nonces. This is the applier's head check (replica.ts `checkChain`) done here, in the same
 * call, so the applier pays no round trip of its own for it (BENCHMARKS.md, "the replica's cost per block").
 */
async function requireParent(provider, batch, parent) {
  const calls = [{ method: "eth_getBlockByNumber", params: ["latest", false] }];
  if (parent.genesis !== undefined) calls.push({ method: "eth_getBlockByNumber", params: ["0x0", false] });
  const [latest, genesis] = (batch === null ? null : await batch(calls)) ?? (await Promise.all(calls.map((c) => provider.request(c))));
  const head = Number(BigInt(latest.number));
  const sameGenesis = genesis === undefined || genesis.hash.toLowerCase() === parent.genesis.toLowerCase();
  if (head >= parent.chainBlock && sameGenesis) return;
  const { ProviderError } = require("hardhat/internal/core/providers/errors");
  const what = sameGenesis ? `its head is chain block ${head}` : `its genesis is ${genesis.hash}, not ${parent.genesis}`;
  throw new ProviderError(`dplc_applyBlocks: this chain does not hold the blocks' parent (chain block ${parent.chainBlock}): ${what}`, NOT_AT_PARENT_CODE);
}

/**
 * Applies one ordered block to `provider` (EIP-1193): sends its raw transactions strictly one after another, then
 * mines with the block's timestamp, never behind the chain's head (more than once only while a gas-limit overflow
 * makes progress); transactions that never get mined are dropped from the mempool so they cannot
 * slip into a later block. Answers each transaction's chain block or refusal, in order, and the last chain block mined.
 *
 * With `batch` (EDR's own batch call, `edrBatch`), the sends, the first mine and the head read go to EDR as one
 * batch: one call into EDR per ordered block instead of one per transaction plus two (measured: BENCHMARKS.md,
 * "Replica apply rate", 2026-12-07 evening). EDR runs a batch's calls in order under one lock and stops at the first
 * error; then the block goes on one call at a time from where the batch stopped, so the answer is the same either way.
 */
async function applyBlock(provider, p, batch = null) {
  const req = (method, params = []) => provider.request({ method, params });
  const mine = p.timestamp === undefined ? [] : [p.timestamp];
  const inOne = batch === null ? null : await sendAndMineInOneCall(batch, p.transactions, mine);
  const { results, waiting } = inOne ?? (await sendInOrder(req, p.transactions, batch !== null));
  let head = null;
  let rounds = { mine, done: 0 };
  if (inOne !== null) {
    head = inOne.head;
    const before = waiting.size;
    takeMined(head, waiting);
    // The loop below would stop here too: everything mined, or nothing mined of what waits (a nonce gap).
    rounds = { mine, done: waiting.size === 0 || waiting.size === before ? MAX_MINE_ROUNDS : 1 };
  }
  head = await mineUntilIncluded(req, p, waiting, rounds, head);
  for (const [hash, r] of waiting) {
    await req("hardhat_dropTransaction", [hash]);
    r.error = DROPPED;
  }
  return { head: head === null ? null : withoutTransactions(head), results: results.map(({ hash, ...rest }) => rest) };
}

/**
 * Sends one after another; answers each transaction's record and which wait in the mempool. `afterBatch`: a batch
 * of these sends stopped at an error, so the ones before it are in the mempool already; EDR answers those "Known
 * transaction: <hash>", which counts as sent the first time a hash comes back (a second time it is a duplicate within
 * the block, refused as the sends one by one would refuse it).
 */
async function sendInOrder(req, raws, afterBatch) {
  const results = [];
  const waiting = new Map();
  for (const raw of raws) {
    let hash;
    try {
      hash = (await req("eth_sendRawTransaction", [raw])).toLowerCase();
    } catch (err) {
      const known = afterBatch ? /^Known transaction: (0x[0-9a-f]{64})$/i.exec(err.message) : null;
      if (known === null || waiting.has(known[1].toLowerCase())) {
        results.push({ chainBlock: null, error: err.message });
        continue;
      }
      hash = known[1].toLowerCase();
    }
    const r = { hash, chainBlock: null };
    waiting.set(hash, r);
    results.push(r);
  }
  return { results, waiting };
}

/**
 * The block's sends, its first mine and the head read as one EDR batch. Answers the records, the waiting
 * transactions and the head mined, or null when the batch stopped at an error (a refused send, a time behind the
 * head): `sendInOrder(…, true)` and the mine loop then take over where it stopped.
 */
async function sendAndMineInOneCall(batch, raws, mine) {
  const calls = raws.map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] }));
  calls.push({ method: "evm_mine", params: mine }, { method: "eth_getBlockByNumber", params: ["latest", false] });
  const out = await batch(calls);
  if (out === null) return null;
  const results = [];
  const waiting = new Map();
  for (let i = 0; i < raws.length; i++) {
    const r = { hash: out[i].toLowerCase(), chainBlock: null };
    // EDR refuses a duplicate send ("Known transaction"), so a batch that got here holds distinct hashes.
    waiting.set(r.hash, r);
    results.push(r);
  }
  return { results, waiting, head: out[raws.length + 1] };
}

/** Marks the waiting transactions `head` holds as mined there. */
function takeMined(head, waiting) {
  for (const h of head.transactions) {
    const r = waiting.get(h.toLowerCase());
    if (r === undefined) continue;
    r.chainBlock = Number(BigInt(head.number));
    waiting.delete(h.toLowerCase());
  }
}

/**
 * Mines until nothing waits, or a round mines none of what waits; `rounds.done` rounds already ran (the batch's).
 * An ordered block without transactions (a clock advance) still makes one chain block at its time; one whose every
 * transaction was refused makes none. Answers the last head mined (`head` when none is).
 */
async function mineUntilIncluded(req, p, waiting, rounds, head) {
  let mine = rounds.mine;
  for (let round = rounds.done; round < MAX_MINE_ROUNDS; round++) {
    if (waiting.size === 0 && (head !== null || p.transactions.length > 0)) break;
    const before = waiting.size;
    mine = await mineAtOrAfter(req, mine);
    head = await req("eth_getBlockByNumber", ["latest", false]);
    takeMined(head, waiting);
    if (before > 0 && waiting.size === before) break;
  }
  return head;
}

/**
 * `evm_mine` at the block's timestamp, or at the head's when the head is later (the chain refuses to go back in time).
 * The head is read only then: one call per block less than reading it first. Answers the params it mined with.
 */
async function mineAtOrAfter(req, params) {
  try {
    await req("evm_mine", params);
    return params;
  } catch (err) {
    if (params.length === 0) throw err;
    const head = Number(BigInt((await req("eth_getBlockByNumber", ["latest", false])).timestamp));
    if (head <= params[0]) throw err;
    await req("evm_mine", [head]);
    return [head];
  }
}

/** The header fields an applier reports (the rest, e.g. the 256-byte logs bloom, would only slow the answer). */
function withoutTransactions(b) {
  return { number: b.number, hash: b.hash, stateRoot: b.stateRoot, timestamp: b.timestamp, transactionsRoot: b.transactionsRoot, receiptsRoot: b.receiptsRoot };
}

/**
 * `provider` with `dplc_applyBlocks` added and the host tag on `web3_clientVersion`. The call's params are ordered
 * blocks; its answer has one entry per block. Blocks apply one at a time, in the order they arrive, and at most once:
 * the host remembers the last ordered block it applied (its memory lives exactly as long as its in-memory chain), so a
 * block sent again (the applier crashed before its checkpoint) gets the answer it got the first time, kept for the
 * last `keptAnswers` blocks, else null; nothing is sent or mined again. A call whose first block names a `parent` is
 * refused, whole, when the chain does not hold it (`requireParent`).
 */
function hostProvider(provider, keptAnswers = KEPT_ANSWERS, batch = null) {
  let queue = Promise.resolve();
  let lastIndex = 0;
  const answers = new Map();
  const applyOnce = async (p) => {
    if (p.index <= lastIndex) return answers.get(p.index) ?? null;
    const answer = await applyBlock(provider, p, batch);
    lastIndex = p.index;
    answers.set(p.index, answer);
    if (answers.size > keptAnswers) answers.delete(answers.keys().next().value);
    return answer;
  };
  const applyAll = async (blocks) => {
    if (!Array.isArray(blocks)) checkParams(undefined);
    blocks.forEach(checkParams);
    if (blocks[0]?.parent !== undefined) await requireParent(provider, batch, blocks[0].parent);
    const out = [];
    for (const p of blocks) out.push(await applyOnce(p));
    return out;
  };
  const request = async (args) => {
    if (args.method === "dplc_applyBlocks") {
      const run = queue.then(() => applyAll(args.params));
      queue = run.catch(() => undefined);
      return run.catch((err) => {
        throw invalidParams(err);
      });
    }
    const result = await provider.request(args);
    return args.method === "web3_clientVersion" ? `${result} ${HOST_TAG}` : result;
  };
  return {
    request,
    addListener: (...a) => provider.addListener(...a),
    removeListener: (...a) => provider.removeListener(...a),
  };
}

/**
 * EDR's own batch call under Hardhat's network provider (`init()`'s answer): the provider wrappers take one call at a
 * time, while EDR's `handleRequest` also takes a JSON-RPC batch (an array) and runs it in order under one lock of its
 * provider, stopping at the first error. Answers `(calls) => results | null` (null: the batch stopped at an error), or
 * null when the provider is not shaped as Hardhat 2.29's (the host then sends one call at a time). Read through the
 * wrapper on every call: `hardhat_reset` replaces the EDR provider.
 */
function edrBatch(provider) {
  let wrapper = provider;
  for (let depth = 0; wrapper !== undefined && wrapper !== null && depth < 8; depth++) {
    if (typeof wrapper._provider?.handleRequest === "function") break;
    wrapper = wrapper._wrappedProvider ?? wrapper._provider;
  }
  if (typeof wrapper?._provider?.handleRequest !== "function") return null;
  return async (calls) => {
    const response = await wrapper._provider.handleRequest(JSON.stringify(calls));
    const data = typeof response.data === "string" ? JSON.parse(response.data) : response.data;
    if (data.error !== undefined) return null;
    if (!Array.isArray(data.result) || data.result.length !== calls.length) throw new Error("EDR answered a batch with something else");
    return data.result;
  };
}

function invalidParams(err) {
  if (!(err instanceof Error) || !err.message.startsWith("dplc_applyBlocks takes")) return err;
  const { InvalidArgumentsError } = require("hardhat/internal/core/providers/errors");
  return new InvalidArgumentsError(err.message);
}

function parseArgs(argv) {
  const out = { hostname: "127.0.0.1", port: 8545, keptAnswers: KEPT_ANSWERS };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === "--hostname") out.hostname = argv[i + 1];
    else if (argv[i] === "--port") out.port = Number(argv[i + 1]);
    else if (argv[i] === "--kept-answers") out.keptAnswers = Number(argv[i + 1]);
    else throw new Error(`usage: replica-host.js [--hostname H] [--port P] [--kept-answers N] (unknown ${argv[i]})`);
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error(`bad --port ${out.port}`);
  if (!Number.isInteger(out.keptAnswers) || out.keptAnswers < 1) throw new Error(`bad --kept-answers ${out.keptAnswers}`);
  return out;
}

async function main() {
  const { hostname, port, keptAnswers } = parseArgs(process.argv.slice(2));
  process.env.HARDHAT_CONFIG = path.join(__dirname, "hardhat.replica.config.js");
  process.env.HARDHAT_NETWORK = "hardhat";
  const hre = require("hardhat");
  const { JsonRpcServer } = require("hardhat/internal/hardhat-network/jsonrpc/server");
  const batch = edrBatch(await hre.network.provider.init());
  if (batch === null) process.stderr.write("replica-host: no EDR batch call under this Hardhat; blocks go one call at a time\n");
  const server = new JsonRpcServer({ hostname, port, provider: hostProvider(hre.network.provider, keptAnswers, batch) });
  const address = await server.listen();
  process.stdout.write(`replica host listening on http://${address.address}:${address.port}/\n`);
  await server.waitUntilClosed();
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`replica-host: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}

module.exports = { HOST_TAG, NOT_AT_PARENT_CODE, applyBlock, edrBatch, hostProvider };
