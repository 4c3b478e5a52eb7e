import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type Context, Hono } from "hono";
import type { Logger } from "pino";
import { type RoutedFields, readBody, routedFields } from "./body.js";
import { mergedListing, resolveTarget, type Target } from "./catalog.js";
import {
  type ErrorBody,
  ModelNotFoundError,
  NoNodeAvailableError,
  toErrorResponse,
  UpstreamFailedError,
} from "./errors.js";
import type { RouterMetrics } from "./metrics.js";
import type { NodeState } from "./nodes.js";
import { chooseNode, rendezvousOrder } from "./placement.js";
import { renameModelInEvent, SseEvents } from "./sse.js";
import { postUpstream, ReachedError, readAll, UnreachableError } from "./upstream.js";

export interface AppDependencies {
  nodes: readonly NodeState[];
  metrics: RouterMetrics;
  logger: Logger;
  /** A node takes a new request while it holds fewer than `loadFactor` × the mean load. */
  loadFactor: number;
  connectTimeoutMs: number;
  /** Largest accepted request body in bytes. */
  maxBodyBytes: number;
}

type Env = {
  Variables: { requestId: string; log: Logger; routed?: Record<string, unknown>; failure?: ErrorBody };
};

type Server = Target["servers"][number];

/** Builds the router's OpenAI-compatible HTTP app over `nodes`; it owns no process resources. */
export function createApp(deps: AppDependencies): Hono<Env> {
  const app = new Hono<Env>();
  const created = Math.floor(Date.now() / 1000);

  app.use("*", async (c, next) => {
    const header = c.req.header("x-request-id");
    const requestId = header && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();
    const log = deps.logger.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    const started = performance.now();
    await next();
    c.res.headers.set("x-request-id", requestId);
    const status = c.res.status;
    deps.metrics.httpRequests.inc({ route: c.req.routePath, status: String(status) });
    const line = {
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round(performance.now() - started),
      ...c.get("routed"),
    };
    const failure = c.get("failure");
    if (!failure) log.info(line, "request");
    else if (status >= 500) log.error({ ...line, ...failure.error }, "request failed");
    else log.warn({ ...line, code: failure.error.code, message: failure.error.message }, "request refused");
  });

  app.onError((error, c) => {
    const { status, body, headers } = toErrorResponse(error);
    c.set("failure", body);
    if (status === 500) c.get("log").error({ err: error }, "internal error");
    return c.json(body, status as 400, headers);
  });
  app.notFound((c) =>
    c.json(
      {
        error: {
          message: `no route ${c.req.method} ${c.req.path}`,
          type: "invalid_request_error",
          code: "not_found",
          param: null,
        },
      },
      404,
    ),
  );

  /** The request body for `server`: the client's bytes, or with `model` renamed to the backend's name. */
  function bodyFor(server: Server, fields: RoutedFields, raw: Uint8Array): Uint8Array {
    if (server.name === fields.model) return raw;
    return new TextEncoder().encode(JSON.stringify({ ...fields.json, model: server.name }));
  }

  async function forward(c: Context<Env>, path: string) {
    const raw = await readBody(c.req.raw, deps.maxBodyBytes);
    const fields = routedFields(raw);
    const target = resolveTarget(fields.model, fields.mergedIds, deps.nodes);
    if (target.servers.length === 0) throw new ModelNotFoundError(fields.model);
    const live = target.servers.filter((s) => s.node.routable);
    if (live.length === 0) throw new NoNodeAvailableError(fields.model);
    const decision = chooseNode(
      target.key,
      live.map((s) => ({
        name: s.node.name,
        load: s.node.inFlight.size,
        resident: target.kind === "base" || s.node.isResident(s.name),
      })),
      deps.loadFactor,
    );
    // A cold adapter whose own node is down is placed on the next one: a failover, not a placement.
    const home = rendezvousOrder(
      target.key,
      target.servers.map((s) => s.node.name),
    )[0];
    const reason =
      target.kind !== "adapter"
        ? target.kind
        : decision.reason === "placement" && decision.order[0] !== home
          ? "failover"
          : decision.reason;
    deps.metrics.decisions.inc({ reason });
    const byName = new Map(live.map((s) => [s.node.name, s]));
    const requestId = c.get("requestId");
    const routed: Record<string, unknown> = { model: fields.model, reason, attempts: 0 };
    c.set("routed", routed);
    let refusal: { status: number; headers: Headers; body: Buffer } | undefined;

    for (const name of decision.order) {
      const server = byName.get(name) as Server;
      const { node } = server;
      if (!node.routable) continue;
      routed.attempts = (routed.attempts as number) + 1;
      routed.node = node.name;
      const release = track(node, requestId);
      let res: IncomingMessage;
      try {
        res = await postUpstream({
          url: `${node.url}${path}`,
          body: bodyFor(server, fields, raw),
          headers: { "x-request-id": requestId, ...node.headers() },
          connectTimeoutMs: deps.connectTimeoutMs,
          signal: c.req.raw.signal,
        });
      } catch (error) {
        if (error instanceof UnreachableError) {
          release("unreachable");
          node.markDown(error.message);
          deps.metrics.retries.inc({ reason: "unreachable" });
          continue;
        }
        release(c.req.raw.signal.aborted ? "client_closed" : "failed");
        throw new UpstreamFailedError(node.name, (error as Error).message);
      }
      const status = res.statusCode ?? 502;
      // A node that refuses new work (draining, queue full) served nothing: another node may.
      if (status === 503 || status === 429) {
        const body = await readAll(res).catch(() => Buffer.alloc(0));
        release("refused");
        if (status === 503 && errorCode(body) === "shutting_down") {
          node.status = "draining";
          node.lastError = "the node is shutting down";
        }
        refusal = { status, headers: responseHeaders(res, node), body };
        deps.metrics.retries.inc({ reason: status === 503 ? "unavailable" : "queue_full" });
        continue;
      }
      if (status < 400 && target.kind === "adapter") node.routedSinceListing.add(server.name);
      routed.status = status;
      return respond(res, server, fields, release);
    }
    if (refusal)
      return new Response(new Uint8Array(refusal.body), { status: refusal.status, headers: refusal.headers });
    throw new NoNodeAvailableError(fields.model);
  }

  let attempts = 0;

  /** Counts a request in flight on `node`; the returned function ends it once, with its outcome. */
  function track(node: NodeState, requestId: string) {
    const started = performance.now();
    const attempt = ++attempts;
    node.inFlight.set(attempt, requestId);
    deps.metrics.nodeInFlight.set({ node: node.name }, node.inFlight.size);
    let done = false;
    return (outcome: string) => {
      if (done) return;
      done = true;
      node.inFlight.delete(attempt);
      deps.metrics.nodeInFlight.set({ node: node.name }, node.inFlight.size);
      deps.metrics.upstream.inc({ node: node.name, outcome });
      deps.metrics.upstreamSeconds.observe({ node: node.name }, (performance.now() - started) / 1000);
    };
  }

  async function respond(
    res: IncomingMessage,
    server: Server,
    fields: RoutedFields,
    release: (outcome: string) => void,
  ): Promise<Response> {
    const status = res.statusCode ?? 502;
    const headers = responseHeaders(res, server.node);
    const renamed = server.name !== fields.model;
    const outcome = status < 400 ? "ok" : "error_status";
    if (!String(res.headers["content-type"]).startsWith("text/event-stream")) {
      let body: Buffer;
      try {
        body = await readAll(res);
      } catch (error) {
        release(error instanceof ReachedError ? "client_closed" : "failed");
        throw new UpstreamFailedError(server.node.name, (error as Error).message);
      }
      release(outcome);
      const text = renamed ? renameModelInJson(body, server.name, fields.model) : body;
      return new Response(new Uint8Array(text), { status, headers });
    }
    const events = new SseEvents();
    const encoder = new TextEncoder();
    const chunks = res[Symbol.asyncIterator]();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          for (;;) {
            const { done, value } = await chunks.next();
            if (done) {
              release(outcome);
              controller.close();
              return;
            }
            const complete = events.push(value as Buffer);
            if (complete.length === 0) continue;
            const text = complete
              .map((e) => (renamed ? renameModelInEvent(e, server.name, fields.model) : e))
              .join("");
            controller.enqueue(encoder.encode(text));
            return;
          }
        } catch (error) {
          if (error instanceof ReachedError) {
            release("client_closed");
            return controller.close();
          }
          release("failed");
          // The node died mid-stream: the inference node's convention for a failure after the
          // stream started is one error event, then [DONE].
          const failure = toErrorResponse(
            new UpstreamFailedError(server.node.name, (error as Error).message),
          );
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(failure.body)}\n\ndata: [DONE]\n\n`));
          controller.close();
        }
      },
      cancel() {
        res.destroy();
        release("client_closed");
      },
    });
    return new Response(stream, { status, headers });
  }

  for (const path of ["/v1/completions", "/v1/chat/completions"] as const)
    app.post(path, (c) => forward(c, path));

  app.get("/v1/models", (c) => c.json(mergedListing(deps.nodes, created)));

  app.get("/health", (c) => {
    const up = deps.nodes.filter((n) => n.routable).length;
    return c.json(
      {
        status: up > 0 ? "ok" : "no_nodes",
        nodes_up: up,
        nodes: deps.nodes.map((n) => ({
          name: n.name,
          url: n.url,
          kind: n.config.kind,
          status: n.status,
          in_flight: n.inFlight.size,
          resident_adapters: [...n.adapters.values()].filter((a) => a.resident).length,
          last_error: n.lastError ?? null,
        })),
      },
      up > 0 ? 200 : 503,
    );
  });

  app.get("/metrics", async (c) => {
    for (const node of deps.nodes) {
      deps.metrics.nodeUp.set({ node: node.name }, node.routable ? 1 : 0);
      deps.metrics.nodeInFlight.set({ node: node.name }, node.inFlight.size);
      deps.metrics.nodeAdapters.set(
        { node: node.name },
        [...node.adapters.values()].filter((a) => a.resident).length,
      );
    }
    return c.body(await deps.metrics.registry.metrics(), 200, {
      "content-type": deps.metrics.registry.contentType,
    });
  });

  return app;
}

/** The node's response headers a client needs; `x-routed-to` names the node that answered. */
function responseHeaders(res: IncomingMessage, node: NodeState): Headers {
  const headers = new Headers({ "x-routed-to": node.name });
  for (const name of ["content-type", "retry-after", "cache-control"]) {
    const value = res.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  return headers;
}

function errorCode(body: Buffer): string | undefined {
  try {
    return (JSON.parse(body.toString("utf8")) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

function renameModelInJson(body: Buffer, from: string, to: string): Buffer {
  try {
    const json = JSON.parse(body.toString("utf8")) as { model?: unknown };
    return json.model === from ? Buffer.from(JSON.stringify({ ...json, model: to })) : body;
  } catch {
    return body;
  }
}
