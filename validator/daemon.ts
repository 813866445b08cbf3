import pino, { type Logger } from "pino";
import { chainProvider } from "../relayer/daemon";
import { HealthServer, type JsonReply } from "../relayer/http";
import { loadKeystore } from "../relayer/keystore";
import { EthersValidatorPort } from "./chain";
import type { ValidatorConfig } from "./config";
import { ValidatorMetrics } from "./metrics";
import { Validator, type AttestationKind } from "./validator";

/** A running validator: its watcher, its HTTP endpoints and how to stop both. */
export interface ValidatorDaemon {
  readonly validator: Validator;
  readonly logger: Logger;
  readonly httpPort: number;
  stop(): Promise<void>;
}

export interface ValidatorDaemonOptions {
  readonly logger?: Logger;
  readonly defaultMetrics?: boolean;
  /** Where the keystore password variable is looked up (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

const ROUTES: Record<string, AttestationKind> = { signatures: "message", abandon: "abandon", refund: "refund" };

/** `GET /v1/signatures/{messageHash}`, `/v1/abandon/{messageHash}`, `/v1/refund/{messageHash}`. */
export function attestationRoutes(validator: Validator): (path: string) => Promise<JsonReply> | undefined {
  return (path) => {
    const match = /^\/v1\/(signatures|abandon|refund)\/([^/]+)$/.exec(path);
    return match === null ? undefined : validator.attest(ROUTES[match[1]!]!, decodeURIComponent(match[2]!));
  };
}

/** Decrypts the key, checks both chains, serves HTTP and starts watching. */
export async function startValidatorDaemon(config: ValidatorConfig, opts: ValidatorDaemonOptions = {}): Promise<ValidatorDaemon> {
  const wallet = await loadKeystore(config.keystore, opts.env);
  const logger = opts.logger ?? pino({ level: config.logLevel, base: { service: "validator", validator: wallet.address } });
  const metrics = new ValidatorMetrics(opts.defaultMetrics ?? false);
  const mainProvider = chainProvider(config.main.rpcUrl, config.main.chainId);
  const sideProvider = chainProvider(config.side.rpcUrl, config.side.chainId);
  const destroy = () => {
    mainProvider.destroy();
    sideProvider.destroy();
  };
  const validator = new Validator(config, {
    ports: {
      main: new EthersValidatorPort("main", config.main.gateway, mainProvider),
      side: new EthersValidatorPort("side", config.side.gateway, sideProvider),
    },
    wallet,
    logger,
    metrics,
  });
  let server: HealthServer | undefined;
  let httpPort: number;
  try {
    await validator.init();
    server = new HealthServer(metrics.registry, () => validator.health(), attestationRoutes(validator));
    httpPort = await server.listen(config.http.host, config.http.port);
  } catch (err) {
    destroy();
    throw err;
  }
  validator.start();
  logger.info({ httpPort, confirmations: config.confirmations }, "validator started");
  return {
    validator,
    logger,
    httpPort,
    stop: async () => {
      await validator.stop();
      await server!.close();
      destroy();
      logger.info("validator stopped");
    },
  };
}
