import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";
import { HardhatError } from "hardhat/internal/core/errors";
import { ERRORS } from "hardhat/internal/core/errors-list";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

/**
 * Runs a task body the way `hardhat run` and `hardhat test` do: contracts are compiled first (quietly, and only what
 * changed), so the generated bindings that src/ loads exist on a fresh clone. A failure a user can act on — a dplc
 * error or a contract's custom error — becomes one line on stderr and exit code 1; anything else is a bug and keeps
 * its stack trace.
 */
export async function runTask(hre: HardhatRuntimeEnvironment, body: () => Promise<void>): Promise<void> {
  const { describeFailure, loadErrorCatalog } = await import("../src/ops/chain-error");
  try {
    await hre.run(TASK_COMPILE, { quiet: true });
    await body();
  } catch (err) {
    const line = (await describeFailure(err, () => loadErrorCatalog(hre.artifacts))) ?? hardhatFailure(hre, err);
    if (line === undefined) throw err;
    console.error(`error: ${line}`);
    process.exitCode = 1;
  }
}

/** Hardhat's own errors are meant for users: their first line, and for an unreachable node where it was looked for. */
function hardhatFailure(hre: HardhatRuntimeEnvironment, err: unknown): string | undefined {
  if (!HardhatError.isHardhatError(err)) return undefined;
  if (err.number === ERRORS.NETWORK.NODE_IS_NOT_RUNNING.number) {
    const url = "url" in hre.network.config ? ` at ${hre.network.config.url}` : "";
    return `cannot connect to network ${hre.network.name}${url}: is the node running (npx hardhat node)?`;
  }
  return err.message.split("\n")[0];
}

/**
 * Market tasks act on a chain that must outlive the command. The in-process network starts empty in every command
 * and is gone when it exits, so a deployment made there could never be used again.
 */
export async function requireNode(hre: HardhatRuntimeEnvironment): Promise<void> {
  if (hre.network.name !== "hardhat") return;
  const { InvalidArgumentError } = await import("../src/errors");
  throw new InvalidArgumentError(
    "market tasks need a running chain: start one with `npx hardhat node` and add --network localhost",
  );
}
