import type { BaseContract, TransactionReceipt } from "ethers";
import { DplcError } from "../errors";

/** A receipt lacks the event its transaction always emits: the contract is not the one the deployment names. */
export class MissingEventError extends DplcError {
  constructor(event: string, txHash: string) {
    super("MISSING_EVENT", `transaction ${txHash} emitted no ${event}`);
  }
}

/** Argument `arg` of the first `event` that `contract` emitted in `receipt`. */
export function eventArg(contract: BaseContract, receipt: TransactionReceipt, event: string, arg: string): unknown {
  const address = receipt.to?.toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === event) return parsed.args.getValue(arg);
  }
  throw new MissingEventError(event, receipt.hash);
}
