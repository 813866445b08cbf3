import { countArg } from "../cli/args";
import { InvalidArgumentError } from "../errors";

/** The replay's flags that choose how transactions reach the chain (`--chain`: the EVM of the direct path, or of every replica of a local cluster). */
export interface OrderingFlags {
  readonly direct: boolean;
  readonly orderer?: string;
  readonly chainUrl?: string;
  readonly ordererNodes?: string;
  readonly pool?: string;
  readonly chain: string;
}

/** How the replay reaches the chain: directly, through a local ordering service it starts, or through a running one. */
export type OrderingArgs =
  | { readonly mode: "direct" }
  | { readonly mode: "local"; readonly nodes: number; readonly pool: number }
  | { readonly mode: "remote"; readonly urls: string[]; readonly chainUrl: string };

export function orderingArgs(args: OrderingFlags): OrderingArgs {
  const shape = args.ordererNodes !== undefined || args.pool !== undefined;
  if (args.direct && (args.orderer !== undefined || shape)) throw new InvalidArgumentError("--direct sends straight to the chain: drop --orderer, --orderer-nodes and --pool");
  if (args.chainUrl !== undefined && args.orderer === undefined) throw new InvalidArgumentError("--chain-url goes with --orderer (a running ordering service)");
  if (args.direct) return { mode: "direct" };
  if (args.orderer !== undefined) {
    if (args.chain !== "hardhat") {
      throw new InvalidArgumentError(`--chain ${args.chain} chooses the replicas of a cluster started for the replay; a running service's members chose theirs: drop it with --orderer`);
    }
    if (shape) throw new InvalidArgumentError("--orderer-nodes and --pool shape a cluster started for the replay: drop them with --orderer");
    if (args.chainUrl === undefined) throw new InvalidArgumentError("--orderer needs --chain-url: the JSON-RPC URL of the chain the ordering service delivers to");
    const urls = args.orderer.split(",").map((u) => u.trim());
    for (const u of [...urls, args.chainUrl]) if (!/^https?:\/\/[^\s/]+/.test(u)) throw new InvalidArgumentError(`not an http(s) URL: "${u}"`);
    return { mode: "remote", urls, chainUrl: args.chainUrl };
  }
  const nodes = countArg("--orderer-nodes", args.ordererNodes ?? "3", 1, 9);
  return { mode: "local", nodes, pool: countArg("--pool", args.pool ?? String(Math.min(2, nodes)), 1, nodes) };
}

