import net from "node:net";
import path from "node:path";
import { loadMarket, PRICING_RULES, type MarketData, type PricingRule } from "../data";
import { InvalidArgumentError } from "../errors";
import { DEFAULT_CERT_PRICES } from "../caseb/command";
import { parseCertPrices } from "../caseb/sweep";
import { choiceArg, countArg, outputFileArg } from "../cli/args";

/** `npm run demo`'s settings as given on the command line: text, parsed and checked here (one line per mistake). */
export interface DemoInput {
  /** Repository root: `data/case-a` is the default market. */
  readonly root: string;
  readonly data?: string;
  readonly pricing?: string;
  /** The dashboard's port (0: any free port; default 8080). */
  readonly port?: string;
  readonly caseB: boolean;
  readonly certPrice?: string;
  readonly nodes?: string;
  readonly pool?: string;
  /** How long the printed sign-in link stays valid, minutes (default 10). */
  readonly linkMinutes?: string;
  /** Write the case study's results here as JSON. */
  readonly out?: string;
}

/** Everything checked before anything starts, so a run that takes minutes never fails at its end on a bad flag. */
export interface DemoOptions {
  readonly data: MarketData;
  readonly dataDir: string;
  readonly pricing: PricingRule;
  readonly port: number;
  /** Case B's certificate prices; empty with `--no-case-b`. */
  readonly certPrices: readonly string[];
  readonly nodes: number;
  readonly pool: number;
  readonly linkTtlMs: number;
  readonly out?: string;
}

/** The dashboard listens here only: the demo's sign-in link must never be reachable from another machine. */
export const DEMO_HOST = "127.0.0.1";

export async function checkDemoOptions(i: DemoInput): Promise<DemoOptions> {
  const port = countArg("--port", i.port ?? "8080", 0, 65_535);
  const nodes = countArg("--orderer-nodes", i.nodes ?? "3", 1, 9);
  const pool = countArg("--pool", i.pool ?? String(Math.min(2, nodes)), 1, nodes);
  const linkMinutes = countArg("--link-minutes", i.linkMinutes ?? "10", 1, 60);
  if (!i.caseB && i.certPrice !== undefined) throw new InvalidArgumentError("--cert-price is Case B's: drop it with --no-case-b");
  const certPrices = i.caseB ? parseCertPrices(i.certPrice ?? DEFAULT_CERT_PRICES) : [];
  const out = i.out === undefined ? undefined : outputFileArg("--out", i.out);
  const dataDir = path.resolve(i.data ?? path.join(i.root, "data", "case-a"));
  const data = loadMarket(dataDir);
  const pricing = choiceArg("--pricing", i.pricing ?? data.round.pricing, PRICING_RULES);
  await checkPortFree(port);
  return { data, dataDir, pricing, port, certPrices, nodes, pool, linkTtlMs: linkMinutes * 60_000, out };
}

/** Refuses a port that is taken now, before the minutes of start-up that would end in the dashboard failing to bind. */
export function checkPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(new InvalidArgumentError(err.code === "EADDRINUSE" ? `port ${port} on ${DEMO_HOST} is in use; pick another with --port` : `cannot listen on ${DEMO_HOST}:${port}: ${err.message}`));
    });
    server.listen(port, DEMO_HOST, () => server.close(() => resolve()));
  });
}
