/** A step of long work, for progress bars and logs. No I/O here: callers decide how to show it. */
export interface ProgressEvent {
  readonly stage: "deploy" | "register" | "list" | "reveal" | "match" | "approve" | "settle";
  readonly done: number;
  readonly total?: number;
}

export type ProgressSink = (event: ProgressEvent) => void;

export const silentProgress: ProgressSink = () => undefined;
