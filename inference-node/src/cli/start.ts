import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDeployment } from "@payable-ai/sdk";
import { defineCommandLine, exitWithUsage, type OptionSpecs, parseOrExit } from "@payable-ai/service";
import { pino } from "pino";
import { createPublicClient, getAddress, http, isAddress } from "viem";
import { REGISTRY_FILE } from "../adapters/adapterDir.js";
import { ChainedAdapterRegistry, ModelRegistryAdapterRegistry } from "../adapters/chainRegistry.js";
import { type AdapterRegistry, FileAdapterRegistry } from "../adapters/registry.js";
import { ModelFormatError } from "../errors.js";
import { isLoraTarget, LORA_TARGETS, type LoraTarget } from "../model/config.js";
import { isWeightFormat, WEIGHT_FORMATS, type WeightFormat } from "../model/int4Graph.js";
import { DEFAULT_SHUTDOWN_GRACE_MS, startInferenceServer } from "../node.js";

const nodeOptions = {
  "model-dir": {
    kind: "string",
    default: ".data/model",
    help: "model directory: generated (config.json, model.onnx) or a Hugging Face checkpoint",
  },
  "lora-targets": {
    kind: "list",
    default: LORA_TARGETS.join(","),
    help: "projections of a Hugging Face checkpoint that take adapters (comma-separated)",
  },
  "graph-cache-dir": {
    kind: "string",
    help: "keep converted Hugging Face graphs here (needed above 2 GiB of float32 weights)",
  },
  "max-context": {
    kind: "integer",
    help: "cap on prompt + generated tokens of a Hugging Face checkpoint (default: its own)",
  },
  weights: {
    kind: "string",
    default: "f32",
    help: `weights of a Hugging Face checkpoint: ${WEIGHT_FORMATS.join(", ")} (int4: quantized at load, blocks of 32)`,
  },
  "adapters-dir": { kind: "string", default: ".data/adapters", help: "registry.json + blobs/<sha256>" },
  registry: { kind: "string", help: "registry file (default <adapters-dir>/registry.json)" },
  "registry-check-ms": {
    kind: "integer",
    default: "1000",
    help: "how often a changed registry file is noticed (it is read again without a restart)",
  },
  "rpc-url": { kind: "string", help: "resolve model-<id> through the on-chain ModelRegistry" },
  "model-registry": { kind: "string", help: "ModelRegistry address (with --rpc-url)" },
  deployment: { kind: "string", help: "deployments/<chainId>.json whose ModelRegistry is used" },
  "registry-ttl-ms": { kind: "integer", default: "10000", help: "how long an on-chain lookup is reused" },
  "base-model-id": { kind: "string", help: "refuse on-chain models registered for another base model" },
  "blob-url": {
    kind: "string",
    help: "fetch blobs with GET <blob-url>/<sha256>, or from s3://bucket/prefix (the gateway's S3 store)",
  },
  "s3-endpoint": { kind: "string", help: "S3-compatible endpoint of an s3:// --blob-url (default: AWS)" },
  "s3-region": { kind: "string", default: "us-east-1", help: "S3 region of an s3:// --blob-url" },
  "s3-force-path-style": {
    kind: "boolean",
    help: "address the bucket as <endpoint>/<bucket> (most self-hosted servers)",
  },
  port: { kind: "integer", default: "8090", help: "listen port (0 = any free port)" },
  host: { kind: "string", default: "127.0.0.1", help: "bind address" },
  "max-batch": { kind: "integer", default: "32", help: "rows decoded together" },
  "max-queue": { kind: "integer", default: "256", help: "requests waiting to join before 429" },
  "retry-after-s": { kind: "integer", default: "1", help: "Retry-After of a 429, in seconds" },
  "bank-rank": { kind: "integer", default: "16", help: "LoRA bank rank" },
  "max-prefill-tokens": { kind: "integer", default: "4096", help: "padded prompt tokens per prefill pass" },
  "cache-mb": { kind: "integer", default: "256", help: "byte budget of resident adapters, MiB" },
  threads: { kind: "integer", help: "ORT intra-op threads (default: ORT's choice)" },
  "shutdown-grace-ms": {
    kind: "integer",
    default: String(DEFAULT_SHUTDOWN_GRACE_MS),
    help: "on SIGTERM/SIGINT, how long in-flight generations may finish",
  },
  "admin-token": {
    kind: "string",
    value: "TOKEN",
    help: "bearer token of POST /v1/load_lora_adapter and /v1/unload_lora_adapter (at least 16 characters; unset: 403)",
  },
  "log-level": { kind: "string", default: "info", help: "pino level" },
} as const satisfies OptionSpecs;

const nodeCommandLine = defineCommandLine({
  program: "inference-node",
  summary: "Serves a base model with many LoRA adapters behind an OpenAI-compatible API.",
  envPrefix: "INFERENCE_NODE",
  options: nodeOptions,
});
const { options: values } = parseOrExit(nodeCommandLine);

function fail(message: string): never {
  return exitWithUsage(nodeCommandLine, message);
}

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
    ttlMs: values["registry-ttl-ms"],
    baseModelId: values["base-model-id"],
  });
  const staticFile = values.registry ?? join(values["adapters-dir"], REGISTRY_FILE);
  const hasStatic = await access(staticFile).then(
    () => true,
    () => false,
  );
  if (values.registry && !hasStatic) fail(`--registry ${staticFile} does not exist`);
  return hasStatic
    ? new ChainedAdapterRegistry([
        await FileAdapterRegistry.open(staticFile, { checkMs: values["registry-check-ms"], logger }),
        onChain,
      ])
    : onChain;
}

function loraTargets(): LoraTarget[] {
  const names = values["lora-targets"];
  for (const name of names) {
    if (!isLoraTarget(name)) fail(`--lora-targets: "${name}" is not one of ${LORA_TARGETS.join(", ")}`);
  }
  return names as LoraTarget[];
}

function weightFormat(): WeightFormat {
  const value = values.weights;
  if (!isWeightFormat(value)) fail(`--weights: "${value}" is not one of ${WEIGHT_FORMATS.join(", ")}`);
  return value as WeightFormat;
}

function adminToken(): string | undefined {
  const token = values["admin-token"];
  if (token !== undefined && token.length < 16)
    fail("--admin-token (or $INFERENCE_NODE_ADMIN_TOKEN) must be at least 16 characters");
  return token;
}

const logger = pino({ name: "inference-node", level: values["log-level"] });
const server = await startInferenceServer({
  modelDir: values["model-dir"],
  loraTargets: loraTargets(),
  graphCacheDir: values["graph-cache-dir"],
  weights: weightFormat(),
  maxContext: values["max-context"],
  adaptersDir: values["adapters-dir"],
  registryFile: values.registry,
  registryCheckMs: values["registry-check-ms"],
  registry: await chainRegistry(),
  blobUrl: values["blob-url"],
  s3: {
    endpoint: values["s3-endpoint"],
    region: values["s3-region"],
    forcePathStyle: values["s3-force-path-style"],
  },
  port: values.port,
  host: values.host,
  maxBatch: values["max-batch"],
  maxQueue: values["max-queue"],
  retryAfterSeconds: values["retry-after-s"],
  shutdownGraceMs: values["shutdown-grace-ms"],
  bankRank: values["bank-rank"],
  maxPrefillTokens: values["max-prefill-tokens"],
  cacheBytes: values["cache-mb"] * 1024 * 1024,
  threads: values.threads || undefined,
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
