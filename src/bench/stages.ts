import type { ProgressEvent, ProgressSink } from "../replay/progress";

/** The stages of a replayed round, in the order they run. */
export const STAGES: readonly ProgressEvent["stage"][] = ["deploy", "register", "list", "reveal", "match", "approve", "settle"];

/**
 * Where a replay's time went, stage by stage: each stage's share runs from the previous stage's last progress report
 * (the run's start for the first) to its own last one, so the shares add up to the time up to the last report. Time
 * comes from `now` (milliseconds), so the clock itself does no I/O.
 */
export class StageClock {
  private readonly last = new Map<ProgressEvent["stage"], number>();

  constructor(
    private readonly started: number,
    private readonly now: () => number,
    private readonly next?: ProgressSink,
  ) {}

  readonly sink: ProgressSink = (event) => {
    this.last.set(event.stage, this.now());
    this.next?.(event);
  };

  /** Seconds per stage that reported, in stage order. */
  seconds(): Partial<Record<ProgressEvent["stage"], number>> {
    const out: Partial<Record<ProgressEvent["stage"], number>> = {};
    let previous = this.started;
    for (const stage of STAGES) {
      const at = this.last.get(stage);
      if (at === undefined) continue;
      out[stage] = (at - previous) / 1000;
      previous = at;
    }
    return out;
  }
}
