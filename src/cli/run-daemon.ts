/** What the daemons' command lines share (relayer, validator, dashboard): one-line failures and a clean stop on a signal. */

export interface StoppableDaemon {
  readonly logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  stop(): Promise<void>;
}

/** One line for the operator (the message, no stack trace), then exit with `code`. */
export function fail(name: string, err: unknown, code: number): never {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${name}: ${msg.split("\n")[0]}\n`);
  process.exit(code);
}

/** SIGINT/SIGTERM: stop the daemon and exit 0 (1 if stopping fails); a second signal exits at once. */
export function stopOnSignals(daemon: StoppableDaemon): void {
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      daemon.logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    daemon.logger.info({ signal }, "shutting down");
    daemon.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        daemon.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}
