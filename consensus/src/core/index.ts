export * from "./types";
export * from "./errors";
export * from "./storage";
export * from "./config";
export * from "./membership";
// What a Storage implementation needs to serve entries the way MemoryStorage does.
export { windowEntries, windowFirstIndex, windowLastIndex, windowTerm } from "./entry-window";
export { RawNode, type ProposalRef, type Status, type ProgressStatus } from "./rawnode";
