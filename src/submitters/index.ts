export type { Pending, Submitter, TxOptions } from "./submitter";
export { directSubmitter } from "./direct";
