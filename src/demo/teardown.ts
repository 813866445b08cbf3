/**
 * What the demo started, in the order it started it, so that one call stops all of it in reverse: on Ctrl-C, on an
 * error half-way through starting, and at the end. Every step runs even if an earlier one fails.
 */
export class Teardown {
  private readonly steps: { name: string; run: () => Promise<void> | void }[] = [];
  private running: Promise<string[]> | null = null;

  /** Registers a step; it runs before every step registered earlier. */
  add(name: string, run: () => Promise<void> | void): void {
    if (this.running !== null) throw new Error(`cannot add "${name}": the demo is stopping`);
    this.steps.push({ name, run });
  }

  get stopping(): boolean {
    return this.running !== null;
  }

  /** Runs every step once, newest first; resolves with the steps that failed (name: message). Safe to call twice. */
  run(): Promise<string[]> {
    this.running ??= (async () => {
      const failed: string[] = [];
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (err) {
          failed.push(`${step.name}: ${(err as Error).message}`);
        }
      }
      return failed;
    })();
    return this.running;
  }
}
