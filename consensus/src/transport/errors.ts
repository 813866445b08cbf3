/** Base of the transport's typed errors. */
export class TransportError extends Error {
  override readonly name: string = "TransportError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A wire message that does not decode to a valid Raft message. */
export class MessageDecodeError extends TransportError {
  override readonly name = "MessageDecodeError";
  /** What is wrong, without the common prefix: `field: problem`. */
  readonly detail: string;
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`cannot decode message: ${detail}`, options);
    this.detail = detail;
  }
}

/** A frame that breaks the framing rules (e.g. longer than the limit); the connection is closed. */
export class FrameError extends TransportError {
  override readonly name = "FrameError";
}
