import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { answerRecipe } from "@payable-ai/attribution";
import { type Deployment, modelAdapterId, toJson } from "@payable-ai/sdk";
import { createParser } from "eventsource-parser";
import { type Context, type ErrorHandler, Hono, type NotFoundHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { type Logger, pino } from "pino";
import { z } from "zod";
import { FactoryError } from "../errors.js";
import { ADAPTER_PACKAGE_FILE } from "../output/peftAdapter.js";
import {
  hyperparametersSchema,
  PRESET_NAMES,
  PRESETS,
  resolveHyperparameters,
} from "../train/hyperparameters.js";
import { createJobSchema, isTerminal, type JobEvent, type JobManager } from "./jobs.js";
import { contributionIndex, parseCitations, prepareRag } from "./rag.js";

export interface FactoryAppDependencies {
  jobs: JobManager;
  /** The chain the web app registers models on (`GET /chain`). */
  chain?: ChainInfo;
  /** An inference node (OpenAI-compatible) for the chat playground (`POST /jobs/:id/chat`). */
  inferenceUrl?: string;
  /** One child per request, with its `requestId`; silent when left out. */
  logger?: Logger;
  /** Largest request body in bytes (default 4 MiB: a job over 100,000 contributions fits). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface ChainInfo {
  /** JSON-RPC URL as the browser reaches it. */
  rpcUrl: string;
  deployment: Deployment;
  /** A local development chain: the web app offers anvil's well-known dev account. */
  local?: boolean;
}

const json = toJson;

type Env = {
  Variables: { requestId: string; log: Logger; failure?: { error: unknown; status: number; code: string } };
};

/** A client's `x-request-id` is kept when it is 1–128 word characters, dots, colons or dashes. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The Model Factory job API:
 * `GET /health`, `GET /base-models`, `GET /hyperparameters/defaults`, `GET /hyperparameters/presets`,
 * `POST /jobs`, `GET /jobs`, `GET /jobs/:id`, `POST /jobs/:id/cancel`,
 * `GET /jobs/:id/events` (SSE: `status`, `progress`, `eval`), `GET /jobs/:id/adapter`.
 */
export function createFactoryApp(deps: FactoryAppDependencies): Hono<Env> {
  const logger = deps.logger ?? pino({ level: "silent" });
  const root = new Hono<Env>();
  root.use(async (c, next) => {
    const header = c.req.header("x-request-id");
    const requestId = header !== undefined && REQUEST_ID.test(header) ? header : randomUUID();
    const log = logger.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    c.header("x-request-id", requestId);
    const started = performance.now();
    await next();
    // One line per request; a refusal carries its code and message, a failure its stack.
    const line = { method: c.req.method, path: c.req.path, status: c.res.status };
    const ms = Math.round(performance.now() - started);
    const failure = c.get("failure");
    if (!failure) log.info({ ...line, ms }, "request");
    else if (failure.status >= 500 && failure.code === "internal")
      log.error({ ...line, ms, code: failure.code, err: failure.error }, "request failed");
    else
      log.warn(
        { ...line, ms, code: failure.code, message: (failure.error as Error).message },
        "request refused",
      );
  });
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  root.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new FactoryError(413, "payload_too_large", `the body exceeds ${maxBodyBytes} bytes`);
      },
    }),
  );
  const api = createApi(deps.jobs, deps.chain, deps.inferenceUrl);
  root.onError(handleError);
  root.notFound(handleNotFound);
  root.route("/", api);
  return root;
}

const chatSchema = z.object({
  /**
   * The model to ask: an on-chain model id (served by the inference node as `model-<id>`, the
   * name keepers use too) or any other name the node serves.
   */
  model: z
    .string()
    .min(1)
    .transform((m) => (/^\d+$/.test(m) ? modelAdapterId(BigInt(m)) : m)),
  question: z.string().min(1).max(2000),
  k: z.number().int().min(1).max(8).default(3),
  /** As many tokens as keepers let the model write, so the playground shows the answer a request gets. */
  maxTokens: z.number().int().min(1).max(256).default(answerRecipe.maxOutputTokens),
});

const compareSchema = z.object({
  prompt: z.string().min(1).max(2000),
  maxTokens: z.number().int().min(1).max(256).default(64),
});

