import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseDeployment } from "@payable-ai/sdk";
import { pino } from "pino";
import { createPublicClient, getAddress, http, isAddress } from "viem";
import { REGISTRY_FILE } from "../adapters/adapterDir.js";
import { ChainedAdapterRegistry, ModelRegistryAdapterRegistry } from "../adapters/chainRegistry.js";
import { type AdapterRegistry, StaticAdapterRegistry } from "../adapters/registry.js";
import { startInferenceServer } from "../node.js";

const { values } = parseArgs({
  options: {
    "model-dir": { type: "string", default: ".data/model" },
    "adapters-dir": { type: "string", default: ".data/adapters" },
    registry: { type: "string" },
    "rpc-url": { type: "string" },
    "model-registry": { type: "string" },
    deployment: { type: "string" },
    "registry-ttl-ms": { type: "string", default: "10000" },
    "base-model-id": { type: "string" },
    "blob-url": { type: "string" },
    port: { type: "string", default: "8090" },
    host: { type: "string", default: "127.0.0.1" },
    "max-batch": { type: "string", default: "32" },
    "max-queue": { type: "string", default: "256" },
    "bank-rank": { type: "string", default: "16" },
    "max-prefill-tokens": { type: "string", default: "4096" },
    "cache-mb": { type: "string", default: "256" },
    threads: { type: "string" },
    "log-level": { type: "string", default: "info" },
  },
});

const int = (name: keyof typeof values) => {
  const value = Number.parseInt(String(values[name]), 10);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a non-negative integer`);
    process.exit(2);
  }
  return value;
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
    ? new ChainedAdapterRegistry([await StaticAdapterRegistry.fromFile(staticFile), onChain])
    : onChain;
}

const logger = pino({ name: "inference-node", level: values["log-level"] });
const server = await startInferenceServer({
  modelDir: values["model-dir"] as string,
  adaptersDir: values["adapters-dir"] as string,
  registryFile: values.registry,
  registry: await chainRegistry(),
  blobUrl: values["blob-url"],
  port: int("port"),
  host: values.host,
  maxBatch: int("max-batch"),
  maxQueue: int("max-queue"),
  bankRank: int("bank-rank"),
  maxPrefillTokens: int("max-prefill-tokens"),
  cacheBytes: int("cache-mb") * 1024 * 1024,
  threads: values.threads ? int("threads") : undefined,
  logger,
});
logger.info({ url: server.url }, "inference node listening");

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
