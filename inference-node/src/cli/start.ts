import { parseArgs } from "node:util";
import { pino } from "pino";
import { startInferenceServer } from "../node.js";

const { values } = parseArgs({
  options: {
    "model-dir": { type: "string", default: ".data/model" },
    "adapters-dir": { type: "string", default: ".data/adapters" },
    registry: { type: "string" },
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

const logger = pino({ name: "inference-node", level: values["log-level"] });
const server = await startInferenceServer({
  modelDir: values["model-dir"] as string,
  adaptersDir: values["adapters-dir"] as string,
  registryFile: values.registry,
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
