import { defineCommandLine, type OptionSpecs, type ResolvedOptions, UsageError } from "@payable-ai/service";
import { DEFAULT_MAX_SESSION_SECONDS, DEFAULT_MAX_UPLOAD_BYTES } from "./app.js";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from "./server.js";
import { DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_ACCOUNT } from "./sessions.js";
import { DEFAULT_RPC_TIMEOUT_MS } from "./viemAccessChecker.js";

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
} as const satisfies OptionSpecs;

/** The gateway's command line: `--rpc-url` is also `$GATEWAY_RPC_URL` and `"rpc-url"` in `--config`. */
export const gatewayCommandLine = defineCommandLine({
  program: "gateway",
  summary: "The data gateway: content-addressed blobs and access-checked datanet downloads.",
  envPrefix: "GATEWAY",
  options: gatewayOptionSpecs,
});

export type GatewayOptions = ResolvedOptions<typeof gatewayOptionSpecs>;

export type ParsedCommandLine = { help: true } | { help: false; options: GatewayOptions };

/**
 * The gateway's options from `argv` (flags), `env` and an optional JSON config file,
 * in that order of precedence, validated. Throws {@link UsageError}.
 */
export function parseGatewayCommandLine(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
  readFile?: (path: string) => string,
): ParsedCommandLine {
  const parsed = gatewayCommandLine.parse(argv, env, readFile);
  if (parsed.help) return parsed;
  if (parsed.options["blob-store"] !== undefined) parseBlobStoreLocation(parsed.options["blob-store"]);
  return { help: false, options: parsed.options };
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

export { UsageError };
