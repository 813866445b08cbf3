import type { Logger } from "pino";
import { DplcError, type DplcErrorOptions } from "../src/errors";
import { CheckpointError } from "./checkpoint";
import type { RelayerConfig } from "./config";
import {
  admitScan,
  dueMessages,
  initialState,
  markDelivered,
  markFailed,
  markOrphaned,
  markWaiting,
  markRefunded,
  scanWindow,
  startReturn,
  dueReturns,
  type ReturnTask,
  type RelayState,
} from "./core";
import { describeFailure, type GatewayPort } from "./gateway";
import { CHAINS, otherChain, type BridgeMessage, type ChainName } from "./message";
import type { RelayerMetrics } from "./metrics";
import { nonceCount } from "./nonce-set";
import { QuorumError, type SignatureSource } from "./collector";
import { PollLoop } from "./poll-loop";

/** The relayer cannot start: a chain answers with the wrong id, or is unreachable. One line. */
export class RelayerStartupError extends DplcError {
  constructor(message: string, options: DplcErrorOptions = {}) {
    super("RELAYER_STARTUP", message, options);
  }
}

/** Where the relayer keeps its state between runs. */
export interface StateStore {
  read(): RelayState | undefined;
  write(state: RelayState): void;
}

export interface RelayerDeps {
  readonly ports: Record<ChainName, GatewayPort>;
  /** The validators' signatures (the daemon asks their HTTP endpoints; the relayer holds no validator key). */
  readonly signatures: SignatureSource;
  readonly store: StateStore;
  readonly logger: Logger;
  readonly metrics: RelayerMetrics;
  readonly now?: () => number;
}

type RelayerSettings = Pick<
  RelayerConfig,
  "main" | "side" | "confirmations" | "maxBlockRange" | "threshold" | "retry" | "pollIntervalMs"
> & Partial<Pick<RelayerConfig, "returnUndeliverable">
>;

/**
 * Watches both gateways and carries each confirmed `BridgeMessageSent` to the other chain: scan → sign → deliver,
 * persisting the state after every change. The decisions are `core.ts`; this class does the I/O around them.
 */
export class Relayer {
  private state!: RelayState;
  private readonly loop: PollLoop;
  private quorumShort: string | undefined;
  private lastTickOk = 0;
  private lastError: string | undefined;
  private readonly now: () => number;

  constructor(
    private readonly config: RelayerSettings,
    private readonly deps: RelayerDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.loop = new PollLoop(config.pollIntervalMs, () => this.tick());
  }

  /** Checks both chains against the config and loads (or creates) the checkpoint. */
  async init(): Promise<void> {
    const cursors = {} as Record<ChainName, { chainId: number; gateway: string; genesisHash: string }>;
    for (const c of CHAINS) {
      const port = this.deps.ports[c];
      const expected = this.config[c].chainId;
      const actual = await port.chainId().catch((err: unknown) => {
        throw new RelayerStartupError(`${c} chain at ${this.config[c].rpcUrl} is unreachable: ${describeFailure(err)}`, { cause: err });
      });
      if (actual !== expected) {
        throw new RelayerStartupError(`${c} chain at ${this.config[c].rpcUrl} reports chain id ${actual}, expected ${expected}; refusing to run`);
      }
      cursors[c] = { chainId: actual, gateway: port.gateway, genesisHash: (await port.blockHash(0)) ?? "" };
    }
    const saved = this.deps.store.read();
    if (saved === undefined) {
      this.state = initialState(cursors, { main: this.config.main.startBlock, side: this.config.side.startBlock });
      this.deps.store.write(this.state);
    } else {
      for (const c of CHAINS) checkCursor(c, saved, cursors[c]);
      this.state = saved;
    }
    this.updateGauges();
    this.deps.logger.info(
      { main: this.state.chains.main.lastScanned, side: this.state.chains.side.lastScanned, pending: this.state.pending.length },
      "relayer ready",
    );
  }

