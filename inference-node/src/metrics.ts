import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics of one node; each app owns its registry so tests can run several nodes. */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: "inference_http_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  });
  readonly generatedTokens = new Counter({
    name: "inference_generated_tokens_total",
    help: "Tokens generated",
    registers: [this.registry],
  });
  readonly promptTokens = new Counter({
    name: "inference_prompt_tokens_total",
    help: "Prompt tokens prefilled",
    registers: [this.registry],
  });
  readonly requests = new Counter({
    name: "inference_generations_total",
    help: "Finished generations by finish reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly adapterLoads = new Counter({
    name: "inference_adapter_loads_total",
    help: "Adapter loads by result",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly adapterLoadSeconds = new Histogram({
    name: "inference_adapter_load_seconds",
    help: "Adapter cold load time (blob to ready)",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly stepSeconds = new Histogram({
    name: "inference_step_seconds",
    help: "Forward pass time by phase",
    labelNames: ["phase"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly batchRows = new Gauge({
    name: "inference_batch_rows",
    help: "Rows in the running batch",
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: "inference_queue_depth",
    help: "Requests waiting to join",
    registers: [this.registry],
  });
  readonly adapterCacheBytes = new Gauge({
    name: "inference_adapter_cache_bytes",
    help: "Bytes of resident adapters",
    registers: [this.registry],
  });
  readonly adapterCacheBudget = new Gauge({
    name: "inference_adapter_cache_budget_bytes",
    help: "Adapter cache budget",
    registers: [this.registry],
  });
}
