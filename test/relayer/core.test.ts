import { expect } from "chai";
import { Wallet } from "ethers";
import pino from "pino";
import {
  admitScan,
  backoffDelay,
  dueMessages,
  dueReturns,
  initialState,
  markDelivered,
  markFailed,
  markOrphaned,
  markRefunded,
  markWaiting,
  startReturn,
  scanWindow,
  type RelayState,
} from "../../relayer/core";
import { gatewayInterface, type GatewayPort } from "../../relayer/gateway";
import { LocalSignatures, QuorumError, type SignatureSource } from "../../relayer/collector";
import { messageKey, type BridgeMessage, type ChainName } from "../../relayer/message";
import { RelayerMetrics } from "../../relayer/metrics";
import { addNonce, hasNonce, nonceCount } from "../../relayer/nonce-set";
import { Relayer, RelayerStartupError } from "../../relayer/relayer";
import { parseState, serializeState } from "../../relayer/checkpoint";

const RETRY = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 250 };
const CHAIN_ID: Record<ChainName, number> = { main: 101, side: 202 };
const GATEWAY: Record<ChainName, string> = { main: "0x" + "11".repeat(20), side: "0x" + "22".repeat(20) };

function msg(source: ChainName, nonce: bigint, blockNumber = 1, blockHash = `0xb${blockNumber}`): BridgeMessage {
  const dest: ChainName = source === "main" ? "side" : "main";
  return {
    source,
    srcChainId: BigInt(CHAIN_ID[source]),
    destChainId: BigInt(CHAIN_ID[dest]),
    srcGateway: GATEWAY[source],
    destGateway: GATEWAY[dest],
    nonce,
    sender: "0x" + "33".repeat(20),
    target: "0x" + "44".repeat(20),
    payload: "0x",
    blockNumber,
    blockHash,
    txHash: "0x" + "55".repeat(32),
    logIndex: 0,
  };
}

function fresh(): RelayState {
  const cursor = (c: ChainName) => ({ chainId: CHAIN_ID[c], gateway: GATEWAY[c], genesisHash: "0xg" });
  return initialState({ main: cursor("main"), side: cursor("side") }, { main: 0, side: 0 });
}