/**
 * The one place that maps errors to HTTP statuses. An error that is not a {@link FactoryError}
 * or a validation failure answers 500 with the request id only; the middleware logs its stack.
 */
export function errorBody(
  error: unknown,
  requestId: string,
): { status: FactoryError["status"] | 500; code: string; message: string } {
  if (error instanceof FactoryError)
    return { status: error.status, code: error.code, message: error.message };
  if (error instanceof z.ZodError)
    return { status: 400, code: "invalid_request", message: z.prettifyError(error) };
  return { status: 500, code: "internal", message: `internal error (request ${requestId})` };
}

const handleError: ErrorHandler<Env> = (error, c) => {
  const { status, code, message } = errorBody(error, c.get("requestId"));
  c.set("failure", { error, status, code });
  return c.json({ error: { code, message } }, status);
};

const handleNotFound: NotFoundHandler<Env> = (c) =>
  c.json({ error: { code: "not_found", message: `no route ${c.req.method} ${c.req.path}` } }, 404);

/** The request body as JSON, or a 400 `invalid_json`. */
async function readJson(c: Context<Env>): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new FactoryError(400, "invalid_json", "the body must be JSON");
  }
}

/**
 * A failure after an event stream began cannot change the status: it ends the stream with an
 * `error` event in the usual shape, and the log gets the cause. (Caught here rather than by
 * `streamSSE`'s own handler, which would also send the raw message.)
 */
function guardedStream(c: Context<Env>, body: (stream: SSEStreamingApi) => Promise<void>) {
  return async (stream: SSEStreamingApi) => {
    try {
      await body(stream);
    } catch (error) {
      const { code, message } = errorBody(error, c.get("requestId"));
      if (code === "internal") c.get("log").error({ path: c.req.path, err: error }, "stream failed");
      else c.get("log").warn({ path: c.req.path, code, message }, "stream refused");
      if (!stream.aborted)
        await stream.writeSSE({ event: "error", data: json({ error: { code, message } }) });
    }
  };
}

