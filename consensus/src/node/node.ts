import crypto from "node:crypto";
import { getAddress } from "ethers";
import path from "node:path";
import type { Logger } from "pino";
import type { ClockAdvance, Divergence, MemberChange, MemberRequest, NodeStatus, OrdererHandle, ReplicaBlock, SubmitResult, TxLookup } from "../api/types";
import { ClockAdvanceDisabledError, LeaderUnavailableError } from "../api/errors";
import { ApiServer } from "../api/server";
import { BlockCutter } from "../batch/block-cutter";
import { decodeEntry, encodeBlock } from "../batch/block-codec";
import { decodeClockEntry, encodeClockEntry } from "../batch/clock-entry";
import type { BatchTx } from "../batch/types";
import { NonceConflictError } from "../chain/errors";
import type { ParsedTx } from "../chain/tx";
import { clusterMembers } from "../config/validate";
import type { OrdererConfig } from "../config/schema";
import { decodeConfChange, NoEligibleLeaderError, NotLeaderError, RawNode, roleOf, StepPeerNotFoundError, type ConfState, type Entry, type Message, type Snapshot, type SoftState } from "../core";
import { OrdererMetrics } from "../metrics/metrics";
import { FileStorage } from "../storage/file-storage";
import { registerStorageGauges, walSyncMetrics } from "../storage/metrics";
import { BlockRecorder } from "./block-recorder";
import { ChainView } from "./chain-view";
import { ClockWaiters } from "./clock";
import { CutScheduler } from "./cut-scheduler";
import { DivergenceMonitor, peerJsonGetter, type WrongEvm } from "./divergence";
import { OrderLedger } from "./ledger";
import { NonceGate } from "./nonce-gate";
import { ProposalTracker } from "./proposals";
import { ReadyLoop } from "./ready-loop";
import { apiTlsOptions } from "./api-tls";
import { peerBlockSources } from "./peer-blocks";
import { pullMetrics } from "./pull-metrics";
import type { OrdererNodeOptions } from "./options";
import { MemberAdmin } from "./member-admin";
import { MemberDirectory, type AddressedConfChange, type PeerLinks } from "./members";
import type { Transport } from "../transport/transport";
import { decodeSnapshotData } from "./snapshot-data";
import { SnapshotScheduler } from "./snapshots";
import { PartitionFilter } from "./transport";

export type { OrdererNodeOptions } from "./options";

/**
 * The block store's writes start at least this far apart (`BlockRecorder`'s `writeIntervalMs`): at one client a block
 * commits every 1-2 ms, so one synced write per block doubled each node's fsyncs; 10 ms batches them while the
 * replica, which reads the store, lags by at most that.
 */
const BLOCK_WRITE_INTERVAL_MS = 10;

/**
 * One orderer node: drives the pure Raft core with a clock, a durable FileStorage, a transport, the
 * block cutter, the order ledger (the replicated state machine), the block store, its own EVM replica
 * (with `chain` in the config) and the client API.
 *
 * The Ready loop (`ready-loop.ts`, shared with the simulator) keeps etcd's order: persist hard
 * state, entries and snapshot (fsync'd by FileStorage) before sending any message, then apply
 * committed entries, then advance.
 */
