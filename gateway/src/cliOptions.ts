import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BaseError } from "@payable-ai/sdk";
import { DEFAULT_MAX_SESSION_SECONDS, DEFAULT_MAX_UPLOAD_BYTES } from "./app.js";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from "./server.js";
import { DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_ACCOUNT } from "./sessions.js";
import { DEFAULT_RPC_TIMEOUT_MS } from "./viemAccessChecker.js";

type OptionSpec = {
  kind: "string" | "integer" | "boolean";
  default?: string;
  help: string;
  env?: string[];
};

/** Every option of the gateway CLI: its flag, its environment variables, its default. */
export const gatewayOptionSpecs = {
  "rpc-url": {
    kind: "string",
    default: "http://127.0.0.1:8545",
    help: "chain JSON-RPC endpoint",
    env: ["RPC_URL"],
  },
  "rpc-timeout-ms": {
    kind: "integer",
    default: String(DEFAULT_RPC_TIMEOUT_MS),
    help: "per RPC call; then 503 rpc_unavailable",
  },
  "datanet-registry": { kind: "string", help: "DatanetRegistry address (default: from the deployment file)" },
  "keeper-registry": { kind: "string", help: "KeeperRegistry address (default: from the deployment file)" },
  "deployments-dir": { kind: "string", help: "where deployments/<chainId>.json lives" },
  "data-dir": {
    kind: "string",
    default: ".data/gateway",
    help: "blobs, visibility marks, nonces, sync state",
  },
  "blob-store": {
    kind: "string",
    help: "s3://bucket/prefix for an S3-compatible bucket, or a directory (default: <data-dir>/blobs)",
  },
  "s3-endpoint": {
    kind: "string",
    help: "S3-compatible endpoint URL (default: AWS for --s3-region)",
    env: ["AWS_ENDPOINT_URL_S3"],
  },
  "s3-region": { kind: "string", default: "us-east-1", help: "S3 region", env: ["AWS_REGION"] },
  "s3-force-path-style": {
    kind: "boolean",
    default: "false",
    help: "address buckets as endpoint/bucket (most self-hosted servers need it)",
  },
  port: { kind: "integer", default: "8788", help: "HTTP port (0: any free port)" },
  host: { kind: "string", default: "127.0.0.1", help: "HTTP interface" },
  "max-upload-bytes": {
    kind: "integer",
    default: String(DEFAULT_MAX_UPLOAD_BYTES),
    help: "largest datanet upload",
  },
  "max-public-upload-bytes": { kind: "integer", help: "largest public upload (default: --max-upload-bytes)" },
  "max-session-seconds": {
    kind: "integer",
    default: String(DEFAULT_MAX_SESSION_SECONDS),
    help: "longest session",
  },
  "max-sessions-per-account": {
    kind: "integer",
    default: String(DEFAULT_MAX_SESSIONS_PER_ACCOUNT),
    help: "open sessions per account; then 429",
  },
  "max-sessions": {
    kind: "integer",
    default: String(DEFAULT_MAX_SESSIONS),
    help: "open sessions in all; then 429",
  },
  "shutdown-timeout-ms": {
    kind: "integer",
    default: String(DEFAULT_SHUTDOWN_TIMEOUT_MS),
    help: "how long SIGTERM lets in-flight requests finish",
  },
  "sync-interval-ms": { kind: "integer", default: "2000", help: "contribution sync polling interval" },
  "from-block": {
    kind: "integer",
    help: "first block of the contribution sync (default: the deployment's start block)",
  },
  "log-level": {
    kind: "string",
    default: "info",
    help: "pino level: fatal, error, warn, info, debug, trace, silent",
  },
} satisfies Record<string, OptionSpec>;

export type GatewayOptionName = keyof typeof gatewayOptionSpecs;
type Specs = typeof gatewayOptionSpecs;
type ValueOf<S> = S extends { kind: "integer" } ? number : S extends { kind: "boolean" } ? boolean : string;
/** Resolved options: those with a default are always set. */
export type GatewayOptions = {
  [K in GatewayOptionName]: Specs[K] extends { default: string }
    ? ValueOf<Specs[K]>
    : ValueOf<Specs[K]> | undefined;
};

const specs: Record<string, OptionSpec> = gatewayOptionSpecs;

/** `GATEWAY_` and the flag in upper snake case: `--rpc-url` is `GATEWAY_RPC_URL`. */
export const envNameOf = (flag: string) => `GATEWAY_${flag.toUpperCase().replaceAll("-", "_")}`;

/** A command line the CLI cannot run with: it prints the message and the usage, and exits 2. */
export class UsageError extends BaseError {
  override name = "UsageError";
}

