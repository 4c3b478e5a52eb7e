import { rm } from "node:fs/promises";
import { Agent } from "node:http";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BlobSource } from "../src/adapters/blobSource.js";
import { TINY_CONFIG } from "../src/model/config.js";
import { type StartedServer, startInferenceServer } from "../src/node.js";
import {
  adaptersFixture,
  capturedLogger,
  type RawResponse,
  rawPost,
  sseData,
  tinyModelDir,
} from "./helpers.js";

const config = { ...TINY_CONFIG, maxPositions: 512 };

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("operations", () => {
  let modelDir: string;
  let fixture: Awaited<ReturnType<typeof adaptersFixture>>;
  let server: StartedServer;
  const { logger, logs } = capturedLogger();

  beforeAll(async () => {
    modelDir = await tinyModelDir(config, "inference-node-ops-");
    fixture = await adaptersFixture(config, [
      { id: "alpha", options: { rank: 4, seed: 1 } },
      { id: "beta", options: { rank: 4, seed: 2 } },
    ]);
    server = await startInferenceServer({
      modelDir,
      adaptersDir: fixture.directory,
      maxBatch: 1,
      maxQueue: 1,
      retryAfterSeconds: 3,
      logger,
    });
  });
  afterAll(async () => {
    await server?.close();
    await fixture?.remove();
    await rm(modelDir, { recursive: true, force: true });
  });

  it("treats a subnormal temperature as greedy", async () => {
    const prompt = { model: "base", prompt: "Hello", max_tokens: 8 };
    const greedy = await (await post(server.url, { ...prompt, temperature: 0 })).json();
    for (const temperature of [5e-324, 1e-300, 1e-9]) {
      const response = await post(server.url, { ...prompt, temperature, seed: 1 });
      expect(response.status).toBe(200);
      expect((await response.json()).choices[0].text).toBe(greedy.choices[0].text);
    }
  });

  it("refuses merge weights out of range with 400, never garbage text", async () => {
    for (const weight of [1e308, -1e308, 101]) {
      const response = await post(server.url, {
        model: "mix",
        prompt: "x",
        max_tokens: 2,
        merged_adapters: { ids: ["alpha", "beta"], weights: [weight, 1] },
      });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({
        code: "invalid_request",
        param: "merged_adapters.weights.0",
      });
    }
  });

  it("delivers every 413 on one keep-alive connection and keeps serving on it", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = `${server.url}/v1/completions`;
      const huge = JSON.stringify({ model: "base", prompt: "x".repeat(2 << 20) });
      const responses: RawResponse[] = [];
      for (let i = 0; i < 6; i++) responses.push(await rawPost(url, huge, { agent, chunked: i % 2 === 1 }));
      responses.push(
        await rawPost(url, JSON.stringify({ model: "base", prompt: "hi", max_tokens: 2 }), { agent }),
      );
      expect(responses.map((r) => r.status)).toEqual([413, 413, 413, 413, 413, 413, 200]);
      expect(JSON.parse(responses[0]?.body as string).error.code).toBe("body_too_large");
      expect(responses.slice(1).every((r) => r.reusedSocket)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it("answers 429 with Retry-After and writes one log line per refusal", async () => {
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        post(
          server.url,
          { model: "base", prompt: "queue", max_tokens: 20 },
          { "x-request-id": `burst-${i}` },
        ),
      ),
    );
    await Promise.all(responses.map((r) => r.text()));
    const refused = responses.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.headers.get("retry-after")).toBe("3");
    const notFound = await post(server.url, { model: "nope", prompt: "x" }, { "x-request-id": "missing-1" });
    expect(notFound.status).toBe(404);
    const bad = await post(server.url, { model: "base", prompt: 1 }, { "x-request-id": "bad-1" });
    expect(bad.status).toBe(400);
    const linesOf = (id: string) => logs.filter((l) => l.requestId === id);
    for (const id of ["missing-1", "bad-1", ...refused.map((r) => r.headers.get("x-request-id") as string)]) {
      expect(linesOf(id), id).toHaveLength(1);
      expect(linesOf(id)[0]).toMatchObject({ level: 40, msg: "request refused" });
    }
    expect(linesOf("missing-1")[0]).toMatchObject({ status: 404, code: "model_not_found" });
  });
});

describe("shutdown", () => {
  let modelDir: string;
  let fixture: Awaited<ReturnType<typeof adaptersFixture>>;
  const logger = pino({ level: "silent" });

  beforeAll(async () => {
    modelDir = await tinyModelDir(config, "inference-node-drain-");
    fixture = await adaptersFixture(config, [{ id: "alpha", options: { rank: 4, seed: 1 } }]);
  });
  afterAll(async () => {
    await fixture?.remove();
    await rm(modelDir, { recursive: true, force: true });
  });

  /** A blob source that holds every fetch until `open()`. */
  function gatedSource(): BlobSource & { open(): void } {
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    return {
      description: "gated",
      get: async (sha256, signal) => {
        await gate;
        return fixture.source.get(sha256, signal);
      },
      open,
    };
  }

  const start = (source: BlobSource, shutdownGraceMs?: number) =>
    startInferenceServer({ modelDir, registry: fixture.registry, source, shutdownGraceMs, logger });

  const waitFor = async (
    url: string,
    ready: (health: { active_rows: number; queued: number }) => boolean,
  ) => {
    const deadline = Date.now() + 5000;
    while (!ready(await (await fetch(`${url}/health`)).json())) {
      if (Date.now() > deadline) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it("lets in-flight generations finish and refuses new ones with 503", async () => {
    const source = gatedSource();
    const server = await start(source);
    const inFlight = post(server.url, { model: "alpha", prompt: "finish me", max_tokens: 16 });
    await waitFor(server.url, (h) => h.queued === 1);
    const started = performance.now();
    const closed = server.close();
    const refused = await post(server.url, { model: "base", prompt: "late" });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBeTruthy();
    expect((await refused.json()).error).toMatchObject({
      code: "shutting_down",
      message: expect.stringMatching(/shutting down/),
    });
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect((await health.json()).status).toBe("shutting_down");
    source.open();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect((await response.json()).usage.completion_tokens).toBeGreaterThan(0);
    await closed;
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("at the bound, delivers a 503 to waiting requests and an error event then [DONE] to streams", async () => {
    const source = gatedSource();
    const server = await start(source);
    const waiting = post(server.url, { model: "alpha", prompt: "never loads", max_tokens: 4 });
    await waitFor(server.url, (h) => h.queued === 1);
    // Greedy on this model and prompt runs 118 tokens before EOS: far longer than a zero bound.
    const stream = await post(server.url, {
      model: "base",
      prompt: "a",
      max_tokens: 500,
      temperature: 0,
      stream: true,
    });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    const started = performance.now();
    const closed = server.close(0);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const events = sseData(text);
    expect(events.at(-1)).toBe("[DONE]");
    expect(JSON.parse(events.at(-2) as string).error).toMatchObject({ code: "shutting_down" });
    const refused = await waiting;
    expect(refused.status).toBe(503);
    expect((await refused.json()).error.code).toBe("shutting_down");
    await closed;
    expect(performance.now() - started).toBeLessThan(3000);
    source.open();
  });
});
