import { z } from "zod";
import { FINGERPRINT_PATTERN, normalizeFingerprint } from "./tls-files";

/** SHA-256 certificate fingerprint, `AA:BB:…` (as openssl and node:crypto print it) or 64 hex digits. */
export const fingerprintSchema = z
  .string()
  .regex(FINGERPRINT_PATTERN, "must be a SHA-256 certificate fingerprint: 32 hex bytes, e.g. AB:CD:… or 64 hex digits")
  .transform(normalizeFingerprint);

const pemFile = z.string().min(1, "must not be empty");

/** A node's TLS identity: PEM certificate and private key, and optionally the consortium CA it trusts. */
export const tlsFilesSchema = z
  .object({
    certFile: pemFile,
    keyFile: pemFile,
    /** Peers without a pinned fingerprint must present a certificate issued by this CA naming their id. */
    caFile: pemFile.optional(),
  })
  .strict();

/** HTTPS on the client API; with `requestClientCert`, clients must present a certificate issued by `caFile`. */
const apiTlsSchema = tlsFilesSchema.extend({ requestClientCert: z.boolean().default(false) }).strict();

export const nodeIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9._-]+$/, "may contain only letters, digits, '.', '_' and '-'");

const port = z.number().int().min(0).max(65_535);
const host = z.string().min(1, "must not be empty");

export const nodeRoleSchema = z.enum(["trading-centre", "participant", "learner"]);
export const electionModeSchema = z.enum(["improved", "standard"]);

export const peerSchema = z
  .object({
    id: nodeIdSchema,
    role: nodeRoleSchema,
    host: host.default("127.0.0.1"),
    port: port.refine((p) => p > 0, "must be a fixed port (1-65535) for a peer"),
    /** The peer's client API port on `host`: where a follower forwards transactions while it leads. */
    httpPort: port.refine((p) => p > 0, "must be a fixed port (1-65535) for a peer").optional(),
    /** Pins the peer's TLS certificate; without it the peer's certificate must come from `tls.caFile`. */
    fingerprint: fingerprintSchema.optional(),
  })
  .strict();

const timeoutsSchema = z
  .object({
    tickMs: z.number().int().min(1).max(60_000).default(100),
    electionTicks: z.number().int().min(2).max(10_000).default(10),
    heartbeatTicks: z.number().int().min(1).max(10_000).default(1),
    /**
     * How long a leader lets a new commit index wait for the next append to carry it to a follower
     * before sending it alone (0: at once, etcd's behaviour). Followers apply that much later at worst.
     */
    commitLingerMs: z.number().int().min(0).max(1_000).default(5),
  })
  .strict()
  .default({})
  .refine((t) => t.electionTicks > t.heartbeatTicks, {
    message: "electionTicks must be greater than heartbeatTicks",
    path: ["electionTicks"],
  });

const batchingSchema = z
  .object({
    maxMessageCount: z.number().int().min(1).max(100_000).default(500),
    preferredMaxBytes: z
      .number()
      .int()
      .min(1)
      .max(64 * 1024 * 1024)
      .default(2 * 1024 * 1024),
    batchTimeoutMs: z.number().int().min(0).max(60_000).default(50),
  })
  .strict()
  .default({});

const storageSchema = z
  .object({
    fsync: z.boolean().default(true),
    segmentBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(64 * 1024 * 1024),
    snapshotEntries: z.number().int().min(1).default(10_000),
    /** Entries kept behind a snapshot, so a briefly lagging follower catches up without one (its compaction window). */
    catchUpEntries: z.number().int().min(0).default(5_000),
  })
  .strict()
  .default({});

export const transportSchema = z
  .object({
    queueLimit: z.number().int().min(1).default(4096),
    queueBytesLimit: z
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024),
    maxFrameBytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * 1024 * 1024),
    reconnectMinMs: z.number().int().min(1).default(50),
    reconnectMaxMs: z.number().int().min(1).default(2_000),
    /** A connection that has not finished its TLS handshake by then is closed, inbound or outbound. */
    handshakeTimeoutMs: z.number().int().min(100).max(60_000).default(2_000),
    /** Unfinished inbound handshakes from any one source address. */
    maxPendingPerSource: z.number().int().min(1).max(1_024).default(4),
    /** Unfinished inbound handshakes from all addresses that are not a configured peer's, together. */
    maxPendingHandshakes: z.number().int().min(1).max(65_536).default(64),
  })
  .strict()
  .default({});

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");