export function gatewayUsage(): string {
  const rows = Object.entries(specs).map(([flag, spec]) => {
    const value = spec.kind === "integer" ? " N" : spec.kind === "boolean" ? "" : " VALUE";
    const env = [envNameOf(flag), ...(spec.env ?? [])].map((e) => `$${e}`).join(", ");
    const fallback = spec.default === undefined ? "" : ` (default ${spec.default})`;
    return `  --${flag}${value}\n      ${spec.help}${fallback}; env ${env}`;
  });
  return [
    "Usage: gateway [options]",
    "",
    "The data gateway: content-addressed blobs and access-checked datanet downloads.",
    "Each option may also come from its environment variable or from the JSON object",
    "in --config (keys are the flag names); flags override the environment, which",
    "overrides the file.",
    "",
    "Options:",
    "  --help\n      print this and exit",
    "  --config FILE\n      a JSON file of options; env $GATEWAY_CONFIG",
    ...rows,
    "",
  ].join("\n");
}

export type ParsedCommandLine = { help: true } | { help: false; options: GatewayOptions };

/**
 * The gateway's options from `argv` (flags), `env` and an optional JSON config file,
 * in that order of precedence, validated. Throws {@link UsageError}.
 */
export function parseGatewayCommandLine(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): ParsedCommandLine {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        help: { type: "boolean", short: "h" },
        config: { type: "string" },
        ...Object.fromEntries(
          Object.entries(specs).map(([flag, spec]) => [
            flag,
            { type: spec.kind === "boolean" ? ("boolean" as const) : ("string" as const) },
          ]),
        ),
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (flags.help === true) return { help: true };

  const configPath = (flags.config as string | undefined) ?? nonEmpty(env.GATEWAY_CONFIG);
  const config = configPath === undefined ? {} : readConfig(configPath, readFile);

  const options: Record<string, string | number | boolean | undefined> = {};
  for (const [flag, spec] of Object.entries(specs)) {
    const fromEnv = [envNameOf(flag), ...(spec.env ?? [])]
      .map((name) => [name, nonEmpty(env[name])] as const)
      .find(([, v]) => v !== undefined);
    const fromConfig = config[flag];
    const [raw, source] =
      flags[flag] !== undefined
        ? [String(flags[flag]), `--${flag}`]
        : fromEnv !== undefined
          ? [fromEnv[1] as string, `$${fromEnv[0]}`]
          : fromConfig !== undefined
            ? [String(fromConfig), `"${flag}" in ${configPath}`]
            : [spec.default, `--${flag}`];
    options[flag] =
      raw === undefined
        ? undefined
        : spec.kind === "integer"
          ? integer(source, raw)
          : spec.kind === "boolean"
            ? boolean(source, raw)
            : raw;
  }
  if (options["blob-store"] !== undefined) parseBlobStoreLocation(options["blob-store"] as string);
  return { help: false, options: options as GatewayOptions };
}

function readConfig(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(path));
  } catch (error) {
    throw new UsageError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`the config file ${path} must hold a JSON object`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in specs)) throw new UsageError(`unknown option "${key}" in the config file ${path}`);
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new UsageError(`"${key}" in the config file ${path} must be a string, a number or a boolean`);
    }
  }
  return parsed as Record<string, unknown>;
}

function integer(source: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`${source} must be a non-negative integer, got "${value}"`);
  }
  return n;
}

function boolean(source: string, value: string): boolean {
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new UsageError(`${source} must be true, false, 1 or 0, got "${value}"`);
}

/** Where the blobs live: an S3 bucket and key prefix, or a local directory. */
export type BlobStoreLocation =
  | { kind: "s3"; bucket: string; prefix: string }
  | { kind: "local"; dir: string };

// S3 bucket naming rules: 3-63 characters of lowercase letters, digits, dots and hyphens.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/optional/prefix` or a directory path. Throws {@link UsageError}. */
export function parseBlobStoreLocation(value: string): BlobStoreLocation {
  if (!/^[a-z0-9+.-]+:\/\//i.test(value)) return { kind: "local", dir: value };
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(value);
  if (match === null) {
    throw new UsageError(`--blob-store "${value}" must be s3://bucket/prefix or a directory`);
  }
  const bucket = match[1] as string;
  if (!BUCKET_NAME.test(bucket)) {
    throw new UsageError(
      `--blob-store "${value}": "${bucket}" is not an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`,
    );
  }
  return { kind: "s3", bucket, prefix: (match[2] ?? "").replace(/^\/+|\/+$/g, "") };
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);
