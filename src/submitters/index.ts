export type { Pending, SubmittableTx, Submitter, TxOptions } from "./submitter";
export { KEEPER_GAS_LIMIT } from "./submitter";
export { directSubmitter } from "./direct";
export { OrderedSubmitter, type OrderedSubmitterOptions, type OrderedRecord } from "./ordered";
export { OrdererApi, OrdererRefusedError, NonceConflictError, OrdererUnavailableError } from "./orderer-api";
export { ChainRefusedError, OrderedRevertError, AppliedTimeoutError } from "./applied-watcher";
