/** Runs `pass` every `intervalMs` (after the previous pass ends) until {stop}; a stop interrupts the pause. */
export class PollLoop {
  private stopped = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly pass: () => Promise<void>,
  ) {}

  /** True once {stop} was called: long passes check it to end early. */
  get stopping(): boolean {
    return this.stopped;
  }

  start(): void {
    if (this.running !== undefined) return;
    this.running = (async () => {
      while (!this.stopped) {
        await this.pass();
        if (this.stopped) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.intervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  /** Waits for the pass in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }
}