describe("relayer core (no I/O)", () => {
  describe("initial state", () => {
    it("scans each chain from its own startBlock", () => {
      const cursor = (c: ChainName) => ({ chainId: CHAIN_ID[c], gateway: GATEWAY[c], genesisHash: "0xg" });
      const s = initialState({ main: cursor("main"), side: cursor("side") }, { main: 5, side: 9 });
      expect(scanWindow(s.chains.main.lastScanned, 20, 2, 100)).to.deep.equal({ from: 5, to: 18 });
      expect(scanWindow(s.chains.side.lastScanned, 20, 2, 100)).to.deep.equal({ from: 9, to: 18 });
    });
  });

  describe("scan window", () => {
    it("stops `confirmations` blocks below the head and at most maxRange blocks wide", () => {
      expect(scanWindow(-1, 10, 2, 100)).to.deep.equal({ from: 0, to: 8 });
      expect(scanWindow(8, 10, 2, 100)).to.equal(undefined);
      expect(scanWindow(-1, 10, 0, 4)).to.deep.equal({ from: 0, to: 3 });
    });
  });

  describe("admitting scanned messages", () => {
    it("queues new messages once, in nonce order, and moves the cursor", () => {
      const s = fresh();
      expect(admitScan(s, "main", 5, [msg("main", 2n), msg("main", 1n)], 0)).to.have.length(2);
      expect(admitScan(s, "main", 6, [msg("main", 1n)], 0)).to.have.length(0);
      expect(s.pending.map((p) => p.message.nonce)).to.deep.equal([1n, 2n]);
      expect(s.chains.main.lastScanned).to.equal(6);
      markDelivered(s, msg("main", 1n));
      expect(admitScan(s, "main", 7, [msg("main", 1n)], 0)).to.have.length(0);
    });

    it("ignores a message of the other chain in the scanned range", () => {
      const s = fresh();
      expect(admitScan(s, "main", 5, [msg("side", 1n)], 0)).to.have.length(0);
      expect(s.pending).to.have.length(0);
    });

    it("does not queue a set-aside message again when its range is rescanned, but queues the others", () => {
      const s = fresh();
      admitScan(s, "main", 5, [msg("main", 1n)], 0);
      for (const at of [0, 100, 300]) markFailed(s, msg("main", 1n), "boom", at, RETRY);
      expect(s.setAside).to.have.length(1);
      expect(admitScan(s, "main", 5, [msg("main", 1n), msg("main", 2n)], 400)).to.deep.equal([msg("main", 2n)]);
      expect(s.pending.map((p) => p.message.nonce)).to.deep.equal([2n]);
    });

    it("queues the main chain's messages before the side chain's, whatever the scan order", () => {
      const s = fresh();
      admitScan(s, "side", 5, [msg("side", 2n), msg("side", 1n)], 0);
      admitScan(s, "main", 5, [msg("main", 1n)], 0);
      expect(s.pending.map((p) => messageKey(p.message))).to.deep.equal(["main:1", "side:1", "side:2"]);
    });
  });

  describe("returns of set-aside messages", () => {
    /** State with messages 1 and 2 of main set aside after one failed attempt each. */
    function setAside(): RelayState {
      const s = fresh();
      admitScan(s, "main", 5, [msg("main", 1n), msg("main", 2n)], 0);
      for (const n of [1n, 2n]) markFailed(s, msg("main", n), "boom", 10, { ...RETRY, maxAttempts: 1 });
      return s;
    }

    it("starts one return per message, however often it is asked, due from the moment it starts", () => {
      const s = setAside();
      startReturn(s, msg("main", 1n), 100);
      startReturn(s, msg("main", 1n), 200);
      startReturn(s, msg("main", 2n), 300);
      expect(s.returns.map((t) => [t.message.nonce, t.stage, t.nextAttemptAt])).to.deep.equal([
        [1n, "abandon", 100],
        [2n, "abandon", 300],
      ]);
      expect(dueReturns(s, 99)).to.deep.equal([]);
      expect(dueReturns(s, 100).map((t) => t.message.nonce)).to.deep.equal([1n]);
      expect(dueReturns(s, 300).map((t) => t.message.nonce)).to.deep.equal([1n, 2n]);
    });

    it("once refunded, a return is never due again and only its message leaves the set-aside list", () => {
      const s = setAside();
      startReturn(s, msg("main", 1n), 100);
      startReturn(s, msg("main", 2n), 100);
      const task = s.returns[0]!;
      task.lastError = "not attested yet";
      markRefunded(s, task);
      expect([task.stage, "lastError" in task]).to.deep.equal(["refunded", false]);
      expect(s.setAside.map((x) => x.message.nonce)).to.deep.equal([2n]);
      expect(dueReturns(s, 1_000).map((t) => t.message.nonce)).to.deep.equal([2n]);
    });
  });

  describe("failures", () => {
    it("back off exponentially up to the cap, then set the message aside without touching the others", () => {
      expect([1, 2, 3, 4].map((a) => backoffDelay(a, RETRY))).to.deep.equal([100, 200, 250, 250]);
      const s = fresh();
      admitScan(s, "main", 5, [msg("main", 1n), msg("main", 2n)], 0);
      expect(markFailed(s, msg("main", 1n), "boom", 1000, RETRY)).to.equal("retry");
      expect(dueMessages(s, 1050).map((m) => m.nonce)).to.deep.equal([2n]);
      expect(dueMessages(s, 1100).map((m) => m.nonce)).to.deep.equal([1n, 2n]);
      markFailed(s, msg("main", 1n), "boom", 1100, RETRY);
      expect(markFailed(s, msg("main", 1n), "boom", 1300, RETRY)).to.equal("set-aside");
      expect(s.setAside.map((x) => [x.message.nonce, x.attempts, x.error])).to.deep.equal([[1n, 3, "boom"]]);
      expect(s.pending.map((p) => p.message.nonce)).to.deep.equal([2n]);
    });

    it("count against the failed message only", () => {
      const s = fresh();
      admitScan(s, "main", 5, [msg("main", 1n), msg("main", 2n)], 0);
      markFailed(s, msg("main", 2n), "boom", 1000, RETRY);
      expect(s.pending.map((p) => [p.message.nonce, p.attempts, p.nextAttemptAt])).to.deep.equal([
        [1n, 0, 0],
        [2n, 1, 1100],
      ]);
    });

    it("wait for a quorum without using an attempt: that message only, due again after the delay", () => {
      const s = fresh();
      admitScan(s, "main", 5, [msg("main", 1n), msg("main", 2n)], 0);
      markWaiting(s, msg("main", 2n), "2 of 3 validators", 1000, 500);
      expect(s.pending.map((p) => [p.message.nonce, p.attempts, p.nextAttemptAt, p.lastError])).to.deep.equal([
        [1n, 0, 0, undefined],
        [2n, 0, 1500, "2 of 3 validators"],
      ]);
      expect(dueMessages(s, 1499).map((m) => m.nonce)).to.deep.equal([1n]);
      const before = structuredClone(s);
      markWaiting(s, msg("main", 9n), "not pending", 1000, 500);
      expect(s).to.deep.equal(before);
    });

    it("leave the state alone when the message is no longer pending (delivered meanwhile)", () => {
      const s = fresh();
      admitScan(s, "main", 5, [msg("main", 1n)], 0);
      markDelivered(s, msg("main", 1n));
      const before = structuredClone(s);
      expect(markFailed(s, msg("main", 1n), "late", 1000, RETRY)).to.equal("retry");
      expect(s).to.deep.equal(before);
    });
  });

  it("forgets an orphaned message and rewinds the cursor to rescan its block", () => {
    const s = fresh();
    admitScan(s, "side", 20, [msg("side", 1n, 12)], 0);
    markOrphaned(s, msg("side", 1n, 12));
    expect(s.pending).to.have.length(0);
    expect(s.chains.side.lastScanned).to.equal(11);
  });

  it("keeps delivered nonces as merged ranges", () => {
    let set = addNonce([], 3n);
    set = addNonce(set, 1n);
    set = addNonce(set, 2n);
    set = addNonce(set, 7n);
    expect(set).to.deep.equal([
      [1n, 3n],
      [7n, 7n],
    ]);
    expect(hasNonce(set, 2n) && !hasNonce(set, 4n)).to.equal(true);
    expect(nonceCount(set)).to.equal(4n);
  });

  it("round-trips its state through the checkpoint encoding", () => {
    const s = fresh();
    admitScan(s, "main", 5, [msg("main", 1n), msg("main", 2n)], 0);
    markDelivered(s, msg("main", 1n));
    markFailed(s, msg("main", 2n), "x", 10, RETRY);
    expect(parseState(serializeState(s), "mem")).to.deep.equal(s);
  });
});

