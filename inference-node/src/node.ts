import { join } from "node:path";
import type { S3BlobStoreOptions } from "@payable-ai/gateway/blobstore";
import { serveHttp } from "@payable-ai/service";
import { type Logger, pino } from "pino";
import { AdapterCache } from "./adapters/adapterCache.js";
import { BLOBS_DIR, REGISTRY_FILE } from "./adapters/adapterDir.js";
import { createAdapterLoader } from "./adapters/adapterLoader.js";
import { AdminAdapters } from "./adapters/adminAdapters.js";
import { type BlobSource, HttpBlobSource, LocalBlobSource } from "./adapters/blobSource.js";
import { ChainedAdapterRegistry } from "./adapters/chainRegistry.js";
import { type AdapterRegistry, FileAdapterRegistry } from "./adapters/registry.js";
import { S3BlobSource } from "./adapters/s3BlobSource.js";
import { LlamaSession } from "./engine/llamaSession.js";
import { Scheduler } from "./engine/scheduler.js";
import { NodeMetrics } from "./metrics.js";
import type { LoraTarget } from "./model/config.js";
import type { WeightFormat } from "./model/int4Graph.js";
import { loadModelDir } from "./model/loadModel.js";
import { createApp } from "./server/app.js";

export interface InferenceNodeOptions {
  /**
   * A generated model (`config.json` + `model.onnx`) or a Hugging Face checkpoint (`config.json`,
   * safetensors, tokenizer files).
   */
  modelDir: string;
  /** Projections of a Hugging Face checkpoint given LoRA inputs (default: all seven). */
  loraTargets?: readonly LoraTarget[];
  /** Cap on prompt + generated tokens of a Hugging Face checkpoint (default: its own). */
  maxContext?: number;
  /** Keep converted Hugging Face graphs here (see `LoadModelOptions.graphCacheDir`). */
  graphCacheDir?: string;
  /** Weights of a Hugging Face checkpoint: `f32` (default), `int4-sym` or `int4-asym`. */
  weights?: WeightFormat;
  /** Directory with `registry.json` and `blobs/<sha256>`; used unless `registry` / `source` are given. */
  adaptersDir?: string;
  /** Registry file to use instead of `<adaptersDir>/registry.json`; followed as it changes. */
  registryFile?: string;
  /** How often a changed registry file is noticed, ms (default 1000). */
  registryCheckMs?: number;
  /**
   * Fetch blobs over HTTP (`GET <blobUrl>/<sha256>`), or from the bucket of an `s3://bucket/prefix`
   * URL as the data gateway's S3 store lays them out, instead of from `<adaptersDir>/blobs`.
   */
  blobUrl?: string;
  /** Connection of an `s3://` {@link blobUrl}; without credentials, the AWS SDK's standard chain. */
  s3?: Pick<S3BlobStoreOptions, "endpoint" | "region" | "forcePathStyle" | "credentials">;
  /** Where expected adapter hashes come from (e.g. an on-chain ModelRegistry lookup). */
  registry?: AdapterRegistry;
  /** Where adapter blobs come from (e.g. an S3-compatible store). */
  source?: BlobSource;
  maxBatch?: number;
  maxQueue?: number;
  /** `Retry-After` seconds of a 429 queue_full (default 1). */
  retryAfterSeconds?: number;
  /**
   * How long `close()` lets in-flight generations finish before failing them with 503
   * `shutting_down` (default 15 s).
   */
  shutdownGraceMs?: number;
  bankRank?: number;
  /** Padded prompt tokens per prefill pass (default 4096). */
  maxPrefillTokens?: number;
  /** Byte budget of resident adapters (default 256 MiB). */
  cacheBytes?: number;
  /** ORT intra-op threads (default: ORT's choice). */
  threads?: number;
  defaultMaxTokens?: number;
  /**
   * Bearer token of `POST /v1/load_lora_adapter` and `/v1/unload_lora_adapter`; without one those
   * routes answer 403 `admin_disabled`.
   */
  adminToken?: string;
  logger?: Logger;
}

function blobSourceAt(url: string, s3: InferenceNodeOptions["s3"]): BlobSource {
  if (!url.startsWith("s3://")) return new HttpBlobSource(url);
  const [bucket = "", ...prefix] = url.slice("s3://".length).split("/");
  return new S3BlobSource({ bucket, prefix: prefix.join("/"), ...s3 });
}