  /** One pass: scan both chains for newly confirmed messages, then attempt every due delivery. */
  async tick(): Promise<void> {
    try {
      for (const c of CHAINS) await this.scan(c);
      for (const m of dueMessages(this.state, this.now())) {
        if (this.loop.stopping) break;
        await this.deliver(m);
      }
      for (const t of dueReturns(this.state, this.now())) {
        if (this.loop.stopping) break;
        await this.advanceReturn(t);
      }
      this.lastTickOk = this.now();
      this.lastError = undefined;
    } catch (err) {
      this.lastError = describeFailure(err);
      this.deps.logger.warn({ err: this.lastError }, "relayer pass failed; retrying next poll");
    }
  }

  /** Runs passes every `pollIntervalMs` until {stop}. */
  start(): void {
    this.loop.start();
  }

  /** Finishes the delivery in progress, persists, and stops. */
  async stop(): Promise<void> {
    await this.loop.stop();
    if (this.state !== undefined) this.deps.store.write(this.state);
  }

  /** A copy of the current state (for tests and reports). */
  snapshot(): RelayState {
    return structuredClone(this.state);
  }

  health() {
    const staleAfter = Math.max(30_000, 5 * this.config.pollIntervalMs);
    const ok = this.lastTickOk > 0 && this.now() - this.lastTickOk < staleAfter && this.quorumShort === undefined;
    const validators = this.deps.signatures.status();
    return {
      ok,
      quorum: this.quorumShort ?? "ok",
      validators,
      missingValidators: validators.filter((v) => v.ok === false).map((v) => ({ address: v.address, url: v.url, error: v.error })),
      lastPassAt: this.lastTickOk === 0 ? null : new Date(this.lastTickOk).toISOString(),
      lastError: this.lastError ?? null,
      lastScanned: { main: this.state?.chains.main.lastScanned, side: this.state?.chains.side.lastScanned },
      delivered: {
        main: this.state === undefined ? 0 : Number(nonceCount(this.state.delivered.main)),
        side: this.state === undefined ? 0 : Number(nonceCount(this.state.delivered.side)),
      },
      pending: this.state?.pending.length ?? 0,
      setAside: (this.state?.setAside ?? []).map((s) => ({ route: route(s.message), nonce: s.message.nonce.toString(), error: s.error })),
      returns: (this.state?.returns ?? []).map((t) => ({
        route: route(t.message),
        nonce: t.message.nonce.toString(),
        stage: t.stage,
        error: t.lastError ?? null,
      })),
    };
  }

  private async scan(c: ChainName): Promise<void> {
    const port = this.deps.ports[c];
    const head = await port.head();
    this.deps.metrics.head.set({ chain: c }, head);
    const dest = otherChain(c);
    for (;;) {
      const window = scanWindow(this.state.chains[c].lastScanned, head, this.config.confirmations, this.config.maxBlockRange);
      if (window === undefined) return;
      const found = await port.sentMessages(window.from, window.to, BigInt(this.config[dest].chainId), this.config[dest].gateway);
      const fresh = admitScan(this.state, c, window.to, found, this.now());
      this.deps.store.write(this.state);
      for (const m of fresh) {
        this.deps.metrics.seen.inc({ route: route(m) });
        this.deps.logger.info({ route: route(m), nonce: m.nonce.toString(), block: m.blockNumber }, "message confirmed");
      }
      this.updateGauges();
    }
  }

  private async deliver(m: BridgeMessage): Promise<void> {
    const r = route(m);
    const log = this.deps.logger.child({ route: r, nonce: m.nonce.toString() });
    const timer = this.deps.metrics.deliverySeconds.startTimer({ route: r });
    try {
      // A reorg deeper than the confirmation depth may have replaced the block: never deliver what is not there.
      if ((await this.deps.ports[m.source].blockHash(m.blockNumber)) !== m.blockHash) {
        markOrphaned(this.state, m);
        this.deps.metrics.orphaned.inc({ route: r });
        log.warn({ block: m.blockNumber }, "message's block left the source chain; rescanning");
      } else if (await this.deps.ports[otherChain(m.source)].isProcessed(m)) {
        markDelivered(this.state, m);
        this.deps.metrics.alreadyProcessed.inc({ route: r });
        log.info("already executed at the destination");
      } else {
        const signatures = await this.deps.signatures.collect(m);
        this.quorumShort = undefined;
        const tx = await this.deps.ports[otherChain(m.source)].execute(m, signatures);
        markDelivered(this.state, m);
        this.deps.metrics.delivered.inc({ route: r });
        timer();
        log.info({ tx }, "message delivered");
      }
    } catch (err) {
      this.failed(m, err, log);
    }
    this.deps.store.write(this.state);
    this.updateGauges();
  }

