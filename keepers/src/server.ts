import type { AttributionReport } from "@payable-ai/sdk";
import { serveHttp } from "@payable-ai/service";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { type HealthOptions, KeeperHealth } from "./health.js";
import type { KeeperNode } from "./keeper.js";
import { meteredRoutes } from "./meteredRoutes.js";
import { reportJsonSchema, signatureJsonSchema } from "./protocol.js";

const cosignBody = z.object({
  report: reportJsonSchema,
  signatures: z.array(signatureJsonSchema).min(1).max(64),
});

function isRequestId(id: string): boolean {
  return /^\d{1,78}$/.test(id);
}

function error(code: string, message: string) {
  return { error: { code, message } };
}

/**
 * The keeper's HTTP face: `POST /cosign` for peers, `GET /health` and `GET /health/ready`
 * (readiness: 200 or 503 with the reasons), `GET /health/live` (liveness), `GET /metrics`
 * (Prometheus), `GET /requests/:id` (this keeper's durable record of a request) and
 * `GET /requests/:id/attribution` (the answer of a request and who it credits).
 */
export function createKeeperApp(node: KeeperNode, health = new KeeperHealth(node)): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    node.log.error({ err }, "keeper HTTP request failed");
    return c.json(error("internal", err.message), 500);
  });
  app.notFound((c) => c.json(error("not_found", `no route ${c.req.method} ${c.req.path}`), 404));

  app.post(
    "/cosign",
    bodyLimit({
      maxSize: 256 * 1024,
      onError: (c) => c.json(error("payload_too_large", "body above 256 KiB"), 413),
    }),
    async (c) => {
      let json: unknown;
      try {
        json = await c.req.json();
      } catch {
        return c.json(error("invalid_request", "the body is not JSON"), 400);
      }
      const parsed = cosignBody.safeParse(json);
      if (!parsed.success) {
        return c.json(
          error(
            "invalid_request",
            parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
          ),
          400,
        );
      }
      const report: AttributionReport = parsed.data.report;
      const result = await node.cosigner.cosign(report, parsed.data.signatures);
      return c.json(result.body, result.status);
    },
  );

  const readiness = async (c: Context) => {
    const report = await health.readiness();
    return c.json(report, report.ready ? 200 : 503);
  };
  app.get("/health", readiness);
  app.get("/health/ready", readiness);
  app.get("/health/live", (c) => {
    const live = health.liveness();
    return c.json({ ...live, keeper: node.address }, live.live ? 200 : 503);
  });

  app.get("/metrics", async (c) =>
    c.body(await node.options.metrics.registry.metrics(), 200, {
      "content-type": node.options.metrics.registry.contentType,
    }),
  );

  app.get("/requests/:id", (c) => {
    const id = c.req.param("id");
    if (!isRequestId(id)) return c.json(error("invalid_request", "a request id is a decimal integer"), 400);
    const record = node.options.state.persisted(BigInt(id));
    if (record === undefined)
      return c.json(error("request_not_found", `this keeper has not seen request ${id}`), 404);
    return c.json(record);
  });

  app.get("/requests/:id/attribution", async (c) => {
    const id = c.req.param("id");
    if (!isRequestId(id)) return c.json(error("invalid_request", "a request id is a decimal integer"), 400);
    const result = await node.explainer.explain(BigInt(id));
    return c.json(result.body, result.status);
  });
  app.route("/", meteredRoutes(node));
  return app;
}

export type RunningKeeperServer = { url: string; port: number; close(): Promise<void> };

export async function startKeeperServer(
  node: KeeperNode,
  options: { port: number; host?: string; health?: HealthOptions },
): Promise<RunningKeeperServer> {
  const app = createKeeperApp(node, new KeeperHealth(node, options.health));
  const http = await serveHttp({ fetch: app.fetch, port: options.port, host: options.host });
  // The node drains its own work before this; open co-sign calls are cut.
  return { url: http.url, port: http.port, close: () => http.close({ graceMs: 0 }).then(() => {}) };
}
