/**
 * Typed errors for dplc. Every error carries a stable machine-readable `code` and, when it wraps another failure,
 * the original as `cause`, so a CLI can print a one-line message while logs keep the full chain.
 */

export interface DplcErrorOptions {
  readonly cause?: unknown;
}

/** Base class of every error dplc throws on purpose. */
export class DplcError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options: DplcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** A decimal string that is not a valid fixed-point value of the expected unit (see `src/units.ts`). */
export class UnitError extends DplcError {
  readonly input: string;

  constructor(input: string, reason: string, options: DplcErrorOptions = {}) {
    super("UNIT_FORMAT", `invalid value ${JSON.stringify(input)}: ${reason}`, options);
    this.input = input;
  }
}

/** Where in a market data directory a problem was found. `row` is the 1-based data row (the header is row 0). */
export interface DataLocation {
  readonly file: string;
  readonly row?: number;
  readonly field?: string;
}

/** A market data file (see `data/README.md`) is missing or malformed. The message names file, row and field. */
export class DataFormatError extends DplcError {
  readonly file: string;
  readonly row: number | undefined;
  readonly field: string | undefined;
  readonly reason: string;

  constructor(location: DataLocation, reason: string, options: DplcErrorOptions = {}) {
    super("DATA_FORMAT", `${describeLocation(location)}: ${reason}`, options);
    this.file = location.file;
    this.row = location.row;
    this.field = location.field;
    this.reason = reason;
  }
}

/** A function was called with arguments outside its documented domain. */
export class InvalidArgumentError extends DplcError {
  constructor(message: string, options: DplcErrorOptions = {}) {
    super("INVALID_ARGUMENT", message, options);
  }
}

/** A request that the market rules (`docs/market-rules.md`) forbid, e.g. curtailing more than a trade carries. */
export class MarketRuleError extends DplcError {
  constructor(message: string, options: DplcErrorOptions = {}) {
    super("MARKET_RULE", message, options);
  }
}

function describeLocation({ file, row, field }: DataLocation): string {
  const parts = [file];
  if (row !== undefined) parts.push(row === 0 ? "header" : `row ${row}`);
  if (field !== undefined) parts.push(`field ${field}`);
  return parts.join(", ");
}
