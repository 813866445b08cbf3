import type { Interface } from "ethers";
import { DplcError } from "../errors";

/** A transaction or call was refused by a contract; the message names the custom error and its arguments. */
export class ChainRevertError extends DplcError {
  readonly errorName: string | undefined;

  constructor(message: string, errorName: string | undefined, options: { cause?: unknown } = {}) {
    super("CHAIN_REVERT", message, options);
    this.errorName = errorName;
  }
}

function revertData(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== null && typeof e === "object"; depth++) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x")) return data;
    e = (e as { error?: unknown; cause?: unknown }).error ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns a contract revert into a one-line ChainRevertError (`MarketListingClosed(roundId=1, deadline=…)`). */
export function describeRevert(err: unknown, interfaces: readonly Interface[]): DplcError {
  if (err instanceof DplcError) return err;
  const data = revertData(err);
  if (data !== undefined) {
    for (const iface of interfaces) {
      const parsed = iface.parseError(data);
      if (parsed === null) continue;
      const args = parsed.fragment.inputs.map((input, k) => `${input.name}=${String(parsed.args[k])}`).join(", ");
      return new ChainRevertError(`${parsed.name}(${args})`, parsed.name, { cause: err });
    }
  }
  const text = err instanceof Error ? err.message.split("\n")[0]! : String(err);
  const custom = /reverted with custom error '([^']+)'/.exec(text);
  return new ChainRevertError(custom !== null ? custom[1]! : text, undefined, { cause: err });
}
