/**
 * Typed errors of the orderer's client-facing side. Each carries the HTTP status the API answers with,
 * so the HTTP layer maps errors without knowing every kind.
 */
export class OrdererError extends Error {
  override readonly name: string = "OrdererError";
  /** HTTP status code the API answers with for this error. */
  readonly status: number;

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }

  /** The JSON body the API answers with: `{"error": message}`, plus fields a subclass adds. */
  body(): Record<string, unknown> {
    return { error: this.message };
  }
}

/** The raw transaction cannot be accepted as sent: malformed, unsigned or for another chain. */
export class InvalidTransactionError extends OrdererError {
  override readonly name = "InvalidTransactionError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 400, options);
  }
}

/** The sender is not a registered, approved participant (the paper's "only registered users"). */
export class NotAdmittedError extends OrdererError {
  override readonly name = "NotAdmittedError";
  readonly sender: string;
  constructor(sender: string, options?: { cause?: unknown }) {
    super(`sender ${sender} is not an approved participant; register first`, 403, options);
    this.sender = sender;
  }
}

/**
 * The transaction's nonce is not its sender's next one in this node's view (the chain plus what is
 * ordered and not yet applied): a repeat the chain would refuse, or a gap it would never run.
 */
export class NonceConflictError extends OrdererError {
  override readonly name = "NonceConflictError";
  constructor(
    readonly sender: string,
    readonly nonce: number,
    readonly expectedNonce: number,
  ) {
    super(
      nonce < expectedNonce
        ? `nonce ${nonce} of ${sender} is already used: its next nonce is ${expectedNonce}`
        : `nonce ${nonce} of ${sender} leaves a gap: its next nonce is ${expectedNonce}`,
      409,
    );
  }

  override body(): Record<string, unknown> {
    return { error: this.message, sender: this.sender, nonce: this.nonce, expectedNonce: this.expectedNonce };
  }
}

/** The chain's JSON-RPC endpoint failed or answered with an error. */
export class ChainRpcError extends OrdererError {
  override readonly name: string = "ChainRpcError";
  readonly method: string;
  readonly code: number | undefined;
  constructor(method: string, message: string, code?: number, options?: { cause?: unknown }) {
    super(`chain RPC ${method} failed: ${message}`, 502, options);
    this.method = method;
    this.code = code;
  }
}

/**
 * The replica host refused a `dplc_applyBlocks` call because its chain does not hold the call's parent (the chain
 * block the applier's checkpoint ends in, on the checkpoint's genesis): the chain node lost its data or is another
 * chain. Nothing of the call was applied.
 */
export class ChainNotAtParentError extends ChainRpcError {
  override readonly name = "ChainNotAtParentError";
}

/** Admission cannot be decided right now (the registry contract could not be read). */
export class AdmissionUnavailableError extends OrdererError {
  override readonly name = "AdmissionUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(`admission check unavailable: ${message}`, 503, options);
  }
}
