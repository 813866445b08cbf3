import { Command, InvalidArgumentError } from "commander";
import path from "node:path";
import { CA_CERT_FILE, certPaths, writeClusterCertificates } from "../consensus/src";

const program = new Command()
  .name("cluster:certs")
  .description(
    "Makes a local cluster's TLS identities: a consortium CA (tls/ca.crt.pem) and per node an ECDSA P-256 key " +
      "(tls/<id>.key.pem, mode 0600) and a certificate naming the node id (tls/<id>.crt.pem). Prints each " +
      "certificate's SHA-256 fingerprint for the peers' `fingerprint` pins.",
  )
  .requiredOption("--dir <dir>", "directory to write tls/ into")
  .option("--nodes <n>", "nodes n1..nN", (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError("--nodes must be an integer from 1 to 100");
    return n;
  })
  .option("--ids <a,b,c>", "node ids instead of n1..nN", (v) => v.split(",").filter((s) => s.length > 0))
  .addHelpText("after", "\nExample:\n  npm run cluster:certs -- --dir /tmp/dplc --nodes 3\n");

async function main(): Promise<void> {
  program.parse(process.argv);
  const o = program.opts<{ dir: string; nodes?: number; ids?: string[] }>();
  const ids = o.ids ?? Array.from({ length: o.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  const dir = path.resolve(o.dir);
  const fingerprints = await writeClusterCertificates(dir, ids);
  console.log(`CA certificate: ${path.join(dir, CA_CERT_FILE)}`);
  for (const id of ids) {
    const files = certPaths(id);
    console.log(`${id}  cert ${path.join(dir, files.certFile)}  key ${path.join(dir, files.keyFile)}  fingerprint ${fingerprints[id]}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster:certs: ${(err as Error).message}\n`);
  process.exit(1);
});