/**
 * The paper's "only registered users": transactions are admitted when their sender is approved in the
 * registry contract (`DPLCRegistry.isApproved`), when they are a `Regis` application to it, or when
 * the sender is one of the operator accounts that deploy and run the market (deployer, trading centre,
 * grid company), which never register as participants.
 */
export const admissionSchema = z
  .object({
    registry: address,
    operators: z.array(address).default([]),
    /** How long an approval is trusted before the registry is asked again. */
    approvedTtlMs: z.number().int().min(0).max(600_000).default(2_000),
    /** How long a refusal is remembered: short, so a freshly approved participant gets in soon. */
    refusedTtlMs: z.number().int().min(0).max(600_000).default(250),
  })
  .strict();

/** The EVMs a replica may run on: Hardhat's node (EDR) or Foundry's Anvil (revm). */
export const REPLICA_EVMS = ["hardhat", "anvil"] as const;
export type ReplicaEvm = (typeof REPLICA_EVMS)[number];

/** This node's own EVM replica: every node applies every ordered block to the chain node at `rpcUrl`. */
const chainSchema = z
  .object({
    rpcUrl: z.string().url("must be a URL such as http://127.0.0.1:8545"),
    chainId: z.number().int().positive().optional(),
    /** The EVM the chain node runs (both start from consensus/chain/replica-genesis.js); peers on another compare roots. */
    evm: z.enum(REPLICA_EVMS).default("hardhat"),
    /** How often the replica is compared with each peer's (0: never). */
    divergenceCheckMs: z.number().int().min(0).max(3_600_000).default(5_000),
  })
  .strict();

/**
 * Development-network switches. `clockAdvance` enables `POST /v1/clock`, which moves every replica's clock forward
 * by an ordered entry (market deadlines on a devnet); a production consortium keeps it off, and then the request is
 * refused (403).
 */
const devnetSchema = z
  .object({ clockAdvance: z.boolean().default(false) })
  .strict()
  .default({});

export const ordererConfigSchema = z
  .object({
    id: nodeIdSchema,
    role: nodeRoleSchema,
    mode: electionModeSchema.default("improved"),
    peers: z.array(peerSchema).default([]),
    listen: z
      .object({
        host: host.default("127.0.0.1"),
        raftPort: port,
        httpPort: port,
      })
      .strict(),
    dataDir: z.string().min(1, "must not be empty"),
    /** Mutual TLS 1.3 on peer links. */
    tls: tlsFilesSchema,
    /** The client HTTP API; `tls` makes it HTTPS (off by default). */
    api: z.object({ tls: apiTlsSchema.optional() }).strict().default({}),
    timeouts: timeoutsSchema,
    batching: batchingSchema,
    storage: storageSchema,
    transport: transportSchema,
    chain: chainSchema.optional(),
    devnet: devnetSchema,
    /**
     * The client API URL of a running member: a node with an empty data directory joins that cluster (after an
     * operator added it with `POST /v1/members`) instead of bootstrapping one from `peers`; it learns the members and
     * their addresses from that node and its state from the leader. Ignored once the data directory holds Raft state.
     */
    join: z.string().url("must be the client API URL of a running member, such as http://10.0.0.1:7100").optional(),
    admission: admissionSchema.optional(),
    /** The older name of `admission.registry` (no operators); kept so existing configs still load. */
    marketAddress: address.optional(),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .strict();

/** The config file as written (defaults may be left out). */
export type OrdererConfigInput = z.input<typeof ordererConfigSchema>;
/** The validated config with every default filled in. */
export type OrdererConfig = z.output<typeof ordererConfigSchema>;
export type PeerConfig = z.output<typeof peerSchema>;
export type AdmissionConfig = z.output<typeof admissionSchema>;