export class OrdererNode implements OrdererHandle {
  readonly metrics: OrdererMetrics;
  readonly partition = new PartitionFilter();
  private readonly cfg: OrdererConfig;
  private readonly log: Logger;
  private readonly storage: FileStorage;
  private readonly raw: RawNode;
  private readonly ledger: OrderLedger;
  private readonly cutter: BlockCutter;
  private readonly cuts: CutScheduler;
  private readonly proposals: ProposalTracker;
  private readonly chain: ChainView;
  private readonly transport: Transport;
  private readonly api: ApiServer;
  private readonly leaderWaitMs: number;
  private readonly maxInflightBlocks: number;
  private readonly members: MemberDirectory;
  private readonly admin: MemberAdmin;
  private readonly nonces: NonceGate;
  private readonly clockWaiters = new ClockWaiters();
  private readonly submitWaitMs: number;
  private readonly divergence: DivergenceMonitor | null;
  private soft: SoftState = { lead: null, state: "follower" };
  private term = 0;
  /** Aborted whenever the term or the known leader changes: forwarded requests re-route at once. */
  private leaderEpoch = new AbortController();
  /** The first entry of this node's leadership (its no-op): it serves once the ledger applied it. */
  private leaderReadyIndex = Number.POSITIVE_INFINITY;
  private ownUncommitted = new Set<number>();
  private tickTimer: NodeJS.Timeout | null = null;
  private commitTimer: NodeJS.Timeout | null = null;
  private drainScheduled = false;
  private draining = false;
  private readonly loop: ReadyLoop;
  private transportDropped = 0;
  private stopped = false;
  /** A storage write failed: nothing more leaves this node (see `halt`). */
  private halted = false;
  private readonly onFatal: (err: Error) => void;
  private readonly snapshots: SnapshotScheduler;
  private readonly recorder: BlockRecorder;