/** An in-memory chain: a list of blocks with messages; `processed` records executions. */
class FakePort implements GatewayPort {
  readonly gateway: string;
  headBlock = 10;
  messages: BridgeMessage[] = [];
  hashes = new Map<number, string>();
  processed = new Set<string>();
  executions: bigint[] = [];
  failNonces = new Set<bigint>();
  reportedChainId: number;

  constructor(readonly name: ChainName) {
    this.gateway = GATEWAY[name];
    this.reportedChainId = CHAIN_ID[name];
  }

  chainId = async () => this.reportedChainId;
  blockHash = async (n: number) => (n === 0 ? "0xg" : this.hashes.get(n) ?? `0xb${n}`);
  head = async () => this.headBlock;
  sentMessages = async (from: number, to: number) => this.messages.filter((m) => m.blockNumber >= from && m.blockNumber <= to);
  isProcessed = async (m: BridgeMessage) => this.processed.has(`${m.source}:${m.nonce}`);
  execute = async (m: BridgeMessage, signatures: string[]) => {
    if (signatures.length !== 2) throw new Error("expected 2 signatures");
    if (this.failNonces.has(m.nonce)) throw new Error(`target reverted for ${m.nonce}`);
    this.processed.add(`${m.source}:${m.nonce}`);
    this.executions.push(m.nonce);
    return "0xtx";
  };
  abandoned: bigint[] = [];
  refunded: bigint[] = [];
  abandon = async (m: BridgeMessage) => {
    this.abandoned.push(m.nonce);
    this.processed.add(`${m.source}:${m.nonce}`);
    return "0xabandon";
  };
  refund = async (m: BridgeMessage) => {
    this.refunded.push(m.nonce);
    return "0xrefund";
  };
}

