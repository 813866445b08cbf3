import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DplcError, type DplcErrorOptions } from "../src/errors";
import { LOG_LEVEL, WATCH_FIELDS, parseWith } from "../relayer/config";
import { KeystoreRefSchema, resolveKeystoreRef } from "../relayer/keystore";

/** The validator's configuration file is missing, unreadable or invalid. The message is one line. */
export class ValidatorConfigError extends DplcError {
  constructor(message: string, options: DplcErrorOptions = {}) {
    super("VALIDATOR_CONFIG", message, options);
  }
}

export const ValidatorConfigSchema = z
  .object({
    /** The two gateways through this validator's own RPC endpoints; its own confirmation depth before signing. */
    ...WATCH_FIELDS,
    /** The one validator key of this process: an encrypted JSON keystore and where its password comes from. */
    keystore: KeystoreRefSchema,
    http: z
      .object({ host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65535).default(9470) })
      .strict()
      .default({}),
    logLevel: LOG_LEVEL,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.main.chainId === c.side.chainId) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["side", "chainId"], message: "must differ from main.chainId" });
    }
  });

export type ValidatorConfig = z.infer<typeof ValidatorConfigSchema>;
export type ValidatorConfigInput = z.input<typeof ValidatorConfigSchema>;

/** Validates a parsed config object; the first problem becomes a one-line error naming the field. */
export function parseValidatorConfig(raw: unknown, source = "config"): ValidatorConfig {
  return parseWith(ValidatorConfigSchema, raw, source, (m) => new ValidatorConfigError(m));
}

/** Reads and validates a JSON config file; keystore and password files resolve against its directory. */
export function loadValidatorConfig(file: string): ValidatorConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === undefined ? `not valid JSON (${e.message.split("\n")[0]})` : `cannot read: ${e.code}`;
    throw new ValidatorConfigError(`${file}: ${why}`, { cause: err });
  }
  const config = parseValidatorConfig(raw, file);
  return { ...config, keystore: resolveKeystoreRef(config.keystore, path.dirname(file)) };
}
