import fs from "node:fs";
import path from "node:path";
import { Contract, Interface, getAddress, type ContractRunner, type InterfaceAbi } from "ethers";
import type { DPLCRegistry } from "../../../typechain-types";

/** Where Hardhat writes the registry's compiled artifact, relative to the repository root. */
export const REGISTRY_ARTIFACT = path.join("artifacts", "contracts", "registry", "DPLCRegistry.sol", "DPLCRegistry.json");

let cached: Interface | null = null;

/**
 * The registry's ABI from its Hardhat artifact (`npx hardhat compile`), found by walking up from this
 * file: the daemon runs from `dist/orderer/…` and tests from the sources, both inside the repository.
 * Read at run time rather than imported from typechain-types: the daemon's bundle holds only code, not the
 * compiled contracts.
 */
export function registryInterface(startDir = __dirname): Interface {
  if (cached !== null && startDir === __dirname) return cached;
  for (let dir = startDir; ; dir = path.dirname(dir)) {
    const file = path.join(dir, REGISTRY_ARTIFACT);
    if (fs.existsSync(file)) {
      const artifact = JSON.parse(fs.readFileSync(file, "utf8")) as { abi: InterfaceAbi };
      const iface = new Interface(artifact.abi);
      if (startDir === __dirname) cached = iface;
      return iface;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`cannot find ${REGISTRY_ARTIFACT} above ${startDir}: run \`npx hardhat compile\` first`);
    }
  }
}

/** 4-byte selector of the registry's `Regis` (its enum argument is a uint8 in the ABI). */
export function regisSelector(): string {
  return registryInterface().getFunction("Regis")!.selector;
}

/** Answers whether an address is an approved participant. */
export type ApprovalReader = (address: string) => Promise<boolean>;

/** Reads `isApproved(address)` from the deployed DPLCRegistry through any ethers runner (provider). */
export function registryApprovalReader(registry: string, runner: ContractRunner): ApprovalReader {
  const contract = new Contract(getAddress(registry), registryInterface(), runner) as unknown as DPLCRegistry;
  return async (address) => contract.isApproved.staticCall(address);
}
