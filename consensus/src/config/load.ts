import fs from "node:fs";
import path from "node:path";
import type { ZodIssue } from "zod";
import { ConfigError } from "./errors";
import { ordererConfigSchema, type OrdererConfig } from "./schema";
import type { TlsFiles } from "./tls-files";
import { checkCrossFields } from "./validate";

const fullSchema = ordererConfigSchema.superRefine(checkCrossFields);

function fieldOf(issue: ZodIssue): string {
  return issue.path.length === 0 ? "(root)" : issue.path.join(".");
}

function describe(issue: ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_type" && issue.received === "undefined") return "is required";
  return issue.message;
}

/**
 * Validates an already-parsed config object. `baseDir` resolves relative `dataDir` and TLS file paths.
 * Throws ConfigError naming the first bad field; the message lists every problem found.
 */
export function parseConfig(raw: unknown, baseDir = process.cwd(), source = "config"): OrdererConfig {
  const result = fullSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues;
    const lines = issues.map((i) => `${fieldOf(i)}: ${describe(i)}`);
    throw new ConfigError(`${source}: ${lines.join("; ")}`, fieldOf(issues[0]), { cause: result.error });
  }
  const cfg = result.data;
  const apiTls = cfg.api.tls;
  return {
    ...cfg,
    dataDir: path.resolve(baseDir, cfg.dataDir),
    tls: resolveFiles(cfg.tls, baseDir),
    api: { ...cfg.api, tls: apiTls === undefined ? undefined : resolveFiles(apiTls, baseDir) },
  };
}

function resolveFiles<T extends TlsFiles>(files: T, baseDir: string): T {
  const caFile = files.caFile === undefined ? {} : { caFile: path.resolve(baseDir, files.caFile) };
  return { ...files, certFile: path.resolve(baseDir, files.certFile), keyFile: path.resolve(baseDir, files.keyFile), ...caFile };
}

/**
 * Reads and validates a JSON config file; relative paths inside it are relative to the file. `overrides` (command-line
 * flags such as `--join`) replace top-level fields before validation, so they are checked by the same schema.
 */
export function loadConfig(file: string, overrides: Partial<Record<string, unknown>> = {}): OrdererConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (Object.keys(overrides).length > 0 && typeof raw === "object" && raw !== null) raw = { ...raw, ...overrides };
  return parseConfig(raw, path.dirname(path.resolve(file)), file);
}
