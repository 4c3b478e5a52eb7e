import { Counter, Gauge, Registry } from "prom-client";

/** Prometheus metrics of one gateway (served at `/metrics`); each app owns its registry. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly uploads = new Counter({
    name: "gateway_uploads_total",
    help: "Blobs accepted, by visibility and whether the store already held them",
    labelNames: ["visibility", "result"] as const,
    registers: [this.registry],
  });
  readonly uploadBytes = new Counter({
    name: "gateway_upload_bytes_total",
    help: "Bytes of accepted uploads, by visibility",
    labelNames: ["visibility"] as const,
    registers: [this.registry],
  });
  readonly downloads = new Counter({
    name: "gateway_downloads_total",
    help: "Downloads answered: public blobs (served or not modified) and datanet contributions",
    labelNames: ["kind", "result"] as const,
    registers: [this.registry],
  });
  readonly downloadBytes = new Counter({
    name: "gateway_download_bytes_total",
    help: "Bytes served, by kind",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly sessions = new Counter({
    name: "gateway_sessions_opened_total",
    help: "Access sessions opened, by scope (datanet, keeper, own-contributions)",
    labelNames: ["scope"] as const,
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: "gateway_refusals_total",
    help: "Requests refused with a 4xx status, by route and reason (the error code of the answer)",
    labelNames: ["route", "reason"] as const,
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: "gateway_failures_total",
    help: "Requests that failed with a 5xx status, by route and error code",
    labelNames: ["route", "code"] as const,
    registers: [this.registry],
  });
  readonly activeSessions = new Gauge({
    name: "gateway_sessions_active",
    help: "Access sessions held in memory (expired ones are swept at least once a minute)",
    registers: [this.registry],
  });
  readonly requestsInFlight = new Gauge({
    name: "gateway_requests_in_flight",
    help: "Requests received and not yet answered in full (uploads and downloads included)",
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: "gateway_ready",
    help: "1 while the gateway is ready (RPC answering, blob store writable, not draining), as of the last /health",
    registers: [this.registry],
  });
}
