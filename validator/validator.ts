import type { HDNodeWallet, Wallet } from "ethers";
import type { Logger } from "pino";
import { scanWindow } from "../relayer/core";
import { describeFailure } from "../relayer/gateway";
import type { JsonReply } from "../relayer/http";
import { CHAINS, otherChain, toGatewayMessage, type BridgeMessage, type ChainName } from "../relayer/message";
import { ABANDON_TYPES, MESSAGE_TYPES, REFUND_TYPES, bridgeDomain, messageHash } from "../relayer/signing";
import { PollLoop } from "../relayer/poll-loop";
import { RelayerStartupError } from "../relayer/relayer";
import type { ValidatorConfig } from "./config";
import type { ValidatorPort } from "./chain";
import type { ValidatorMetrics } from "./metrics";

export type AttestationKind = "message" | "abandon" | "refund";

export interface ValidatorDeps {
  readonly ports: Record<ChainName, ValidatorPort>;
  readonly wallet: Wallet | HDNodeWallet;
  readonly logger: Logger;
  readonly metrics: ValidatorMetrics;
  readonly now?: () => number;
}

type Settings = Pick<ValidatorConfig, "main" | "side" | "confirmations" | "maxBlockRange" | "pollIntervalMs">;

const HASH = /^0x[0-9a-fA-F]{64}$/;

/**
 * One validator: watches both gateways through its own endpoints and signs only what it has seen itself.
 * - a message: a `BridgeMessageSent` with `confirmations` blocks on top, still on the canonical chain, whose struct
 *   hash is the one asked for (so a relayer cannot obtain a signature for anything the chain did not show);
 * - an abandon: such a message, not processed at its destination, whose delivery the destination would refuse now;
 * - a refund: such a message that its destination abandoned, the event confirmed.
 * The seen set is rebuilt from the chains at start-up (scanning from `startBlock`), so there is nothing to lose.
 */
export class Validator {
  private readonly lastScanned = { main: -1, side: -1 } as Record<ChainName, number>;
  private readonly seen = new Map<string, BridgeMessage>();
  /** Hashes of recently scanned window ends, oldest first, to notice a reorg below the cursor. */
  private readonly scannedEnds = { main: [], side: [] } as Record<ChainName, Array<{ block: number; hash: string }>>;
  private readonly loop: PollLoop;
  private lastTickOk = 0;
  private lastError: string | undefined;
  private readonly now: () => number;

  constructor(
    private readonly config: Settings,
    private readonly deps: ValidatorDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.loop = new PollLoop(config.pollIntervalMs, () => this.tick());
  }

  get address(): string {
    return this.deps.wallet.address;
  }

  /** Refuses to run against an endpoint that reports another chain id. */
  async init(): Promise<void> {
    for (const c of CHAINS) {
      const actual = await this.deps.ports[c].chainId().catch((err: unknown) => {
        throw new RelayerStartupError(`${c} chain at ${this.config[c].rpcUrl} is unreachable: ${describeFailure(err)}`, { cause: err });
      });
      if (actual !== this.config[c].chainId) {
        throw new RelayerStartupError(`${c} chain at ${this.config[c].rpcUrl} reports chain id ${actual}, expected ${this.config[c].chainId}; refusing to run`);
      }
      this.lastScanned[c] = this.config[c].startBlock - 1;
    }
  }

