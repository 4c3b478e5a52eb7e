import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDeployment } from "@payable-ai/sdk";
import { pino } from "pino";
import { createPublicClient, getAddress, http, isAddress } from "viem";
import { REGISTRY_FILE } from "../adapters/adapterDir.js";
import { ChainedAdapterRegistry, ModelRegistryAdapterRegistry } from "../adapters/chainRegistry.js";
import { type AdapterRegistry, FileAdapterRegistry } from "../adapters/registry.js";
import { ModelFormatError } from "../errors.js";
import { isLoraTarget, LORA_TARGETS, type LoraTarget } from "../model/config.js";
import { isWeightFormat, WEIGHT_FORMATS, type WeightFormat } from "../model/int4Graph.js";
import { DEFAULT_SHUTDOWN_GRACE_MS, startInferenceServer } from "../node.js";
import { type OptionSpec, type OptionSpecs, parseCommandLine, usageError } from "./args.js";

const options = {
  config: { type: "string", value: "<file.json>", help: 'settings file: { "<flag name>": value, ... }' },
  "model-dir": {
    type: "string",
    default: ".data/model",
    help: "model directory: generated (config.json, model.onnx) or a Hugging Face checkpoint",
  },
  "lora-targets": {
    type: "string",
    default: LORA_TARGETS.join(","),
    help: "projections of a Hugging Face checkpoint that take adapters (comma-separated)",
  },
  "graph-cache-dir": {
    type: "string",
    help: "keep converted Hugging Face graphs here (needed above 2 GiB of float32 weights)",
  },
  "max-context": {
    type: "string",
    help: "cap on prompt + generated tokens of a Hugging Face checkpoint (default: its own)",
  },
  weights: {
    type: "string",
    default: "f32",
    help: `weights of a Hugging Face checkpoint: ${WEIGHT_FORMATS.join(", ")} (int4: quantized at load, blocks of 32)`,
  },
  "adapters-dir": { type: "string", default: ".data/adapters", help: "registry.json + blobs/<sha256>" },
  registry: { type: "string", help: "registry file (default <adapters-dir>/registry.json)" },
  "registry-check-ms": {
    type: "string",
    default: "1000",
    help: "how often a changed registry file is noticed (it is read again without a restart)",
  },
  "rpc-url": { type: "string", help: "resolve model-<id> through the on-chain ModelRegistry" },
  "model-registry": { type: "string", help: "ModelRegistry address (with --rpc-url)" },
  deployment: { type: "string", help: "deployments/<chainId>.json whose ModelRegistry is used" },
  "registry-ttl-ms": { type: "string", default: "10000", help: "how long an on-chain lookup is reused" },
  "base-model-id": { type: "string", help: "refuse on-chain models registered for another base model" },
  "blob-url": {
    type: "string",
    help: "fetch blobs with GET <blob-url>/<sha256>, or from s3://bucket/prefix (the gateway's S3 store)",
  },
  "s3-endpoint": { type: "string", help: "S3-compatible endpoint of an s3:// --blob-url (default: AWS)" },
  "s3-region": { type: "string", default: "us-east-1", help: "S3 region of an s3:// --blob-url" },
  "s3-force-path-style": {
    type: "string",
    default: "false",
    help: "true: address the bucket as <endpoint>/<bucket> (most self-hosted servers)",
  },
  port: { type: "string", default: "8090", help: "listen port (0 = any free port)" },
  host: { type: "string", default: "127.0.0.1", help: "bind address" },
  "max-batch": { type: "string", default: "32", help: "rows decoded together" },
  "max-queue": { type: "string", default: "256", help: "requests waiting to join before 429" },
  "retry-after-s": { type: "string", default: "1", help: "Retry-After of a 429, in seconds" },
  "bank-rank": { type: "string", default: "16", help: "LoRA bank rank" },
  "max-prefill-tokens": { type: "string", default: "4096", help: "padded prompt tokens per prefill pass" },
  "cache-mb": { type: "string", default: "256", help: "byte budget of resident adapters, MiB" },
  threads: { type: "string", help: "ORT intra-op threads (default: ORT's choice)" },
  "shutdown-grace-ms": {
    type: "string",
    default: String(DEFAULT_SHUTDOWN_GRACE_MS),
    help: "on SIGTERM/SIGINT, how long in-flight generations may finish",
  },
  "admin-token": {
    type: "string",
    value: "<token>",
    help: "bearer token of POST /v1/load_lora_adapter and /v1/unload_lora_adapter (at least 16 characters; unset: 403)",
  },
  "log-level": { type: "string", default: "info", help: "pino level" },
} satisfies OptionSpecs;
type Name = keyof typeof options;

/** `--max-batch` ↔ `INFERENCE_NODE_MAX_BATCH`. */
const envName = (name: string) => `INFERENCE_NODE_${name.toUpperCase().replaceAll("-", "_")}`;

const cli = parseCommandLine(process.argv.slice(2), "start [options]", options, {
  footer:
    "Every option can also be set with an environment variable (--max-batch: INFERENCE_NODE_MAX_BATCH)\n" +
    'or a key of the --config file ("max-batch"). Flags override the environment, which overrides the file.',
});

async function readConfigFile(path: string | undefined): Promise<Record<string, string>> {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    return usageError(`--config ${path}: ${(error as Error).message}`, cli.usage);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return usageError(`--config ${path}: expected a JSON object`, cli.usage);
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in options) || key === "config")
      usageError(`--config ${path}: unknown key "${key}"`, cli.usage);
    if (typeof value !== "string" && typeof value !== "number")
      usageError(`--config ${path}: "${key}" must be a string or a number`, cli.usage);
    settings[key] = String(value);
  }
  return settings;
}