  constructor(options: OrdererNodeOptions) {
    const cfg = options.config;
    this.cfg = cfg;
    this.log = options.logger;
    this.metrics = options.metrics ?? new OrdererMetrics({ nodeId: cfg.id });
    this.leaderWaitMs = options.leaderWaitMs ?? cfg.timeouts.tickMs * cfg.timeouts.electionTicks * 5;
    this.maxInflightBlocks = options.maxInflightBlocks ?? 2;
    this.members = new MemberDirectory(cfg, options.peerApi ?? {});
    this.ledger = new OrderLedger(options.ledgerRetainedTxs);
    this.submitWaitMs = options.submitWaitMs ?? 10_000;
    this.proposals = new ProposalTracker(this.submitWaitMs);
    this.cutter = new BlockCutter(cfg.batching);
    this.cuts = new CutScheduler({
      cutter: this.cutter,
      inflight: () => this.ownUncommitted.size,
      maxInflight: this.maxInflightBlocks,
      propose: (batch) => this.propose(batch),
      stopped: () => this.stopped,
    });
    this.recorder = new BlockRecorder(
      path.join(cfg.dataDir, "blocks"),
      this.log,
      () => {
        this.scheduleDrain();
        this.chain.replica?.kick();
      },
      (err) => this.halt(err),
      peerBlockSources(cfg, (id) => this.members.apiUrl(id), () => this.raw.status().conf.members.map((m) => m.id)),
      pullMetrics(this.metrics.registry),
      BLOCK_WRITE_INTERVAL_MS,
    );
    this.chain = new ChainView(cfg, { headNumber: () => this.recorder.head.number, blocks: (from, to) => this.recorder.blocks(from, to) }, this.metrics, this.log);
    this.nonces = new NonceGate(this.ledger, (sender) => this.chain.nonceOf(sender));
    this.onFatal =
      options.onFatal ??
      ((err) => {
        throw err;
      });
    this.storage = (options.openStorage ?? FileStorage.open)(path.join(cfg.dataDir, "raft"), {
      fsync: cfg.storage.fsync,
      segmentBytes: cfg.storage.segmentBytes,
      // A joining node takes the configuration from the leader's snapshot, never bootstraps one (`join.ts`).
      initialConf: cfg.join === undefined ? { members: clusterMembers(cfg) } : undefined,
      hooks: walSyncMetrics(this.metrics.registry).hooks,
    });
    registerStorageGauges(this.metrics.registry, () => (this.stopped ? null : this.storage));
    if (this.storage.recovery !== undefined && this.storage.recovery !== null) {
      this.log.warn({ recovery: this.storage.recovery }, "WAL recovery repaired a torn tail");
    }
    const initial = this.storage.initialState().hardState;
    const snap = this.storage.snapshot();
    const restored = decodeSnapshotData(snap.data);
    this.ledger.restore(restored.ledger, snap.meta.index);
    this.recorder.atSnapshot(restored.head);
    this.raw = new RawNode(
      {
        id: cfg.id,
        electionTick: cfg.timeouts.electionTicks,
        heartbeatTick: cfg.timeouts.heartbeatTicks,
        mode: cfg.mode,
        preVote: true,
        checkQuorum: true,
        lazyCommit: cfg.timeouts.commitLingerMs > 0,
        random: () => crypto.randomInt(0, 2 ** 32) / 2 ** 32,
      },
      this.storage,
    );
    this.snapshots = new SnapshotScheduler(
      { storage: this.storage, ledger: this.ledger, recorder: this.recorder, conf: () => this.raw.status().conf, metrics: this.metrics, log: this.log, every: cfg.storage.snapshotEntries, keep: options.catchUpEntries ?? cfg.storage.catchUpEntries },
      snap.meta.index,
    );
    this.loop = new ReadyLoop(
      this.raw,
      this.storage,
      {
        send: (messages) => this.send(messages),
        onSoftState: (soft) => this.onSoftState(soft),
        onHardState: (hs) => {
          if (hs.term !== this.term) {
            this.term = hs.term;
            this.newLeaderEpoch();
          }
          this.metrics.term.set(hs.term);
          this.metrics.commitIndex.set(hs.commit);
        },
        installSnapshot: (snap) => this.installSnapshot(snap),
        apply: (e, conf) => this.applyEntry(e, conf),
        onDurable: this.onDurable,
      },
      { id: cfg.id, backgroundSync: cfg.storage.fsync, durable: { term: initial.term, vote: initial.vote } },
    );
    this.transport = options.transport(
      (m) => this.receive(m),
      (reason) => this.dropped(reason),
    );
    this.transport.registerMetrics?.(this.metrics.registry);
    const tls = apiTlsOptions(cfg, () => this.admin.trust());
    this.admin = new MemberAdmin({
      id: cfg.id, raw: this.raw, directory: this.members, links: this.transport as PeerLinks, logger: this.log,
      awaitLeadership: () => this.awaitLeadership(), leader: () => this.soft.lead, proposed: () => this.scheduleDrain(),
      waitMs: this.submitWaitMs, dispatcher: tls.forwardDispatcher, configPeers: cfg.peers.map((p) => p.id),
    });
    this.divergence =
      cfg.chain === undefined
        ? null
        : new DivergenceMonitor({
            peers: () => this.raw.status().conf.members.flatMap((m) => (m.id === cfg.id ? [] : [{ id: m.id, url: this.members.apiUrl(m.id) }])),
            ownHead: () => this.chain.replicaHead(),
            ownBlock: (n) => this.chain.replicaBlock(n),
            ownEvm: cfg.chain.evm,
            ownClientVersion: () => this.chain.clientVersion(),
            getJson: peerJsonGetter(tls.forwardDispatcher),
            metrics: this.metrics,
            logger: this.log,
            intervalMs: cfg.chain.divergenceCheckMs,
          });
    this.api = new ApiServer({
      handle: this,
      chainId: this.chain.chainId,
      admission: this.chain.admission,
      metrics: this.metrics,
      logger: this.log,
      host: cfg.listen.host,
      port: cfg.listen.httpPort,
      // A follower retries a forward that failed or was abandoned (the leader died, paused or was
      // replaced) until it learns the next leader, as long as it would wait for an election itself.
      leaderRetryMs: this.leaderWaitMs,
      debug: options.faultInjection === true ? { partition: (peers) => this.setPartition(peers) } : undefined,
      ...tls,
    });
  }

