// Compiles a small test-only contract with the pinned solc-js, so chain tests need no artifacts
// from contracts/ (which other work owns).
import type { JsonFragment } from "ethers";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const solc = require("solc") as { compile(input: string): string };

export interface Compiled {
  abi: JsonFragment[];
  bytecode: string;
}

export function compileSolidity(file: string, source: string, contract: string): Compiled {
  const input = {
    language: "Solidity",
    sources: { [file]: { content: source } },
    settings: { outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: JsonFragment[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const out = output.contracts[file]?.[contract];
  if (out === undefined) throw new Error(`contract ${contract} not found in ${file}`);
  return { abi: out.abi, bytecode: "0x" + out.evm.bytecode.object };
}

/** A stand-in for the market's registry: only the two functions admission relies on (plus `approve`). */
export function compileTestRegistry(): Compiled {
  return compileSolidity("TestRegistry.sol", TEST_REGISTRY, "TestRegistry");
}

const TEST_REGISTRY = `
// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
contract TestRegistry {
    mapping(address account => bool) private _approved;
    function approve(address account) external { _approved[account] = true; }
    function isApproved(address account) external view returns (bool) { return _approved[account]; }
    function Regis(uint8, bytes32, bytes32) external {}
}`;
