import { LeaderUnavailableError } from "../api/errors";

/**
 * Clock advances this leader proposed, waiting for their entries to apply here: the answer to `POST /v1/clock` says
 * the offset is in force, so every transaction ordered after it gets a later timestamp. An entry that applies as
 * something else (a new leader overwrote it) or a lost leadership fails its waiter; the client retries.
 */
export class ClockWaiters {
  /** `what` names the entry in the errors: the clock advance, or a membership change (`member-admin.ts`). */
  constructor(private readonly what = "the clock advance") {}

  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();

  wait(index: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(index);
        reject(new LeaderUnavailableError(`${this.what} (entry ${index}) did not apply within ${timeoutMs} ms; retry`));
      }, timeoutMs);
      this.waiting.set(index, { resolve, reject, timer });
    });
  }

  /** Entry `index` applied; `clock` says whether it was the entry proposed there (a clock advance, a configuration change). */
  applied(index: number, clock: boolean): void {
    const w = this.waiting.get(index);
    if (w === undefined) return;
    this.waiting.delete(index);
    clearTimeout(w.timer);
    if (clock) w.resolve();
    else w.reject(new LeaderUnavailableError(`leadership changed: entry ${index} is not ${this.what}; retry`));
  }

  failAll(err: Error): void {
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiting.clear();
  }
}