  /** Opens the network and API and starts the clock. */
  async start(): Promise<void> {
    await this.recorder.open();
    await this.transport.start();
    await this.api.start();
    const tickMs = this.cfg.timeouts.tickMs;
    this.tickTimer = setInterval(() => this.onTick(), tickMs);
    this.log.info(
      { id: this.cfg.id, api: this.api.url, snapshot: this.snapshots.lastIndex, replica: this.cfg.chain?.rpcUrl ?? null },
      "orderer node started",
    );
    this.scheduleDrain();
    this.chain.replica?.kick();
    this.divergence?.start();
  }

  get apiUrl(): string {
    return this.api.url;
  }

  /** Stops the clock, API, transport and delivery, then closes storage. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    this.cuts.cancel();
    if (this.commitTimer !== null) clearTimeout(this.commitTimer);
    this.proposals.close();
    this.clockWaiters.failAll(new LeaderUnavailableError("the node is stopping"));
    this.leaderEpoch.abort();
    await this.divergence?.stop();
    await this.api.stop();
    await this.transport.close();
    await this.chain.close();
    await this.recorder.close();
    this.storage.close();
    this.log.info({ id: this.cfg.id }, "orderer node stopped");
  }

  // ---- OrdererHandle ----

  async submit(tx: ParsedTx, admitted?: () => void): Promise<SubmitResult> {
    const known = this.ledger.position(tx.hash);
    if (known !== undefined) return { hash: tx.hash, status: (await this.chain.lookup(tx.hash, known)).status };
    await this.awaitLeadership();
    const sender = tx.senderKey;
    const chainNext = await this.nonces.prepare(sender);
    // From here on synchronous: the verdict and the reservation cannot interleave with another submit.
    if (!this.raw.isLeader) throw new NotLeaderError(this.soft.lead);
    const ordered = this.ledger.position(tx.hash);
    if (ordered !== undefined) return { hash: tx.hash, status: (await this.chain.lookup(tx.hash, ordered)).status };
    this.nonces.admit(tx, sender, chainNext);
    admitted?.();
    const result = this.proposals.wait(tx.hash);
    if (this.proposals.take(tx.hash)) {
      const batchTx: BatchTx = { hash: tx.hash, raw: Buffer.from(tx.raw.slice(2), "hex"), sender, nonce: tx.nonce };
      for (const batch of this.cutter.ordered(batchTx, Date.now()).batches) this.propose(batch);
      this.cuts.schedule();
    }
    return result;
  }

  refusal(hash: string): NonceConflictError | undefined {
    const r = this.ledger.refusal(hash);
    return r === undefined ? undefined : new NonceConflictError(getAddress(r.sender), r.nonce, r.expectedNonce);
  }

  leaderChangeSignal(): AbortSignal {
    return this.leaderEpoch.signal;
  }

  async lookup(hash: string): Promise<TxLookup | undefined> {
    const pos = this.ledger.position(hash);
    if (pos !== undefined) return this.chain.lookup(hash, pos);
    if (this.proposals.isInflight(hash)) return { status: "pending", block: null, index: null, chainBlock: null };
    // Older than the ledger's retention (or not yet replayed after a restart): the block store keeps every block.
    // `block` stays the Raft index, as in the ledger's answers, so a transaction's answer never changes meaning.
    const stored = await this.recorder.locate(hash);
    return stored === undefined ? undefined : this.chain.lookup(hash, { block: stored.raftIndex, index: stored.index });
  }

  status(): NodeStatus {
    const st = this.raw.status();
    const replica = this.chain.replicaStatus();
    return {
      id: this.cfg.id,
      role: roleOf(st.conf, this.cfg.id) ?? this.cfg.role,
      term: st.term,
      leader: st.lead,
      commitIndex: st.commit,
      appliedIndex: this.ledger.appliedIndex,
      pool: st.pool,
      members: this.admin.status(st.conf),
      blocks: this.recorder.head,
      catchingUp: this.recorder.catchingUp,
      ...(replica === null ? {} : { replica }),
    };
  }

  blockPage(from: number, limit: number, headers: boolean): Promise<{ body: Buffer; count: number; head: number }> {
    return this.recorder.page(from, limit, headers);
  }

  async replicaBlock(n: number): Promise<ReplicaBlock | null> {
    return this.chain.replicaBlock(n);
  }

  divergences(): Divergence[] {
    return this.divergence?.divergences ?? [];
  }

  wrongEvm(): WrongEvm | null {
    return this.divergence?.wrongEvm ?? null;
  }

  /** Proposes a clock advance (devnet only) and resolves once it applied here (`clock.ts`). */
  async advanceClock(seconds: number): Promise<ClockAdvance> {
    if (!this.cfg.devnet.clockAdvance) throw new ClockAdvanceDisabledError();
    const data = encodeClockEntry(seconds);
    await this.awaitLeadership();
    if (!this.raw.isLeader) throw new NotLeaderError(this.soft.lead);
    const { index } = this.raw.propose(data);
    this.scheduleDrain();
    await this.clockWaiters.wait(index, this.submitWaitMs);
    return { offsetSeconds: this.ledger.clockOffset, index, now: Math.floor(Date.now() / 1000) + this.ledger.clockOffset };
  }

