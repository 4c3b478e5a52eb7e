import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { type Logger, pino } from "pino";
import { AdapterCache } from "./adapters/adapterCache.js";
import { BLOBS_DIR, REGISTRY_FILE } from "./adapters/adapterDir.js";
import { createAdapterLoader } from "./adapters/adapterLoader.js";
import { type BlobSource, HttpBlobSource, LocalBlobSource } from "./adapters/blobSource.js";
import { type AdapterRegistry, StaticAdapterRegistry } from "./adapters/registry.js";
import { LlamaSession } from "./engine/llamaSession.js";
import { Scheduler } from "./engine/scheduler.js";
import { NodeMetrics } from "./metrics.js";
import { readModelDir } from "./model/modelDir.js";
import { ByteTokenizer } from "./model/tokenizer.js";
import { createApp } from "./server/app.js";

export interface InferenceNodeOptions {
  /** Directory with `model.onnx` and `config.json`. */
  modelDir: string;
  /** Directory with `registry.json` and `blobs/<sha256>`; used unless `registry` / `source` are given. */
  adaptersDir?: string;
  /** Registry file to use instead of `<adaptersDir>/registry.json`. */
  registryFile?: string;
  /** Fetch blobs over HTTP (`GET <blobUrl>/<sha256>`) instead of from `<adaptersDir>/blobs`. */
  blobUrl?: string;
  /** Where expected adapter hashes come from (e.g. an on-chain ModelRegistry lookup). */
  registry?: AdapterRegistry;
  /** Where adapter blobs come from (e.g. an S3-compatible store). */
  source?: BlobSource;
  maxBatch?: number;
  maxQueue?: number;
  bankRank?: number;
  /** Padded prompt tokens per prefill pass (default 4096). */
  maxPrefillTokens?: number;
  /** Byte budget of resident adapters (default 256 MiB). */
  cacheBytes?: number;
  /** ORT intra-op threads (default: ORT's choice). */
  threads?: number;
  defaultMaxTokens?: number;
  logger?: Logger;
}

/** Wires model, adapters, scheduler and HTTP app together. */
export async function createInferenceNode(options: InferenceNodeOptions) {
  const logger = options.logger ?? pino({ name: "inference-node" });
  const modelDir = await readModelDir(options.modelDir);
  const config = modelDir.config.llama;
  const registryFile =
    options.registryFile ?? (options.adaptersDir && join(options.adaptersDir, REGISTRY_FILE));
  const registry =
    options.registry ?? (registryFile ? await StaticAdapterRegistry.fromFile(registryFile) : undefined);
  if (!registry) throw new Error("an adapter registry is required (registry, registryFile or adaptersDir)");
  const source =
    options.source ??
    (options.blobUrl ? new HttpBlobSource(options.blobUrl) : undefined) ??
    (options.adaptersDir ? new LocalBlobSource(join(options.adaptersDir, BLOBS_DIR)) : undefined);
  if (!source) throw new Error("a blob source is required (source, blobUrl or adaptersDir)");
  const metrics = new NodeMetrics();
  const load = createAdapterLoader({
    registry,
    source,
    model: config,
    logger,
    onIntegrityFailure: () => metrics.adapterLoads.inc({ result: "integrity_failure" }),
  });
  const cache = new AdapterCache({
    budgetBytes: options.cacheBytes ?? 256 << 20,
    load: async (id) => {
      const started = performance.now();
      const adapter = await load(id);
      metrics.adapterLoadSeconds.observe((performance.now() - started) / 1000);
      metrics.adapterLoads.inc({ result: "ok" });
      logger.info({ adapter: id, rank: adapter.rank, bytes: adapter.bytes }, "adapter loaded");
      return adapter;
    },
    onEvict: (adapter) => logger.debug({ adapter: adapter.id }, "adapter evicted"),
  });
  const session = await LlamaSession.create(modelDir.modelPath, config, { intraOpThreads: options.threads });
  const tokenizer = new ByteTokenizer();
  const scheduler = new Scheduler({
    session,
    tokenizer,
    adapters: cache,
    maxBatch: options.maxBatch,
    maxQueue: options.maxQueue,
    bankRank: options.bankRank,
    maxPrefillTokens: options.maxPrefillTokens,
    metrics,
    logger,
  });
  const app = createApp({
    scheduler,
    tokenizer,
    registry,
    cache,
    metrics,
    logger,
    baseModelName: modelDir.config.name,
    maxContextTokens: config.maxPositions,
    defaultMaxTokens: options.defaultMaxTokens,
  });
  logger.info(
    {
      model: modelDir.config.name,
      layers: config.numLayers,
      hidden: config.hiddenSize,
      loraModules: session.modules.length,
    },
    "model loaded",
  );
  return {
    app,
    scheduler,
    cache,
    metrics,
    session,
    async close() {
      await scheduler.stop();
      await session.release();
    },
  };
}

export interface StartedServer {
  url: string;
  port: number;
  node: Awaited<ReturnType<typeof createInferenceNode>>;
  close(): Promise<void>;
}

/** Starts the node on a port (0 = any free port); `close` stops the server and the scheduler. */
export async function startInferenceServer(
  options: InferenceNodeOptions & { port?: number; host?: string },
): Promise<StartedServer> {
  const node = await createInferenceNode(options);
  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: node.app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    node,
    async close() {
      await node.scheduler.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      await node.session.release();
    },
  };
}