const configPath = (cli.values.config as string | undefined) ?? process.env[envName("config")];
const fromFile = await readConfigFile(configPath);
/** Where each setting came from, for error messages. */
const origin: Partial<Record<Name, string>> = {};
const values = Object.fromEntries(
  (Object.keys(options) as Name[]).map((name) => {
    const spec: OptionSpec = options[name];
    const sources: [string, string | undefined][] = [
      [`--${name}`, cli.values[name] as string | undefined],
      [envName(name), process.env[envName(name)] || undefined],
      [`"${name}" in ${configPath}`, fromFile[name]],
    ];
    const found = sources.find(([, value]) => value !== undefined);
    origin[name] = found?.[0] ?? `--${name}`;
    return [name, found?.[1] ?? spec.default];
  }),
) as Record<Name, string | undefined>;

const int = (name: Name) => {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 0)
    usageError(`${origin[name]} must be a non-negative integer, not "${values[name]}"`, cli.usage);
  return value;
};

const bool = (name: Name) => {
  if (values[name] === "true" || values[name] === "1") return true;
  if (values[name] === "false" || values[name] === "0") return false;
  return usageError(`${origin[name]} must be true or false, not "${values[name]}"`, cli.usage);
};

const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};

/**
 * With `--rpc-url`, adapters `model-<id>` resolve through the ModelRegistry (its address from
 * `--model-registry` or `--deployment`); a static registry file, when there is one, is asked first.
 */
async function chainRegistry(): Promise<AdapterRegistry | undefined> {
  const rpcUrl = values["rpc-url"];
  if (!rpcUrl) {
    if (values["model-registry"] || values.deployment)
      fail("--model-registry and --deployment need --rpc-url");
    return undefined;
  }
  let address = values["model-registry"];
  if (address !== undefined && !isAddress(address, { strict: false }))
    fail(`--model-registry ${address} is not an address`);
  if (values.deployment) {
    if (address) fail("give --model-registry or --deployment, not both");
    const path = values.deployment;
    const json = await readFile(path, "utf8").catch((e: Error) => fail(`--deployment: ${e.message}`));
    address = parseDeployment(JSON.parse(json), { path }).contracts.ModelRegistry;
  }
  if (!address) return fail("--rpc-url needs --model-registry <address> or --deployment <file>");
  const onChain = new ModelRegistryAdapterRegistry({
    client: createPublicClient({ transport: http(rpcUrl) }),
    address: getAddress(address),
    ttlMs: int("registry-ttl-ms"),
    baseModelId: values["base-model-id"],
  });
  const staticFile = values.registry ?? join(values["adapters-dir"] as string, REGISTRY_FILE);
  const hasStatic = await access(staticFile).then(
    () => true,
    () => false,
  );
  if (values.registry && !hasStatic) fail(`--registry ${staticFile} does not exist`);
  return hasStatic
    ? new ChainedAdapterRegistry([
        await FileAdapterRegistry.open(staticFile, { checkMs: int("registry-check-ms"), logger }),
        onChain,
      ])
    : onChain;
}

function loraTargets(): LoraTarget[] {
  const names = (values["lora-targets"] as string).split(",").map((name) => name.trim());
  for (const name of names) {
    if (!isLoraTarget(name))
      usageError(`${origin["lora-targets"]}: "${name}" is not one of ${LORA_TARGETS.join(", ")}`, cli.usage);
  }
  return names as LoraTarget[];
}

function weightFormat(): WeightFormat {
  const value = values.weights as string;
  if (!isWeightFormat(value))
    usageError(`${origin.weights}: "${value}" is not one of ${WEIGHT_FORMATS.join(", ")}`, cli.usage);
  return value as WeightFormat;
}

function adminToken(): string | undefined {
  const token = values["admin-token"];
  if (token !== undefined && token.length < 16)
    usageError(`${origin["admin-token"]} must be at least 16 characters`, cli.usage);
  return token;
}

const logger = pino({ name: "inference-node", level: values["log-level"] });
const server = await startInferenceServer({
  modelDir: values["model-dir"] as string,
  loraTargets: loraTargets(),
  graphCacheDir: values["graph-cache-dir"],
  weights: weightFormat(),
  maxContext: values["max-context"] === undefined ? undefined : int("max-context"),
  adaptersDir: values["adapters-dir"] as string,
  registryFile: values.registry,
  registryCheckMs: int("registry-check-ms"),
  registry: await chainRegistry(),
  blobUrl: values["blob-url"],
  s3: {
    endpoint: values["s3-endpoint"],
    region: values["s3-region"],
    forcePathStyle: bool("s3-force-path-style"),
  },
  port: int("port"),
  host: values.host,
  maxBatch: int("max-batch"),
  maxQueue: int("max-queue"),
  retryAfterSeconds: int("retry-after-s"),
  shutdownGraceMs: int("shutdown-grace-ms"),
  bankRank: int("bank-rank"),
  maxPrefillTokens: int("max-prefill-tokens"),
  cacheBytes: int("cache-mb") * 1024 * 1024,
  threads: values.threads ? int("threads") : undefined,
  adminToken: adminToken(),
  logger,
}).catch((error: unknown) => {
  // A model this node cannot run is the operator's input, not a crash: say what is wrong.
  if (error instanceof ModelFormatError) fail(`--model-dir ${values["model-dir"]}: ${error.message}`);
  throw error;
});
logger.info({ url: server.url }, "inference node listening");

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    // A second signal gets node's default handling: the process ends at once.
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
