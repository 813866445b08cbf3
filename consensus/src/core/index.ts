export * from "./types";
export * from "./errors";
export * from "./storage";
export * from "./config";
export * from "./membership";
export { RawNode, type ProposalRef, type Status, type ProgressStatus } from "./rawnode";
