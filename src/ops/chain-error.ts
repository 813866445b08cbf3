/**
 * Contract reverts in words: `MarketListingClosed(roundId=1, deadline=1764000000)`, with bytes32 text decoded
 * (`MarketUnknownRegion(region="Z")`) and enums by name (`RegistryNotPending(account=0x…, status=Approved)`), the
 * same on the in-process network and against a node.
 *
 * ethers' ABI fragments drop `internalType`, which is what says a uint8 is an enum, so the catalog keeps the ABI
 * entries as compiled; enum member names come from the compiler's AST (see loadErrorCatalog).
 */
import { AbiCoder, ErrorFragment, dataSlice, getAddress, toUtf8String } from "ethers";
import type { Artifacts } from "hardhat/types";
import fs from "node:fs";
import { DplcError } from "../errors";

/** An ABI parameter as the compiler writes it. */
export interface AbiParam {
  readonly name: string;
  readonly type: string;
  readonly internalType?: string;
  readonly components?: readonly AbiParam[];
}

interface CatalogEntry {
  readonly fragment: ErrorFragment;
  readonly inputs: readonly AbiParam[];
}

/** A decoded custom error: its name and its arguments, each formatted. */
export interface DecodedRevert {
  readonly name: string;
  readonly args: readonly { readonly name: string; readonly value: string }[];
}

/** What `revert("…")`/`require` and a failed assert or overflow revert with, in any contract. */
const SOLIDITY_BUILTIN_ERRORS = [
  { type: "error", name: "Error", inputs: [{ name: "message", type: "string" }] },
  { type: "error", name: "Panic", inputs: [{ name: "code", type: "uint256" }] },
];

/** Every custom error of a set of ABIs, by selector, and the member names of every enum (`IDPLCRegistry.Status`). */
export class ErrorCatalog {
  private readonly bySelector = new Map<string, CatalogEntry>();

  constructor(
    abis: readonly (readonly unknown[])[],
    private readonly enums: ReadonlyMap<string, readonly string[]>,
  ) {
    for (const abi of [SOLIDITY_BUILTIN_ERRORS, ...abis]) {
      for (const item of abi as readonly { type?: string; inputs?: AbiParam[] }[]) {
        if (item.type !== "error") continue;
        const fragment = ErrorFragment.from(item);
        this.bySelector.set(fragment.selector, { fragment, inputs: item.inputs ?? [] });
      }
    }
  }

  /** Decodes revert data, or undefined when it is no custom error of the catalog. */
  decode(data: string): DecodedRevert | undefined {
    const entry = this.bySelector.get(data.slice(0, 10).toLowerCase());
    if (entry === undefined) return undefined;
    let values: readonly unknown[];
    try {
      values = AbiCoder.defaultAbiCoder().decode(entry.fragment.inputs, dataSlice(data, 4));
    } catch {
      return undefined;
    }
    const args = entry.inputs.map((input, k) => ({ name: input.name, value: this.format(input, values[k]) }));
    return { name: entry.fragment.name, args };
  }

  private format(param: AbiParam, value: unknown): string {
    const enumName = /^enum (.+)$/.exec(param.internalType ?? "")?.[1];
    if (enumName !== undefined) return this.enums.get(enumName)?.[Number(value)] ?? String(value);
    if (param.type === "bytes32") return bytes32Text(value as string);
    if (param.type === "address") return getAddress(value as string);
    if (param.type === "string") return JSON.stringify(value);
    if (param.type.endsWith("]")) {
      const element = { ...param, type: param.type.replace(/\[\d*\]$/, ""), internalType: undefined };
      return `[${(value as readonly unknown[]).map((v) => this.format(element, v)).join(", ")}]`;
    }
    if (param.type === "tuple") {
      const parts = (param.components ?? []).map((c, k) => `${c.name}=${this.format(c, (value as readonly unknown[])[k])}`);
      return `(${parts.join(", ")})`;
    }
    return String(value);
  }
}

/** `Name(arg=value, …)`. */
export function formatRevert(decoded: DecodedRevert): string {
  return `${decoded.name}(${decoded.args.map((a) => (a.name === "" ? a.value : `${a.name}=${a.value}`)).join(", ")})`;
}

/** bytes32 that hold printable text followed by zero bytes print as that text in quotes; anything else as hex. */
function bytes32Text(hex: string): string {
  const bytes = Buffer.from(hex.slice(2), "hex");
  const end = bytes.indexOf(0);
  const used = end === -1 ? bytes : bytes.subarray(0, end);
  const printable = used.length > 0 && used.every((b) => b >= 0x20 && b < 0x7f);
  const zeroTail = end === -1 || bytes.subarray(end).every((b) => b === 0);
  return printable && zeroTail ? JSON.stringify(toUtf8String(used)) : hex;
}

/**
 * The revert data inside an error from ethers, Hardhat's in-process network or a node's JSON-RPC answer. Each wraps it
 * differently (`data` as a string, `data.data`, `error.data`, `info.error.data`, `cause`), so look through them all.
 */
export function revertData(err: unknown): string | undefined {
  const queue: unknown[] = [err];
  const seen = new Set<unknown>();
  while (queue.length > 0) {
    const e = queue.shift();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]{8}/.test(o.data)) return o.data;
    queue.push(o.data, o.error, o.info, o.cause, o.revert);
  }
  return undefined;
}

/** One line for a failure a user can act on (a dplc error, a contract revert); undefined for anything else (a bug). */
export async function describeFailure(err: unknown, catalog: () => Promise<ErrorCatalog>): Promise<string | undefined> {
  if (err instanceof DplcError) return err.message;
  const data = revertData(err);
  if (data === undefined) return undefined;
  const decoded = (await catalog()).decode(data);
  return decoded === undefined ? undefined : formatRevert(decoded);
}

/** Builds the catalog from every compiled artifact and the enums of every build's AST. */
export async function loadErrorCatalog(artifacts: Artifacts): Promise<ErrorCatalog> {
  const names = await artifacts.getAllFullyQualifiedNames();
  const abis = await Promise.all(names.map(async (n) => (await artifacts.readArtifact(n)).abi as unknown[]));
  const enums = new Map<string, string[]>();
  for (const file of await artifacts.getBuildInfoPaths()) {
    const info = JSON.parse(fs.readFileSync(file, "utf8")) as { output: { sources: Record<string, { ast: unknown }> } };
    for (const source of Object.values(info.output.sources)) collectEnums(source.ast, enums);
  }
  return new ErrorCatalog(abis, enums);
}

function collectEnums(node: unknown, into: Map<string, string[]>): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const child of node) collectEnums(child, into);
    return;
  }
  const n = node as { nodeType?: string; canonicalName?: string; members?: { name: string }[]; nodes?: unknown[] };
  if (n.nodeType === "EnumDefinition" && n.canonicalName !== undefined) {
    into.set(n.canonicalName, (n.members ?? []).map((m) => m.name));
  }
  collectEnums(n.nodes, into);
}
