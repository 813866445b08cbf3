import { Command, InvalidArgumentError } from "commander";
import path from "node:path";
import { LocalCluster } from "../consensus/src";
import { REPLICA_EVMS, type ReplicaEvm } from "../consensus/src/config/schema";

/** `hardhat`, `anvil`, or one per node (`hardhat,hardhat,anvil`): the replicas' EVMs. */
function evmArg(v: string): ReplicaEvm[] {
  const list = v.split(",").map((e) => e.trim());
  for (const e of list) {
    if (!(REPLICA_EVMS as readonly string[]).includes(e)) throw new InvalidArgumentError(`--evm: "${e}" is not one of ${REPLICA_EVMS.join(", ")}`);
  }
  return list as ReplicaEvm[];
}

function intArg(name: string, allowed?: number[]) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0 || (allowed !== undefined && !allowed.includes(n))) {
      throw new InvalidArgumentError(`${name} must be ${allowed === undefined ? "a positive integer" : allowed.join(" or ")}`);
    }
    return n;
  };
}

const program = new Command()
  .name("cluster")
  .description(
    "Generates keys and configs for a local orderer cluster on 127.0.0.1, starts every node (and, with " +
      "--chain, a chain node per orderer node: its EVM replica, on Hardhat or Anvil per --evm), and stops all process groups on Ctrl-C.",
  )
  .option("--nodes <n>", "cluster size: 3 or 5", intArg("--nodes", [3, 5]), 3)
  .option("--dir <dir>", "directory for keys, configs, data and logs (replaced)", "cluster")
  .option("--base-port <port>", "raft ports P.., API ports P+100.., replica chains P+200..", intArg("--base-port"), 7100)
  .option("--pool <k>", "trading-centre nodes (candidate pool), default a majority", intArg("--pool"))
  .option("--chain", "start a chain node per orderer node, each applying every ordered block (its replica); enables POST /v1/clock", false)
  .option("--evm <evm>", "the replicas' EVM with --chain: hardhat, anvil, or one per node (hardhat,hardhat,anvil)", evmArg, ["hardhat"] as ReplicaEvm[])
  .option("--no-fsync", "turn fsync off (faster, not crash-safe)")
  .option("--trust <how>", "peers recognise certificates by: ca (the cluster's CA) or fingerprint (pins)", (v) => {
    if (v !== "ca" && v !== "fingerprint") throw new InvalidArgumentError("--trust must be ca or fingerprint");
    return v;
  }, "ca")
  .option("--generate-only", "write keys, certificates and configs, start nothing", false)
  .addHelpText("after", "\nExample:\n  npm run cluster -- --nodes 3 --dir /tmp/dplc --base-port 7100 --chain\n");

async function main(): Promise<void> {
  program.parse(process.argv);
  const o = program.opts<{ nodes: number; dir: string; basePort: number; pool?: number; chain: boolean; evm: ReplicaEvm[]; fsync: boolean; trust: "ca" | "fingerprint"; generateOnly: boolean }>();
  if (o.evm.length !== 1 && o.evm.length !== o.nodes) {
    process.stderr.write(`cluster: --evm names ${o.evm.length} EVMs for ${o.nodes} nodes (give one, or one per node)\n`);
    process.exit(2);
  }
  if (o.basePort + 200 > 65_535) {
    process.stderr.write("cluster: --base-port leaves no room for API and chain ports (needs P+200 <= 65535)\n");
    process.exit(2);
  }
  const cluster = new LocalCluster({
    nodes: o.nodes,
    dir: path.resolve(o.dir),
    basePort: o.basePort,
    pool: o.pool,
    chain: o.chain,
    evm: o.evm.length === 1 ? o.evm[0]! : o.evm,
    fsync: o.fsync,
    trust: o.trust,
  });
  await cluster.generate();
  console.log(`configs, keys and certificates (trust: ${o.trust}) in ${path.resolve(o.dir)}`);
  if (o.generateOnly) return;
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log("stopping the cluster…");
    await cluster.stopAll();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  try {
    await cluster.startAll();
  } catch (err) {
    process.stderr.write(`cluster: ${(err as Error).message}\n`);
    await cluster.stopAll();
    process.exit(1);
  }
  for (const id of cluster.ids) {
    const replica = o.chain ? `  replica ${cluster.replicaUrl(id)} (${cluster.replicaEvm(id)})` : "";
    console.log(`${id}  api ${cluster.apiUrl(id)}${replica}  log ${cluster.logFile(id)}`);
  }
  // No leader is a state to report, not a reason to leave the nodes running unattended.
  const leader = await cluster.leader().catch(() => null);
  console.log(`${leader === null ? "no leader elected yet (see the logs)" : `leader: ${leader}`}  — Ctrl-C stops every node`);
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster: ${(err as Error).message}\n`);
  process.exit(1);
});
