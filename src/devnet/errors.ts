import { DplcError, type DplcErrorOptions } from "../errors";

/** A devnet could not be started, did not answer, or answered with the wrong chain id. */
export class DevnetError extends DplcError {
  constructor(message: string, options: DplcErrorOptions = {}) {
    super("DEVNET", message, options);
  }
}
