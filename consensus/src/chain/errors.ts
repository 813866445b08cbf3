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

/** The chain's JSON-RPC endpoint failed or answered with an error. */
export class ChainRpcError extends OrdererError {
  override readonly name = "ChainRpcError";
  readonly method: string;
  readonly code: number | undefined;
  constructor(method: string, message: string, code?: number, options?: { cause?: unknown }) {
    super(`chain RPC ${method} failed: ${message}`, 502, options);
    this.method = method;
    this.code = code;
  }
}

/** Admission cannot be decided right now (the registry contract could not be read). */
export class AdmissionUnavailableError extends OrdererError {
  override readonly name = "AdmissionUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(`admission check unavailable: ${message}`, 503, options);
  }
}
