export interface BuildOptions {
  /** The repository root (default: the one holding this file). */
  root?: string;
  /** Where the compiled daemon goes (default: `<root>/dist/orderer`). */
  outDir?: string;
  /** Told when a build actually happens. */
  log?: (message: string) => void;
}

/** Builds the orderer to JavaScript if its sources changed since the last build; returns the compiled CLI. */
export function ensureBuilt(options?: BuildOptions): string;

export const REPO_ROOT: string;

/** V8 flags the daemon is started with (see build.js). */
export const DAEMON_NODE_FLAGS: readonly string[];
