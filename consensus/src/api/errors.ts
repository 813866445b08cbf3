import { OrdererError } from "../chain/errors";

/** The request itself is unusable (bad JSON, missing field, bad path parameter). */
export class BadRequestError extends OrdererError {
  override readonly name = "BadRequestError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 400, options);
  }
}

export class NotFoundError extends OrdererError {
  override readonly name = "NotFoundError";
  constructor(message: string) {
    super(message, 404);
  }
}

export class MethodNotAllowedError extends OrdererError {
  override readonly name = "MethodNotAllowedError";
  readonly allow: string;
  constructor(method: string, allow: string) {
    super(`method ${method} not allowed; use ${allow}`, 405);
    this.allow = allow;
  }
}

export class PayloadTooLargeError extends OrdererError {
  override readonly name = "PayloadTooLargeError";
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`, 413);
  }
}

/** No leader can take the request right now (none elected, or forwarding to it failed). */
export class LeaderUnavailableError extends OrdererError {
  override readonly name = "LeaderUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 503, options);
  }
}

/** The client may not read this route (blocks: no certificate of the consortium on an HTTPS API). */
export class ForbiddenError extends OrdererError {
  override readonly name = "ForbiddenError";
  constructor(message: string) {
    super(message, 403);
  }
}

/** `POST /v1/clock` on a node whose config does not enable it (`devnet.clockAdvance`, off in production). */
export class ClockAdvanceDisabledError extends OrdererError {
  override readonly name = "ClockAdvanceDisabledError";
  constructor() {
    super("clock advances are disabled on this node (devnet.clockAdvance is off: a production consortium keeps it off)", 403);
  }
}

/** The request clashes with the current state (a member id or address already in use). */
export class ConflictError extends OrdererError {
  override readonly name = "ConflictError";
  constructor(message: string) {
    super(message, 409);
  }
}
