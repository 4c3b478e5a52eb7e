import { randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { Logger } from "pino";
import type { ZodType } from "zod";
import type { AdapterCache } from "../adapters/adapterCache.js";
import type { AdapterRegistry } from "../adapters/registry.js";
import type { Generation, GenerationOutput } from "../engine/generation.js";
import type { AdapterSpec, Scheduler } from "../engine/scheduler.js";
import {
  AdapterNotFoundError,
  ContextLengthError,
  InvalidRequestError,
  ShuttingDownError,
} from "../errors.js";
import type { NodeMetrics } from "../metrics.js";
import type { TextTokenizer } from "../model/tokenizer.js";
import { type AdminDependencies, registerAdminRoutes } from "./admin.js";
import { bodyLimit } from "./bodyLimit.js";
import { type ErrorBody, toErrorResponse } from "./errorResponse.js";
import {
  type ChatCompletionRequest,
  type CompletionRequest,
  chatCompletionRequestSchema,
  completionRequestSchema,
  tokenizeRequestSchema,
} from "./schemas.js";

export interface AppDependencies {
  scheduler: Scheduler;
  tokenizer: TextTokenizer;
  registry: AdapterRegistry;
  cache: AdapterCache;
  metrics: NodeMetrics;
  logger: Logger;
  /** Name of the base model (also accepted as `model`, like "base"). */
  baseModelName: string;
  maxContextTokens: number;
  /** max_tokens when the request gives none (capped by the context left). */
  defaultMaxTokens?: number;
  /** Largest accepted request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** The admin routes (`/v1/load_lora_adapter`, `/v1/unload_lora_adapter`). */
  admin: AdminDependencies;
}

export type AppEnv = {
  Variables: { requestId: string; log: Logger; failure?: { error: unknown; body: ErrorBody } };
};

/** Builds the OpenAI-compatible HTTP app around a scheduler; it owns no process resources. */
export function createApp(deps: AppDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const created = Math.floor(Date.now() / 1000);

  app.use("*", async (c, next) => {
    const header = c.req.header("x-request-id");
    const requestId = header && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();
    const log = deps.logger.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    c.header("x-request-id", requestId);
    const started = performance.now();
    await next();
    const ms = Math.round(performance.now() - started);
    const status = c.res.status;
    // While draining, every answer ends its connection so the shutdown is not held by keep-alive.
    if (!deps.scheduler.accepting) c.res.headers.set("connection", "close");
    deps.metrics.httpRequests.inc({ route: c.req.routePath, status: String(status) });
    // One line per request; a refusal or failure carries its code and message on the same line.
    const line = { method: c.req.method, path: c.req.path, status, ms };
    const failure = c.get("failure");
    if (!failure) log.info(line, "request");
    else if (status >= 500)
      log.error({ ...line, ...failure.body.error, err: failure.error }, "request failed");
    else
      log.warn(
        { ...line, code: failure.body.error.code, message: failure.body.error.message },
        "request refused",
      );
  });

  app.onError((error, c) => {
    const { status, body, headers } = toErrorResponse(error);
    c.set("failure", { error, body });
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

  const limit = bodyLimit({ maxBytes: deps.maxBodyBytes ?? 1 << 20 });
  registerAdminRoutes(app, deps.admin, limit);

  /** Reads the whole body before any refusal, so even a 503 leaves the connection clean. */
  async function parseBody<T>(raw: () => Promise<unknown>, schema: ZodType<T>): Promise<T> {
    let json: unknown;
    try {
      json = await raw();
    } catch {
      throw new InvalidRequestError("the request body is not valid JSON");
    }
    if (!deps.scheduler.accepting) throw new ShuttingDownError();
    return schema.parse(json);
  }

  function adapterSpec(body: CompletionRequest | ChatCompletionRequest): AdapterSpec {
    if (body.merged_adapters) {
      const { ids, weights } = body.merged_adapters;
      return { kind: "merge", parts: ids.map((id, i) => ({ id, weight: weights[i] as number })) };
    }
    if (body.model === "base" || body.model === deps.baseModelName) return { kind: "base" };
    return { kind: "adapter", id: body.model };
  }

  /**
   * Asks the registry on every request, not only when an adapter is loaded: an adapter withdrawn
   * from the registry (a model retired or delisted on-chain) stops being served while resident.
   */
  async function registeredAdapter(body: CompletionRequest | ChatCompletionRequest): Promise<AdapterSpec> {
    const spec = adapterSpec(body);
    const hashOf = async (id: string) => {
      const record = await deps.registry.lookup(id);
      if (!record) throw new AdapterNotFoundError(id);
      return record.sha256;
    };
    if (spec.kind === "adapter") return { ...spec, sha256: await hashOf(spec.id) };
    if (spec.kind === "merge") {
      const parts = [];
      for (const part of spec.parts) parts.push({ ...part, sha256: await hashOf(part.id) });
      return { kind: "merge", parts };
    }
    return spec;
  }

  function submit(
    body: CompletionRequest | ChatCompletionRequest,
    adapter: AdapterSpec,
    tokens: number[],
    signal: AbortSignal,
    requestId: string,
  ) {
    const room = deps.maxContextTokens - tokens.length;
    if (room < 1) {
      throw new ContextLengthError(
        `the prompt has ${tokens.length} tokens; the context holds ${deps.maxContextTokens}`,
        "prompt",
      );
    }
    return deps.scheduler.submit({
      id: requestId,
      adapter,
      prompt: tokens,
      maxTokens: body.max_tokens ?? Math.min(deps.defaultMaxTokens ?? 128, room),
      stop: body.stop,
      sampling: {
        temperature: body.temperature,
        topP: body.top_p,
        topK: body.top_k,
        ...(body.seed === undefined ? {} : { seed: body.seed }),
      },
      signal,
    });
  }

  const usage = (output: GenerationOutput) => ({
    prompt_tokens: output.promptTokens,
    completion_tokens: output.completionTokens,
    total_tokens: output.promptTokens + output.completionTokens,
  });

  /** Ties a generation to the client connection: a disconnect aborts it. */
  function connectionSignal(request: Request): AbortController {
    const controller = new AbortController();
    if (request.signal.aborted) controller.abort();
    else request.signal.addEventListener("abort", () => controller.abort(), { once: true });
    return controller;
  }

  async function respond(
    c: Context<AppEnv>,
    body: CompletionRequest | ChatCompletionRequest,
    generation: Generation,
    controller: AbortController,
    kind: "text" | "chat",
  ) {
    await generation.ready;
    const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${generation.id}`;
    const object = kind === "chat" ? "chat.completion" : "text_completion";
    const now = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      const output = await generation.done;
      const choice =
        kind === "chat"
          ? {
              index: 0,
              message: { role: "assistant", content: output.text },
              finish_reason: output.finishReason,
              logprobs: null,
            }
          : { index: 0, text: output.text, finish_reason: output.finishReason, logprobs: null };
      return c.json({ id, object, created: now, model: body.model, choices: [choice], usage: usage(output) });
    }
    const chunkObject = kind === "chat" ? "chat.completion.chunk" : "text_completion";
    const chunk = (delta: string | null, finishReason: string | null, extra: object = {}) => ({
      id,
      object: chunkObject,
      created: now,
      model: body.model,
      choices: [
        kind === "chat"
          ? {
              index: 0,
              delta: delta === null ? {} : { content: delta },
              finish_reason: finishReason,
              logprobs: null,
            }
          : { index: 0, text: delta ?? "", finish_reason: finishReason, logprobs: null },
      ],
      ...extra,
    });
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => controller.abort());
      if (kind === "chat") {
        await stream.writeSSE({
          data: JSON.stringify({
            ...chunk(null, null),
            choices: [
              { index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null },
            ],
          }),
        });
      }
      try {
        for await (const delta of generation)
          await stream.writeSSE({ data: JSON.stringify(chunk(delta, null)) });
        const output = await generation.done;
        await stream.writeSSE({
          data: JSON.stringify(chunk(null, output.finishReason, { usage: usage(output) })),
        });
      } catch (error) {
        const { status, body: errorBody } = toErrorResponse(error);
        const log = c.get("log");
        if (status >= 500) log.error({ ...errorBody.error, status, err: error }, "stream failed");
        else log.warn({ ...errorBody.error, status }, "stream failed");
        await stream.writeSSE({ data: JSON.stringify(errorBody) });
      }
      await stream.writeSSE({ data: "[DONE]" });
    });
  }

  app.post("/v1/completions", limit, async (c) => {
    const body = await parseBody(() => c.req.json(), completionRequestSchema);
    const adapter = await registeredAdapter(body);
    const controller = connectionSignal(c.req.raw);
    const prompt = deps.tokenizer.encode(body.prompt);
    const generation = submit(body, adapter, prompt, controller.signal, c.get("requestId"));
    return respond(c, body, generation, controller, "text");
  });

  app.post("/v1/chat/completions", limit, async (c) => {
    const body = await parseBody(() => c.req.json(), chatCompletionRequestSchema);
    const adapter = await registeredAdapter(body);
    const controller = connectionSignal(c.req.raw);
    const prompt = deps.tokenizer.encodeChat(body.messages);
    const generation = submit(body, adapter, prompt, controller.signal, c.get("requestId"));
    return respond(c, body, generation, controller, "chat");
  });

  // vLLM's `/tokenize`: what a prompt costs in tokens before it runs (metered keepers price calls with it).
  app.post("/tokenize", limit, async (c) => {
    const body = await parseBody(() => c.req.json(), tokenizeRequestSchema);
    const tokens =
      "messages" in body ? deps.tokenizer.encodeChat(body.messages) : deps.tokenizer.encode(body.prompt);
    return c.json({ count: tokens.length, max_model_len: deps.maxContextTokens, tokens });
  });

  app.get("/v1/models", async (c) => {
    const resident = new Set(deps.cache.residentIds());
    const records = await deps.registry.list();
    return c.json({
      object: "list",
      data: [
        {
          id: "base",
          object: "model",
          created,
          owned_by: "payable-ai",
          root: deps.baseModelName,
          parent: null,
          resident: true,
        },
        ...records.map((r) => ({
          id: r.id,
          object: "model",
          created,
          owned_by: "payable-ai",
          root: deps.baseModelName,
          parent: "base",
          sha256: r.sha256,
          resident: resident.has(r.id),
        })),
      ],
    });
  });

  // 503 while draining, so load balancers stop sending work here before the node goes away.
  app.get("/health", (c) =>
    c.json(
      {
        status: deps.scheduler.accepting ? "ok" : "shutting_down",
        model: deps.baseModelName,
        active_rows: deps.scheduler.activeRows,
        queued: deps.scheduler.queued,
        max_batch: deps.scheduler.maxBatch,
        max_queue: deps.scheduler.maxQueue,
        resident_adapters: deps.cache.residentIds().length,
        adapter_cache_bytes: deps.cache.bytes,
        adapter_cache_budget_bytes: deps.cache.budgetBytes,
      },
      deps.scheduler.accepting ? 200 : 503,
    ),
  );

  app.get("/metrics", async (c) => {
    deps.metrics.adapterCacheBytes.set(deps.cache.bytes);
    deps.metrics.adapterCacheBudget.set(deps.cache.budgetBytes);
    deps.metrics.batchRows.set(deps.scheduler.activeRows);
    deps.metrics.queueDepth.set(deps.scheduler.queued);
    return c.body(await deps.metrics.registry.metrics(), 200, {
      "content-type": deps.metrics.registry.contentType,
    });
  });

  return app;
}