  leaderApiUrl(): string | null {
    const lead = this.soft.lead;
    if (lead === null) return null;
    if (lead === this.cfg.id) return this.api.url;
    return this.members.apiUrl(lead);
  }

  addMember(req: MemberRequest): Promise<MemberChange> {
    return this.admin.add(req);
  }

  removeMember(id: string): Promise<MemberChange> {
    return this.admin.remove(id);
  }

  // ---- leadership and proposals ----

  /**
   * Returns when this node leads. Throws NotLeaderError naming a live leader (the API forwards),
   * or NoEligibleLeaderError when the core says no pool node can win, or none won within
   * `leaderWaitMs`. While an election runs it waits, bounded. A new leader serves only once it has
   * applied its whole log (up to its own first entry), so its nonce view includes every earlier term.
   */
  private async awaitLeadership(): Promise<void> {
    const deadline = Date.now() + this.leaderWaitMs;
    for (;;) {
      const err = this.leadershipError();
      if (err === null && this.ledger.appliedIndex >= this.leaderReadyIndex) return;
      if (err instanceof NotLeaderError && err.leader !== null) throw err;
      if (err instanceof NoEligibleLeaderError) throw err;
      if (Date.now() >= deadline || this.stopped) {
        const pool = this.raw.status().pool;
        throw new NoEligibleLeaderError(
          `no leader within ${this.leaderWaitMs} ms: no node of the candidate pool [${pool.join(", ")}] won an election`,
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, err === null ? 1 : this.cfg.timeouts.tickMs));
    }
  }

  /**
   * The core's own verdict on proposing here, without duplicating its leader-liveness rules: on a
   * non-leader, `propose` appends nothing and throws the reason. (Should this node have just won,
   * the probe appends an empty entry, which the ledger skips like a leader's no-op.)
   */
  private leadershipError(): Error | null {
    if (this.raw.isLeader) return null;
    try {
      this.raw.propose(new Uint8Array(0));
      this.scheduleDrain();
      return null;
    } catch (err) {
      return err as Error;
    }
  }

  private propose(batch: BatchTx[]): void {
    if (batch.length === 0) return;
    try {
      const ref = this.raw.propose(encodeBlock(batch));
      this.ownUncommitted.add(ref.index);
      this.metrics.proposals.inc();
      this.metrics.proposedTxs.inc(batch.length);
      // Out to the followers now: a deferred drain ran only after the next poll phase, i.e. after every
      // submission that had arrived meanwhile was parsed and its sender recovered (about 0.1 ms each).
      this.drainNow();
    } catch (err) {
      for (const tx of batch) this.proposals.fail(tx.hash, err);
    }
  }