  /** One pass: take in the newly confirmed messages of both chains. */
  async tick(): Promise<void> {
    try {
      for (const c of CHAINS) await this.scan(c);
      this.lastTickOk = this.now();
      this.lastError = undefined;
    } catch (err) {
      this.lastError = describeFailure(err);
      this.deps.logger.warn({ err: this.lastError }, "validator pass failed; retrying next poll");
    }
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  health() {
    const staleAfter = Math.max(30_000, 5 * this.config.pollIntervalMs);
    return {
      ok: this.lastTickOk > 0 && this.now() - this.lastTickOk < staleAfter,
      validator: this.address,
      lastPassAt: this.lastTickOk === 0 ? null : new Date(this.lastTickOk).toISOString(),
      lastError: this.lastError ?? null,
      lastScanned: { ...this.lastScanned },
      seen: this.seen.size,
    };
  }

  /** The answer to `GET /v1/{signatures|abandon|refund}/{messageHash}`. */
  async attest(kind: AttestationKind, hash: string): Promise<JsonReply> {
    if (!HASH.test(hash)) return this.refuse(kind, "bad-request", 400, "the message id is a 0x-prefixed 32-byte message hash");
    const m = await this.canonical(hash.toLowerCase());
    if (m === undefined) return this.refuse(kind, "not-seen", 404, "this validator has not seen a confirmed message with this hash");
    const dest = this.deps.ports[otherChain(m.source)];
    if (kind === "abandon") {
      if (await dest.isProcessed(m)) return this.refuse(kind, "processed", 409, "the destination processed the message already");
      const failure = await dest.simulateDelivery(m);
      if (failure === undefined) return this.refuse(kind, "deliverable", 409, "the destination would deliver the message now");
      return this.sign(kind, m, hash, { failure });
    }
    if (kind === "refund") {
      const head = await dest.head();
      if (!(await dest.wasAbandoned(m, hash, head - this.config.confirmations))) {
        return this.refuse(kind, "not-abandoned", 409, "the destination has not abandoned the message (confirmed)");
      }
    }
    return this.sign(kind, m, hash);
  }

  private async sign(kind: AttestationKind, m: BridgeMessage, hash: string, extra: Record<string, string> = {}): Promise<JsonReply> {
    const w = this.deps.wallet;
    let signature: string;
    if (kind === "message") signature = await w.signTypedData(bridgeDomain(m.destChainId, m.destGateway), MESSAGE_TYPES, toGatewayMessage(m));
    else if (kind === "abandon") signature = await w.signTypedData(bridgeDomain(m.destChainId, m.destGateway), ABANDON_TYPES, { messageHash: hash });
    else signature = await w.signTypedData(bridgeDomain(m.srcChainId, m.srcGateway), REFUND_TYPES, { messageHash: hash });
    this.deps.metrics.signed.inc({ kind });
    this.deps.logger.info({ kind, messageHash: hash, source: m.source, nonce: m.nonce.toString(), ...extra }, "signed");
    return { status: 200, body: { kind, messageHash: hash, validator: w.address, signature, ...extra } };
  }

  private refuse(kind: AttestationKind, reason: string, status: number, error: string): JsonReply {
    this.deps.metrics.refused.inc({ kind, reason });
    this.deps.logger.info({ kind, reason }, "refused to sign");
    return { status, body: { error, reason, validator: this.address } };
  }

  /** The seen message with this hash if its block is still canonical; a reorged one is forgotten and rescanned. */
  private async canonical(hash: string): Promise<BridgeMessage | undefined> {
    const m = this.seen.get(hash);
    if (m === undefined) return undefined;
    if ((await this.deps.ports[m.source].blockHash(m.blockNumber)) === m.blockHash) return m;
    this.seen.delete(hash);
    this.lastScanned[m.source] = Math.min(this.lastScanned[m.source], m.blockNumber - 1);
    this.deps.logger.warn({ messageHash: hash, block: m.blockNumber }, "message's block left the source chain; rescanning");
    return undefined;
  }

  private async scan(c: ChainName): Promise<void> {
    const port = this.deps.ports[c];
    const head = await port.head();
    this.deps.metrics.head.set({ chain: c }, head);
    await this.rewindIfReorged(c);
    const dest = otherChain(c);
    for (;;) {
      const window = scanWindow(this.lastScanned[c], head, this.config.confirmations, this.config.maxBlockRange);
      if (window === undefined) return;
      const found = await port.sentMessages(window.from, window.to, BigInt(this.config[dest].chainId), this.config[dest].gateway);
      for (const m of found) {
        const hash = messageHash(m).toLowerCase();
        if (this.seen.has(hash)) continue;
        this.seen.set(hash, m);
        this.deps.metrics.seen.inc({ chain: c });
        this.deps.logger.debug({ source: c, nonce: m.nonce.toString(), messageHash: hash }, "message confirmed");
      }
      this.lastScanned[c] = window.to;
      const ends = this.scannedEnds[c];
      ends.push({ block: window.to, hash: (await port.blockHash(window.to)) ?? "" });
      if (ends.length > 64) ends.shift();
      this.deps.metrics.lastScanned.set({ chain: c }, window.to);
    }
  }

  /**
   * A reorg deeper than the confirmation depth replaced blocks this validator scanned: go back to the last scanned
   * window end still on the chain (or the start), forget what was seen above it and scan the new branch.
   */
  private async rewindIfReorged(c: ChainName): Promise<void> {
    const ends = this.scannedEnds[c];
    let rewound = false;
    while (ends.length > 0 && (await this.deps.ports[c].blockHash(ends[ends.length - 1]!.block)) !== ends[ends.length - 1]!.hash) {
      ends.pop();
      rewound = true;
    }
    if (!rewound) return;
    const to = ends.length > 0 ? ends[ends.length - 1]!.block : this.config[c].startBlock - 1;
    for (const [hash, m] of this.seen) if (m.source === c && m.blockNumber > to) this.seen.delete(hash);
    this.lastScanned[c] = to;
    this.deps.logger.warn({ chain: c, rescanFrom: to + 1 }, "scanned blocks left the chain; rescanning");
  }
}
