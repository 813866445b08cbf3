/**
 * fast-check settings shared by model property tests: a fixed seed (override with FC_SEED=n) and run count
 * (FC_RUNS=n), printed on failure so a CI failure can be replayed locally.
 */
import fc from "fast-check";

const DEFAULT_SEED = 20_261_124;

export const FC_SEED = Number.parseInt(process.env.FC_SEED ?? String(DEFAULT_SEED), 10);
export const FC_RUNS = Number.parseInt(process.env.FC_RUNS ?? "200", 10);

export function assertProperty<Ts>(property: fc.IPropertyWithHooks<Ts>, numRuns = FC_RUNS): void {
  try {
    fc.assert(property, { seed: FC_SEED, numRuns });
  } catch (err) {
    if (err instanceof Error) err.message = `[replay with FC_SEED=${FC_SEED}] ${err.message}`;
    throw err;
  }
}