function createApi(
  jobs: JobManager,
  chain: ChainInfo | undefined,
  inferenceUrl: string | undefined,
): Hono<Env> {
  const app = new Hono<Env>();

  app.onError(handleError);
  app.notFound(handleNotFound);

  app.get("/health", (c) => c.json({ ok: true, jobs: jobs.list().length }));
  app.get("/base-models", (c) => c.json({ baseModels: jobs.baseModelNames }));
  app.get("/chain", (c) => {
    if (!chain) throw new FactoryError(404, "no_chain", "this service was started without --rpc-url");
    return c.json({ rpcUrl: chain.rpcUrl, local: chain.local ?? false, ...chain.deployment });
  });
  app.get("/gateway/domain", async (c) => {
    if (!jobs.dataSource.domain) {
      throw new FactoryError(
        404,
        "no_gateway",
        `${jobs.dataSource.description} does not check access signatures`,
      );
    }
    return c.json(await jobs.dataSource.domain());
  });
  app.get("/hyperparameters/defaults", (c) => c.json(hyperparametersSchema.parse({})));
  app.get("/hyperparameters/presets", (c) =>
    c.json({
      default: "memorize for a datanet of questions with answers, standard otherwise",
      presets: Object.fromEntries(
        PRESET_NAMES.map((name) => [
          name,
          {
            description: PRESETS[name].description,
            hyperparameters: resolveHyperparameters({}, name),
          },
        ]),
      ),
    }),
  );

  app.post("/jobs", async (c) => {
    const job = await jobs.create(createJobSchema.parse(await readJson(c)), c.get("log"));
    return c.json(job, 201);
  });
  app.get("/jobs", (c) => c.json({ jobs: jobs.list() }));
  app.get("/jobs/:id", (c) => c.json(jobs.get(c.req.param("id"))));
  app.post("/jobs/:id/cancel", async (c) => c.json(await jobs.cancel(c.req.param("id"))));

  app.post("/jobs/:id/compare", async (c) => {
    const { prompt, maxTokens } = compareSchema.parse(await readJson(c));
    const answers = await jobs.compare(c.req.param("id"), prompt, maxTokens);
    return c.json({ prompt, ...answers });
  });

  app.post("/jobs/:id/chat", async (c) => {
    if (!inferenceUrl)
      throw new FactoryError(404, "no_inference_node", "this service was started without an inference node");
    const { model, question, k, maxTokens } = chatSchema.parse(await readJson(c));
    // Asked as keepers ask it: the question alone, in the chat format the model was trained
    // in; the retrieved passages are shown as the related sources.
    const { passages } = prepareRag(contributionIndex(await jobs.examples(c.req.param("id"))), question, k);
    let upstream: Response;
    try {
      upstream = await fetch(new URL("/v1/chat/completions", inferenceUrl), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model,
          messages: [{ role: "user", content: question.trim() }],
          stream: true,
          max_tokens: maxTokens,
          temperature: 0,
        }),
        signal: c.req.raw.signal,
      });
    } catch (error) {
      throw new FactoryError(502, "inference_unreachable", `inference node: ${(error as Error).message}`);
    }
    if (!upstream.ok || !upstream.body) {
      const detail = (await upstream.json().catch(() => null)) as { error?: { message?: string } } | null;
      const message = `inference node: ${detail?.error?.message ?? upstream.statusText}`;
      throw new FactoryError(upstream.status === 404 ? 404 : 502, "inference_failed", message);
    }
    const reader = upstream.body.getReader();
    return streamSSE(
      c,
      guardedStream(c, async (stream) => {
        const sources = passages.map((p, i) => ({
          n: i + 1,
          contributionId: p.contributionId.toString(),
          uri: p.uri,
          score: p.score,
        }));
        await stream.writeSSE({ event: "sources", data: json(sources) });
        const decoder = new TextDecoder();
        let answer = "";
        // The inference node streams OpenAI-style chunks; a maintained parser handles CRLF, comments and
        // data split over lines or reads.
        const tokens: string[] = [];
        const parser = createParser({
          onEvent: ({ data }) => {
            if (data === "[DONE]") return;
            const text = (JSON.parse(data) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]
              ?.delta?.content;
            if (text) tokens.push(text);
          },
        });
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
          for (const text of tokens.splice(0)) {
            answer += text;
            await stream.writeSSE({ event: "token", data: json({ text }) });
          }
        }
        const cited = parseCitations(answer, passages).map(String);
        await stream.writeSSE({ event: "done", data: json({ answer, cited }) });
      }),
    );
  });

  app.get("/jobs/:id/adapter", async (c) => {
    const job = jobs.get(c.req.param("id"));
    if (job.status !== "completed" || !job.output) {
      throw new FactoryError(
        409,
        "job_not_completed",
        `job ${job.id} is ${job.status}; the adapter exists once it completes`,
      );
    }
    const bytes = await readFile(join(jobs.jobDir(job.id), "output", ADAPTER_PACKAGE_FILE));
    return c.body(new Uint8Array(bytes), 200, {
      "content-type": "application/octet-stream",
      "x-adapter-sha256": job.output.adapterHash,
    });
  });

  app.get("/jobs/:id/events", (c) => {
    const id = c.req.param("id");
    const job = jobs.get(id);
    return streamSSE(
      c,
      guardedStream(c, async (stream) => {
        const queue: JobEvent[] = [];
        let wake: (() => void) | undefined;
        const unsubscribe = jobs.subscribe(id, (event) => {
          queue.push(event);
          wake?.();
        });
        stream.onAbort(() => {
          unsubscribe();
          wake?.();
        });
        try {
          await stream.writeSSE({ event: "status", data: json(job) });
          if (job.progress) await stream.writeSSE({ event: "progress", data: json(job.progress) });
          let done = isTerminal(job.status);
          while (!done && !stream.aborted) {
            if (queue.length === 0) await new Promise<void>((r) => (wake = r));
            wake = undefined;
            for (const event of queue.splice(0)) {
              if (event.type === "status") {
                await stream.writeSSE({ event: "status", data: json(event.job) });
                done ||= isTerminal(event.job.status);
              } else if (event.type === "progress") {
                await stream.writeSSE({ event: "progress", data: json(event.progress) });
              } else {
                await stream.writeSSE({ event: "eval", data: json(event) });
              }
            }
          }
        } finally {
          unsubscribe();
        }
      }),
    );
  });

  return app;
}