  /**
   * A missing quorum waits (no attempt used); a message another relayer executed first counts as delivered
   * (several relayers may run: the gateway keeps delivery exactly once); anything else is a failed attempt.
   */
  private failed(m: BridgeMessage, err: unknown, log: Logger): void {
    const r = route(m);
    if (err instanceof QuorumError) {
      this.quorumShort = err.message;
      this.deps.metrics.quorumWaits.inc({ route: r });
      markWaiting(this.state, m, err.message, this.now(), this.config.pollIntervalMs);
      log.warn({ err: err.message }, "waiting for a quorum of validator signatures");
      return;
    }
    const reason = describeFailure(err);
    if (reason.startsWith("BridgeGatewayAlreadyProcessed(")) {
      markDelivered(this.state, m);
      this.deps.metrics.alreadyProcessed.inc({ route: r });
      log.info("another relayer executed the message first");
      return;
    }
    this.deps.metrics.failures.inc({ route: r });
    const outcome = markFailed(this.state, m, reason, this.now(), this.config.retry);
    if (outcome === "retry") return log.warn({ err: reason }, "delivery failed; will retry");
    log.error({ err: reason }, "message set aside after repeated failures");
    if (this.config.returnUndeliverable === true) startReturn(this.state, m, this.now());
  }

  /**
   * One step of sending a set-aside message back: abandon it at the destination on a quorum of abandon attestations
   * (validators give them only while its delivery fails), then refund it at the source once they attest the abandon.
   * A step that cannot be taken yet (too few attestations, the abandon not confirmed) is tried again later.
   */
  private async advanceReturn(t: ReturnTask): Promise<void> {
    const m = t.message;
    const log = this.deps.logger.child({ route: route(m), nonce: m.nonce.toString(), stage: t.stage });
    try {
      if (t.stage === "abandon") {
        const tx = await this.deps.ports[otherChain(m.source)].abandon(m, await this.deps.signatures.collect(m, "abandon"));
        t.stage = "refund";
        delete t.lastError;
        log.warn({ tx }, "undeliverable message abandoned at the destination");
      } else {
        const tx = await this.deps.ports[m.source].refund(m, await this.deps.signatures.collect(m, "refund"));
        markRefunded(this.state, t);
        this.deps.metrics.refunded.inc({ route: route(m) });
        log.warn({ tx }, "undeliverable message refunded at the source");
      }
    } catch (err) {
      const reason = err instanceof QuorumError ? err.message : describeFailure(err);
      if (reason.startsWith("BridgeGatewayAlreadyRefunded(")) markRefunded(this.state, t);
      else {
        t.lastError = reason;
        t.nextAttemptAt = this.now() + this.config.retry.maxDelayMs;
        log.info({ err: reason }, "return step not possible yet");
      }
    }
    this.deps.store.write(this.state);
  }

  private updateGauges(): void {
    for (const c of CHAINS) this.deps.metrics.lastScanned.set({ chain: c }, this.state.chains[c].lastScanned);
    this.deps.metrics.pending.set(this.state.pending.length);
    this.deps.metrics.setAside.set(this.state.setAside.length);
  }
}

function route(m: BridgeMessage): string {
  return `${m.source}->${otherChain(m.source)}`;
}

function checkCursor(c: ChainName, saved: RelayState, now: { chainId: number; gateway: string; genesisHash: string }): void {
  const s = saved.chains[c];
  if (s.chainId !== now.chainId || s.gateway.toLowerCase() !== now.gateway.toLowerCase() || s.genesisHash !== now.genesisHash) {
    throw new CheckpointError(
      `checkpoint is for another ${c} chain or gateway (chain ${s.chainId}, gateway ${s.gateway}); move it away to start afresh`,
    );
  }
}
