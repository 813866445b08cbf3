import { verifyTypedData, type Wallet } from "ethers";
import { DplcError, type DplcErrorOptions } from "../src/errors";
import { toGatewayMessage, type BridgeMessage } from "./message";
import { ABANDON_TYPES, MESSAGE_TYPES, REFUND_TYPES, bridgeDomain, messageHash } from "./signing";

/** Fewer validators than the threshold signed: not a delivery failure, the message waits for the quorum. */
export class QuorumError extends DplcError {
  constructor(
    message: string,
    readonly missing: readonly string[],
    options: DplcErrorOptions = {},
  ) {
    super("RELAYER_QUORUM", message, options);
  }
}

/** What the relayer attests with: a message for delivery, or an abandon/refund of an undeliverable one. */
export type AttestationKind = "message" | "abandon" | "refund";

/** Where the relayer gets signatures; the daemon asks the validators over HTTP, tests may sign in memory. */
export interface SignatureSource {
  /** `threshold` signatures over `kind` of `m`, ordered by strictly ascending signer; else a {QuorumError}. */
  collect(m: BridgeMessage, kind?: AttestationKind): Promise<string[]>;
  /** How each validator answered last (for /healthz). */
  status(): ValidatorStatus[];
}

export interface ValidatorEndpoint {
  readonly address: string;
  readonly url: string;
}

export interface ValidatorStatus {
  readonly address: string;
  readonly url: string;
  readonly ok: boolean | null;
  readonly error: string | null;
  readonly at: string | null;
}

const PATH: Record<AttestationKind, string> = { message: "signatures", abandon: "abandon", refund: "refund" };

/** The typed data a validator signs for `kind` of `m` (see IBridgeGateway.sol and validator/validator.ts). */
export function attestationTypedData(m: BridgeMessage, kind: AttestationKind) {
  if (kind === "message") return { domain: bridgeDomain(m.destChainId, m.destGateway), types: MESSAGE_TYPES, value: toGatewayMessage(m) };
  const value = { messageHash: messageHash(m) };
  if (kind === "abandon") return { domain: bridgeDomain(m.destChainId, m.destGateway), types: ABANDON_TYPES, value };
  return { domain: bridgeDomain(m.srcChainId, m.srcGateway), types: REFUND_TYPES, value };
}

/**
 * Asks every validator's `GET /v1/{signatures|abandon|refund}/{messageHash}` in parallel and keeps only signatures
 * that recover to that validator's configured address over the relayer's own view of the message: a validator that
 * signed something else, answered garbage or is down simply does not count.
 */
export class HttpSignatureCollector implements SignatureSource {
  private readonly last = new Map<string, ValidatorStatus>();

  constructor(
    private readonly validators: readonly ValidatorEndpoint[],
    private readonly threshold: number,
    private readonly timeoutMs: number,
  ) {}

  async collect(m: BridgeMessage, kind: AttestationKind = "message"): Promise<string[]> {
    const typed = attestationTypedData(m, kind);
    const hash = messageHash(m);
    const answers = await Promise.all(
      this.validators.map(async (v) => {
        const result = await this.ask(v, `${v.url.replace(/\/$/, "")}/v1/${PATH[kind]}/${hash}`, typed);
        this.last.set(v.address, { address: v.address, url: v.url, ok: result.ok, error: result.ok ? null : result.error, at: new Date().toISOString() });
        return { v, ...result };
      }),
    );
    const good = answers.flatMap((a) => (a.ok ? [{ address: a.v.address, signature: a.signature }] : []));
    if (good.length < this.threshold) {
      const missing = answers.filter((a) => !a.ok).map((a) => `${a.v.address} (${a.v.url}): ${a.ok ? "" : a.error}`);
      throw new QuorumError(`${good.length} of ${this.threshold} ${kind} signatures; missing ${missing.join("; ")}`, missing);
    }
    return good
      .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1))
      .slice(0, this.threshold)
      .map((g) => g.signature);
  }

  status(): ValidatorStatus[] {
    return this.validators.map((v) => this.last.get(v.address) ?? { address: v.address, url: v.url, ok: null, error: null, at: null });
  }

  private async ask(
    v: ValidatorEndpoint,
    url: string,
    typed: ReturnType<typeof attestationTypedData>,
  ): Promise<{ ok: true; signature: string } | { ok: false; error: string }> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      const body = (await res.json().catch(() => ({}))) as { signature?: unknown; error?: unknown };
      if (!res.ok) return { ok: false, error: `HTTP ${res.status}${typeof body.error === "string" ? `: ${body.error}` : ""}` };
      if (typeof body.signature !== "string") return { ok: false, error: "no signature in the answer" };
      const signer = verifyTypedData(typed.domain, typed.types, typed.value, body.signature);
      if (signer.toLowerCase() !== v.address.toLowerCase()) return { ok: false, error: `signature recovers to ${signer}, not to this validator` };
      return { ok: true, signature: body.signature };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const code = e.cause?.code ?? (e.name === "TimeoutError" ? "timeout" : undefined);
      return { ok: false, error: code === undefined ? e.message.split("\n")[0]! : `unreachable (${code})` };
    }
  }
}

/** A {SignatureSource} over wallets in this process (in-memory relayer tests only). */
export class LocalSignatures implements SignatureSource {
  constructor(
    private readonly wallets: readonly Wallet[],
    private readonly threshold: number,
  ) {}

  async collect(m: BridgeMessage, kind: AttestationKind = "message"): Promise<string[]> {
    const chosen = [...this.wallets].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1)).slice(0, this.threshold);
    const t = attestationTypedData(m, kind);
    return Promise.all(chosen.map((w) => w.signTypedData(t.domain, t.types, t.value)));
  }

  status(): ValidatorStatus[] {
    return this.wallets.map((w) => ({ address: w.address, url: "local", ok: true, error: null, at: null }));
  }
}