describe("relayer service over in-memory chains", () => {
  let clock: number;
  let stored: RelayState | undefined;
  let ports: Record<ChainName, FakePort>;
  const validators = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()].map((w) => new Wallet(w.privateKey));
  const config = {
    main: { rpcUrl: "http://main.invalid", chainId: CHAIN_ID.main, gateway: GATEWAY.main, startBlock: 0 },
    side: { rpcUrl: "http://side.invalid", chainId: CHAIN_ID.side, gateway: GATEWAY.side, startBlock: 0 },
    confirmations: 2,
    maxBlockRange: 5,
    threshold: 2,
    retry: RETRY,
    pollIntervalMs: 10,
  };
  let signatures: SignatureSource;
  const make = (overrides: { returnUndeliverable?: boolean } = {}) =>
    new Relayer({ ...config, ...overrides }, {
      ports,
      signatures,
      store: { read: () => (stored === undefined ? undefined : structuredClone(stored)), write: (s) => (stored = structuredClone(s)) },
      logger: pino({ level: "silent" }),
      metrics: new RelayerMetrics(),
      now: () => clock,
    });

  beforeEach(() => {
    clock = 0;
    stored = undefined;
    ports = { main: new FakePort("main"), side: new FakePort("side") };
    signatures = new LocalSignatures(validators, 2);
  });

  it("delivers only confirmed messages, each once, across a restart from the stored state", async () => {
    ports.main.messages = [msg("main", 1n, 3), msg("main", 2n, 8), msg("main", 3n, 9)];
    const r = make();
    await r.init();
    await r.tick(); // head 10, depth 2: blocks ≤ 8 are final
    expect(ports.side.executions).to.deep.equal([1n, 2n]);
    const again = make(); // a restart
    await again.init();
    ports.main.headBlock = 11;
    await again.tick();
    expect(ports.side.executions).to.deep.equal([1n, 2n, 3n]);
  });

  it("does not submit a message the destination already processed (delivered before a crash)", async () => {
    ports.main.messages = [msg("main", 1n, 3)];
    ports.side.processed.add("main:1");
    const r = make();
    await r.init();
    await r.tick();
    expect(ports.side.executions).to.deep.equal([]);
    expect(r.health().delivered.main).to.equal(1);
  });

  it("sets a message that keeps failing aside and keeps delivering the rest", async () => {
    ports.main.messages = [msg("main", 1n, 3), msg("main", 2n, 4)];
    ports.side.failNonces.add(1n);
    const r = make();
    await r.init();
    for (let i = 0; i < 6; i++) {
      await r.tick();
      clock += 1000;
    }
    expect(ports.side.executions).to.deep.equal([2n]);
    const h = r.health();
    expect(h.setAside).to.deep.equal([{ route: "main->side", nonce: "1", error: "target reverted for 1" }]);
    expect(h.pending).to.equal(0);
  });

  it("drops a queued message whose block was replaced and delivers the new branch's instead", async () => {
    ports.main.messages = [msg("main", 1n, 5, "0xold")];
    ports.main.hashes.set(5, "0xold");
    const r = make();
    await r.init();
    ports.side.failNonces.add(1n); // queued but not delivered yet
    await r.tick();
    ports.side.failNonces.clear();
    ports.main.hashes.set(5, "0xnew"); // a deep reorg replaced block 5
    ports.main.messages = [msg("main", 1n, 5, "0xnew")];
    clock += 1000;
    await r.tick(); // notices the orphan, rewinds
    await r.tick(); // rescans block 5 on the new branch and delivers
    expect(ports.side.executions).to.deep.equal([1n]);
    expect(r.snapshot().delivered.main).to.deep.equal([[1n, 1n]]);
  });

  describe("when fewer validators than the threshold answer", () => {
    it("waits without using up attempts, reports the missing validators, and delivers once the quorum is back", async () => {
      ports.main.messages = [msg("main", 1n, 3)];
      const local = new LocalSignatures(validators, 2);
      let down = true;
      const missing = `${validators[1]!.address} (http://v2.invalid): unreachable (ECONNREFUSED)`;
      signatures = {
        collect: async (m) => {
          if (down) throw new QuorumError(`1 of 2 message signatures; missing ${missing}`, [missing]);
          return local.collect(m);
        },
        status: () => [{ address: validators[1]!.address, url: "http://v2.invalid", ok: !down, error: down ? "unreachable (ECONNREFUSED)" : null, at: null }],
      };
      const r = make();
      await r.init();
      for (let i = 0; i < 2 * RETRY.maxAttempts; i++) {
        await r.tick();
        clock += 1000;
      }
      expect(ports.side.executions).to.deep.equal([]);
      const h = r.health();
      expect([h.ok, h.pending, h.setAside.length]).to.deep.equal([false, 1, 0]);
      expect(h.missingValidators).to.deep.equal([{ address: validators[1]!.address, url: "http://v2.invalid", error: "unreachable (ECONNREFUSED)" }]);
      down = false;
      await r.tick();
      expect(ports.side.executions).to.deep.equal([1n]);
      expect(r.health().ok).to.equal(true);
    });
  });

  describe("when a set-aside message is to be returned", () => {
    it("abandons it at the destination, refunds it at the source once attested, and no longer lists it set aside", async () => {
      ports.main.messages = [msg("main", 1n, 3)];
      ports.side.failNonces.add(1n);
      const local = new LocalSignatures(validators, 2);
      let refundAttested = false;
      signatures = {
        collect: async (m, kind) => {
          if (kind === "refund" && !refundAttested) throw new QuorumError("0 of 2 refund signatures; missing all", []);
          return local.collect(m, kind);
        },
        status: () => local.status(),
      };
      const r = make({ returnUndeliverable: true });
      await r.init();
      for (let i = 0; i < RETRY.maxAttempts + 2; i++) {
        await r.tick();
        clock += 1000;
      }
      expect(ports.side.abandoned).to.deep.equal([1n]);
      expect(ports.main.refunded).to.deep.equal([]);
      expect(r.health().returns).to.deep.equal([
        { route: "main->side", nonce: "1", stage: "refund", error: "0 of 2 refund signatures; missing all" },
      ]);
      refundAttested = true;
      clock += RETRY.maxDelayMs;
      await r.tick();
      expect(ports.main.refunded).to.deep.equal([1n]);
      expect(ports.side.executions).to.deep.equal([]);
      const h = r.health();
      expect(h.setAside).to.deep.equal([]);
      expect(h.returns).to.deep.equal([{ route: "main->side", nonce: "1", stage: "refunded", error: null }]);
      expect(parseState(serializeState(r.snapshot()), "mem").returns).to.deep.equal(r.snapshot().returns);
    });

    it("keeps it set aside for an operator when returns are off", async () => {
      ports.main.messages = [msg("main", 1n, 3)];
      ports.side.failNonces.add(1n);
      const r = make();
      await r.init();
      for (let i = 0; i < RETRY.maxAttempts + 2; i++) {
        await r.tick();
        clock += 1000;
      }
      expect([ports.side.abandoned, r.health().setAside.length]).to.deep.equal([[], 1]);
    });
  });

  describe("when another relayer executes the message first", () => {
    it("counts it delivered instead of failed", async () => {
      ports.main.messages = [msg("main", 1n, 3)];
      ports.side.execute = async () => {
        throw Object.assign(new Error("execution reverted"), {
          data: gatewayInterface.encodeErrorResult("BridgeGatewayAlreadyProcessed", [CHAIN_ID.main, GATEWAY.main, 1n]),
        });
      };
      const r = make();
      await r.init();
      await r.tick();
      expect(r.snapshot().delivered.main).to.deep.equal([[1n, 1n]]);
      expect(r.health().pending).to.equal(0);
    });
  });

  it("refuses to start when a chain reports another chain id", async () => {
    ports.side.reportedChainId = 999;
    const err = await make()
      .init()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RelayerStartupError);
    expect((err as Error).message).to.equal("side chain at http://side.invalid reports chain id 999, expected 202; refusing to run");
  });

  it("refuses a checkpoint made for other chains", async () => {
    const r = make();
    await r.init();
    ports.main.blockHash = async () => "0xother-genesis";
    const err = await make()
      .init()
      .catch((e: unknown) => e);
    expect((err as Error).message).to.match(/^checkpoint is for another main chain or gateway/);
  });
});