/** Wires model, adapters, scheduler and HTTP app together. */
export async function createInferenceNode(options: InferenceNodeOptions) {
  const logger = options.logger ?? pino({ name: "inference-node" });
  const loaded = await loadModelDir(options.modelDir, {
    loraTargets: options.loraTargets,
    maxContext: options.maxContext,
    graphCacheDir: options.graphCacheDir,
    weights: options.weights,
  });
  const { config, tokenizer } = loaded;
  const registryFile =
    options.registryFile ?? (options.adaptersDir && join(options.adaptersDir, REGISTRY_FILE));
  const configured =
    options.registry ??
    (registryFile
      ? await FileAdapterRegistry.open(registryFile, { checkMs: options.registryCheckMs, logger })
      : undefined);
  if (!configured) throw new Error("an adapter registry is required (registry, registryFile or adaptersDir)");
  const configuredSource =
    options.source ??
    (options.blobUrl ? blobSourceAt(options.blobUrl, options.s3) : undefined) ??
    (options.adaptersDir ? new LocalBlobSource(join(options.adaptersDir, BLOBS_DIR)) : undefined);
  if (!configuredSource) throw new Error("a blob source is required (source, blobUrl or adaptersDir)");
  // Adapters loaded through the admin API come after the configured registry, which wins on an id.
  const adminAdapters = new AdminAdapters();
  const registry = new ChainedAdapterRegistry([configured, adminAdapters]);
  const source = adminAdapters.over(configuredSource);
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
  const session = await LlamaSession.create(loaded.model, config, { intraOpThreads: options.threads });
  const scheduler = new Scheduler({
    session,
    tokenizer,
    adapters: cache,
    maxBatch: options.maxBatch,
    maxQueue: options.maxQueue,
    retryAfterSeconds: options.retryAfterSeconds,
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
    baseModelName: loaded.name,
    maxContextTokens: config.maxPositions,
    defaultMaxTokens: options.defaultMaxTokens,
    admin: { token: options.adminToken, adapters: adminAdapters, configured, cache },
  });
  logger.info(
    {
      model: loaded.name,
      format: loaded.format,
      family: loaded.family,
      graph: loaded.graph,
      weights: loaded.weights,
      vocab: config.vocabSize,
      layers: config.numLayers,
      hidden: config.hiddenSize,
      loraModules: session.modules.length,
    },
    "model loaded",
  );
  const shutdownGraceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  return {
    app,
    scheduler,
    cache,
    metrics,
    session,
    logger,
    shutdownGraceMs,
    /** Drains the scheduler (see `Scheduler.drain`) and releases the model. */
    async close(graceMs = shutdownGraceMs) {
      await scheduler.drain(graceMs);
      await session.release();
    },
  };
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 15_000;

/** After the drain, how long finished responses get to reach their clients before sockets are cut. */
const DELIVERY_MS = 2_000;

export interface StartedServer {
  url: string;
  port: number;
  node: Awaited<ReturnType<typeof createInferenceNode>>;
  /**
   * Bounded drain: new requests get 503 `shutting_down`; in-flight generations run to their end
   * or, after `graceMs` (default `shutdownGraceMs`), fail with 503 (an SSE error event then
   * `[DONE]` for streams) that is delivered before the connections close.
   */
  close(graceMs?: number): Promise<void>;
}

/** Starts the node on a port (0 = any free port); `close` drains and stops the server and the scheduler. */
export async function startInferenceServer(
  options: InferenceNodeOptions & { port?: number; host?: string },
): Promise<StartedServer> {
  const node = await createInferenceNode(options);
  const http = await serveHttp({ fetch: node.app.fetch, port: options.port, host: options.host });
  return {
    url: http.url,
    port: http.port,
    node,
    async close(graceMs = node.shutdownGraceMs) {
      const started = performance.now();
      node.logger.info(
        { graceMs, active: node.scheduler.activeRows, queued: node.scheduler.queued },
        "draining",
      );
      await node.scheduler.drain(graceMs);
      // The scheduler finished or cancelled every row: what is left is delivering the last bytes.
      const delivered = await http.close({ graceMs: DELIVERY_MS });
      await node.session.release();
      node.logger.info({ ms: Math.round(performance.now() - started), delivered }, "stopped");
    },
  };
}