  private onSoftState(soft: SoftState): void {
    const was = this.soft;
    this.soft = soft;
    if (soft.state === "leader" && was.state !== "leader") this.leaderReadyIndex = this.raw.status().lastIndex;
    if (soft.lead !== was.lead) {
      this.newLeaderEpoch();
      this.metrics.leaderChanges.inc();
      this.log.info({ term: this.raw.status().term, leader: soft.lead }, "leader changed");
    }
    if ((soft.state === "preCandidate" || soft.state === "candidate") && soft.state !== was.state) this.metrics.elections.inc();
    this.metrics.isLeader.set(soft.state === "leader" ? 1 : 0);
    if (was.state === "leader" && soft.state !== "leader") this.onLeadershipLost(soft.lead);
  }

  /**
   * Batched but unproposed transactions go back to their clients (the API forwards them on). Those
   * already proposed may still commit under the next leader, but this node cannot tell when: their
   * clients get a retryable 503 now rather than "pending" after the full wait, and resubmit.
   */
  private onLeadershipLost(lead: string | null): void {
    this.cuts.cancel();
    const err = new NotLeaderError(lead);
    for (const tx of this.cutter.cut()) this.proposals.fail(tx.hash, err);
    this.proposals.failAll(
      new LeaderUnavailableError(
        `leadership lost (${lead === null ? "no leader known" : `new leader ${lead}`}) before the transaction committed; ` +
          "it may still be ordered: resubmit the same signed bytes",
      ),
    );
    this.nonces.clear();
    this.clockWaiters.failAll(new LeaderUnavailableError("leadership lost before the clock advance applied; retry"));
    this.admin.leadershipLost(new LeaderUnavailableError("leadership lost before the membership change applied; it may still apply: check /v1/status"));
    this.leaderReadyIndex = Number.POSITIVE_INFINITY;
    this.ownUncommitted.clear();
  }

  private newLeaderEpoch(): void {
    this.leaderEpoch.abort();
    this.leaderEpoch = new AbortController();
  }

  // ---- the Ready loop ----

  private onTick(): void {
    if (this.halted) return;
    this.raw.tick();
    this.scheduleDrain();
    const dropped = this.transport.droppedCount?.();
    if (dropped !== undefined && dropped > this.transportDropped) {
      this.metrics.droppedMessages.inc(dropped - this.transportDropped);
      this.transportDropped = dropped;
    }
  }

