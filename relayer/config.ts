import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DplcError, type DplcErrorOptions } from "../src/errors";
import { KeystoreRefSchema, resolveKeystoreRef } from "./keystore";

/** The relayer's configuration file is missing, unreadable or invalid. The message is one line. */
export class RelayerConfigError extends DplcError {
  constructor(message: string, options: DplcErrorOptions = {}) {
    super("RELAYER_CONFIG", message, options);
  }
}

export const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte private key");

export const ChainSchema = z
  .object({
    /** JSON-RPC endpoint. */
    rpcUrl: z.string().url(),
    /** The chain id the endpoint must report; the relayer refuses to start on a mismatch. */
    chainId: z.number().int().positive(),
    /** This chain's BridgeGateway. */
    gateway: address,
    /** First block to scan when there is no checkpoint (the gateway's deployment block). */
    startBlock: z.number().int().nonnegative().default(0),
  })
  .strict();

/** What the relayer and every validator watch: both gateways, each through the daemon's own endpoint. */
export const WATCH_FIELDS = {
  main: ChainSchema,
  side: ChainSchema,
  /** A log counts once this many blocks have been built on top of its block. */
  confirmations: z.number().int().nonnegative().default(2),
  pollIntervalMs: z.number().int().positive().default(1000),
  /** Blocks per eth_getLogs request. */
  maxBlockRange: z.number().int().positive().default(2000),
};

export const LOG_LEVEL = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");

export const RelayerConfigSchema = z
  .object({
    ...WATCH_FIELDS,
    /** The validators the relayer asks for signatures: each one's address and its own HTTP endpoint. */
    validators: z
      .array(z.object({ address, url: z.string().url() }).strict())
      .min(1),
    /** Signatures per message (m of n); must not exceed the validators listed. */
    threshold: z.number().int().positive(),
    /**
     * Send set-aside messages back: abandon at the destination, then refund at the source, each on a quorum of
     * validator attestations (off: set-aside messages wait for an operator).
     */
    returnUndeliverable: z.boolean().default(false),
    /** How long one validator may take to answer. */
    signatureTimeoutMs: z.number().int().positive().default(3000),
    /** Pays gas for deliveries on both chains: an encrypted keystore (preferred) or a plain key (devnets). */
    submitterKeystore: KeystoreRefSchema.optional(),
    submitterKey: privateKey.optional(),
    checkpointFile: z.string().min(1),
    /**
     * Per chain: the client API URLs of the ordering service the chain runs behind (the private main chain behind the
     * improved-Raft cluster). Deliveries on that chain are signed here and posted to the cluster, which orders them
     * for every member's replica; `rpcUrl` (one member's replica) is then only read. Without it, deliveries are sent
     * to `rpcUrl`, which on an ordered chain would put a transaction into one replica that no other replica has.
     */
    ordering: z
      .object({ main: z.array(z.string().url()).min(1).optional(), side: z.array(z.string().url()).min(1).optional() })
      .strict()
      .default({}),
    http: z
      .object({ host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65535).default(9464) })
      .strict()
      .default({}),
    retry: z
      .object({
        /** Delivery attempts before a message is set aside. */
        maxAttempts: z.number().int().positive().default(5),
        baseDelayMs: z.number().int().nonnegative().default(500),
        maxDelayMs: z.number().int().nonnegative().default(15_000),
      })
      .strict()
      .default({}),
    logLevel: LOG_LEVEL,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.threshold > c.validators.length) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["threshold"],
        message: `is ${c.threshold} but only ${c.validators.length} validators are listed`,
      });
    }
    const addresses = c.validators.map((v) => v.address.toLowerCase());
    if (new Set(addresses).size !== addresses.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["validators"], message: "lists a validator address twice" });
    }
    if ((c.submitterKey === undefined) === (c.submitterKeystore === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["submitterKeystore"], message: "needs exactly one of submitterKeystore and submitterKey" });
    }
    if (c.main.chainId === c.side.chainId) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["side", "chainId"], message: "must differ from main.chainId" });
    }
  });

export type RelayerConfig = z.infer<typeof RelayerConfigSchema>;
export type RelayerConfigInput = z.input<typeof RelayerConfigSchema>;

/** Validates `raw` against `schema`; the first problem becomes a one-line message naming the field. */
export function parseWith<S extends z.ZodTypeAny>(schema: S, raw: unknown, source: string, fail: (message: string) => Error): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data as z.infer<S>;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length === 0 ? "" : ` field ${issue.path.join(".")}:`;
  throw fail(`${source}:${field} ${issue.message}`);
}

/** Validates a parsed config object; the first problem becomes a one-line error naming the field. */
export function parseRelayerConfig(raw: unknown, source = "config"): RelayerConfig {
  return parseWith(RelayerConfigSchema, raw, source, (m) => new RelayerConfigError(m));
}

/** Reads and validates a JSON config file. A relative `checkpointFile` resolves against the file's directory. */
export function loadRelayerConfig(file: string): RelayerConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new RelayerConfigError(`cannot read config ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`, {
      cause: err,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RelayerConfigError(`${file}: not valid JSON (${(err as Error).message.split("\n")[0]})`, { cause: err });
  }
  const config = parseRelayerConfig(raw, file);
  const dir = path.dirname(file);
  return {
    ...config,
    checkpointFile: path.resolve(dir, config.checkpointFile),
    ...(config.submitterKeystore === undefined ? {} : { submitterKeystore: resolveKeystoreRef(config.submitterKeystore, dir) }),
  };
}
