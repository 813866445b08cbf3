/** A bad orderer configuration. `field` is the dotted path of the offending setting (e.g. `peers.1.port`). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly field: string | undefined;
  constructor(message: string, field?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.field = field;
  }
}

/** A node key file that cannot be read, parsed or written. */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`key file ${path}: ${message}`, options);
    this.path = path;
  }
}