  private receive(m: Message): void {
    if (this.stopped || this.halted) return;
    if (!this.partition.allows(m.from)) {
      this.dropped("partitioned");
      return;
    }
    try {
      this.raw.step(m);
    } catch (err) {
      if (err instanceof StepPeerNotFoundError) this.dropped(`unknown peer ${m.from}`);
      else this.log.warn({ err, type: m.type, from: m.from }, "message refused by the core");
    }
    // A follower's acknowledgement may commit a block: apply it and answer its clients before the
    // submissions waiting in this poll phase are recovered, not after.
    if (m.type === "appendResp" && this.soft.state === "leader") this.drainNow();
    else this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.stopped || this.halted) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drainNow();
    });
  }

  /**
   * Drains at once (deferred instead when a drain is running: a handler it calls must not re-enter it). Never throws
   * to its caller: a fatal storage error (`halt`; the default `onFatal` throws) is thrown again from a callback of its
   * own, so it stops the process as it did from a deferred drain, rather than being caught by whoever called
   * (`propose` would fail the batch's clients; the transport logs what its handler throws).
   */
  private drainNow(): void {
    if (this.draining) {
      this.scheduleDrain();
      return;
    }
    if (this.stopped || this.halted) return;
    this.draining = true;
    try {
      this.drain();
    } catch (err) {
      setImmediate(() => {
        throw err;
      });
    } finally {
      this.draining = false;
    }
  }

  private drain(): void {
    try {
      this.loop.drain();
    } catch (err) {
      this.halt(err as Error);
      return;
    }
    this.snapshots.maybeSnapshot();
    this.cuts.schedule();
    this.scheduleCommitFlush();
  }

  /**
   * A new commit index usually rides on the next append (the next client's block follows within a
   * millisecond under load); when none comes within `commitLingerMs`, it goes out alone.
   */
  private scheduleCommitFlush(): void {
    if (this.cfg.timeouts.commitLingerMs === 0 || this.commitTimer !== null || !this.raw.commitPending()) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = null;
      if (this.stopped) return;
      this.raw.flushCommit();
      this.scheduleDrain();
    }, this.cfg.timeouts.commitLingerMs);
  }

  /** A background save is durable up to `lastIndex`; a failed fsync stops the process (fsyncgate: never retry). */
  private readonly onDurable = (err: Error | null, lastIndex: number): void => {
    if (this.stopped || this.halted) return;
    if (err !== null) {
      this.halt(err);
      return;
    }
    this.raw.synced(lastIndex);
    this.scheduleDrain();
  };

  /**
   * A write failed: its Ready's messages were not sent and must never be (they may reveal state the
   * disk does not hold), and the core cannot go on without that Ready advanced. Fail-stop.
   */
  private halt(err: Error): void {
    if (this.halted) return;
    this.halted = true;
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    this.log.fatal({ err }, "Raft storage write failed; halting");
    this.onFatal(err);
  }

  private send(messages: Message[]): void {
    const out: Message[] = [];
    for (const m of messages) {
      if (this.partition.allows(m.to)) out.push(m);
      else this.dropped("partitioned");
    }
    if (out.length > 0) this.transport.send(out);
  }

  private applyEntry(e: Entry, conf: ConfState | undefined): void {
    if (conf !== undefined) this.admin.applied(e.index, decodeConfChange(e.data) as AddressedConfChange, conf);
    else this.admin.appliedOther(e.index);
    if (e.index <= this.ledger.appliedIndex) return;
    this.ownUncommitted.delete(e.index);
    // A configuration entry is in force already (the Ready loop applied it to the core).
    const clock = e.type === "config" ? null : decodeClockEntry(e.data);
    this.clockWaiters.applied(e.index, clock !== null);
    if (clock !== null) {
      this.ledger.advanceClock(e.index, clock.seconds);
      // An empty block at the advanced time: every replica's head then shows it (calls and estimates read the head).
      this.recorder.record({ index: e.index, txs: [], refused: [] }, clock.timestamp + this.ledger.clockOffset, true);
      return;
    }
    if (e.type === "config" || e.data.byteLength === 0) {
      this.ledger.skip(e.index);
      return;
    }
    const { txs, timestamp } = decodeEntry(e.data);
    const block = this.ledger.applyBlock(e.index, txs);
    // The replicated clock offset moves every later block's time forward alike (devnet clock advances).
    this.recorder.record(block, timestamp === null ? null : timestamp + this.ledger.clockOffset);
    this.metrics.commits.inc();
    for (const r of block.refused) {
      this.proposals.fail(r.hash, new NonceConflictError(getAddress(r.sender), r.nonce, r.expectedNonce));
    }
    this.nonces.applied(block);
    for (const tx of txs) this.proposals.settle(tx.hash.toLowerCase(), "ordered");
  }

  private installSnapshot(snap: Snapshot): void {
    const restored = decodeSnapshotData(snap.data);
    this.ledger.restore(restored.ledger, snap.meta.index);
    this.recorder.atSnapshot(restored.head);
    this.snapshots.installed(snap.meta.index);
    this.metrics.snapshotsInstalled.inc();
    void this.admin.learnAddresses(snap.meta.conf);
    this.log.info({ index: snap.meta.index }, "installed snapshot from the leader");
  }

  private setPartition(peers: string[]): void {
    if (this.transport.partition !== undefined) this.transport.partition(peers);
    else this.partition.set(peers);
    this.log.warn({ peers }, "fault injection: partitioned from peers");
  }

  private dropped(reason: string): void {
    this.metrics.droppedMessages.inc();
    this.log.debug({ reason }, "message dropped");
  }
}
