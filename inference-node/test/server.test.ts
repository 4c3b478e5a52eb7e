import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BLOBS_DIR } from "../src/adapters/adapterDir.js";
import { TINY_CONFIG } from "../src/model/config.js";
import { type StartedServer, startInferenceServer } from "../src/node.js";
import { adaptersFixture, capturedLogger, rawPost, sseData, tinyModelDir } from "./helpers.js";

const config = TINY_CONFIG;

describe("HTTP API", () => {
  let modelDir: string;
  let fixture: Awaited<ReturnType<typeof adaptersFixture>>;
  let server: StartedServer;
  const { logger, logs } = capturedLogger();

  beforeAll(async () => {
    modelDir = await tinyModelDir(config, "inference-node-model-");
    fixture = await adaptersFixture(config, [
      { id: "alpha", options: { rank: 8, seed: 1 } },
      { id: "beta", options: { rank: 4, seed: 2, dtype: "BF16" } },
      { id: "tampered", options: { rank: 4, seed: 3 } },
    ]);
    // Flip one byte of a stored blob: its registered hash no longer matches.
    const path = join(fixture.directory, BLOBS_DIR, fixture.hashes.tampered as string);
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    await writeFile(path, bytes);
    server = await startInferenceServer({
      modelDir,
      adaptersDir: fixture.directory,
      port: 0,
      maxBatch: 4,
      maxQueue: 64,
      bankRank: 8,
      logger,
    });
  });
  afterAll(async () => {
    await server?.close();
    await fixture?.remove();
    await rm(modelDir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...init,
    });

  const sse = async (response: Response) => sseData(await response.text());

  it("completes a prompt with an adapter and reports usage", async () => {
    const response = await post("/v1/completions", {
      model: "alpha",
      prompt: "Hello",
      max_tokens: 6,
      temperature: 0,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const body = await response.json();
    expect(body).toMatchObject({ object: "text_completion", model: "alpha", usage: { prompt_tokens: 6 } });
    expect(body.choices[0].finish_reason).toMatch(/stop|length/);
    expect(body.usage.total_tokens).toBe(6 + body.usage.completion_tokens);
  });

  it("streams the same tokens as the non-streaming answer, then [DONE]", async () => {
    const request = { model: "beta", prompt: "Stream", max_tokens: 10, temperature: 0 };
    const whole = await (await post("/v1/completions", request)).json();
    const events = await sse(await post("/v1/completions", { ...request, stream: true }));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.choices[0].text).join("")).toBe(whole.choices[0].text);
    expect(chunks.at(-1)).toMatchObject({
      usage: whole.usage,
      choices: [{ finish_reason: whole.choices[0].finish_reason }],
    });
  });

  it("serves chat completions, streamed and not", async () => {
    const request = {
      model: "base",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 5,
      temperature: 0,
    };
    const whole = await (await post("/v1/chat/completions", request)).json();
    expect(whole).toMatchObject({ object: "chat.completion", choices: [{ message: { role: "assistant" } }] });
    const events = await sse(await post("/v1/chat/completions", { ...request, stream: true }));
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0].delta.content ?? "").join("")).toBe(
      whole.choices[0].message.content,
    );
  });

  it("counts a prompt's tokens as the completion endpoints do (/tokenize)", async () => {
    const messages = [{ role: "user", content: "How long is the Nile?" }];
    const chat = await (
      await post("/v1/chat/completions", { model: "alpha", messages, max_tokens: 2, temperature: 0 })
    ).json();
    const counted = await (await post("/tokenize", { model: "alpha", messages })).json();
    expect(counted.count).toBe(chat.usage.prompt_tokens);
    expect(counted.tokens).toHaveLength(counted.count);
    const plain = await (await post("/tokenize", { prompt: "Hello" })).json();
    expect(plain.count).toBe(6);
    const bad = await post("/tokenize", { messages: "not a list" });
    expect(bad.status).toBe(400);
  });

  it("serves a weighted merge of adapters and refuses one above the bank rank", async () => {
    const merged = await post("/v1/completions", {
      model: "alpha+beta",
      prompt: "mix",
      max_tokens: 4,
      merged_adapters: { ids: ["beta", "beta"], weights: [0.5, 0.25] },
    });
    expect(merged.status).toBe(200);
    const tooWide = await post("/v1/completions", {
      model: "x",
      prompt: "mix",
      max_tokens: 4,
      merged_adapters: { ids: ["alpha", "beta"], weights: [0.5, 0.5] },
    });
    expect(tooWide.status).toBe(400);
    expect((await tooWide.json()).error.message).toMatch(/total rank 12/);
  });

  it("answers 404 for an unknown adapter", async () => {
    const response = await post("/v1/completions", { model: "no-such-adapter", prompt: "x" });
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe("model_not_found");
  });

  it("refuses a tampered adapter, logs it, and never makes it resident", async () => {
    const response = await post("/v1/completions", { model: "tampered", prompt: "x", max_tokens: 2 });
    expect(response.status).toBe(502);
    const body = await response.json();
    expect(body.error.code).toBe("adapter_integrity_failed");
    expect(body.error.message).toContain(fixture.hashes.tampered);
    expect(
      logs.some((l) => l.adapter === "tampered" && l.level === 50 && l.expected === fixture.hashes.tampered),
    ).toBe(true);
    const models = await (await fetch(`${server.url}/v1/models`)).json();
    expect(models.data.find((m: { id: string }) => m.id === "tampered")).toMatchObject({ resident: false });
    expect(models.data.find((m: { id: string }) => m.id === "alpha")).toMatchObject({
      resident: true,
      sha256: fixture.hashes.alpha,
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/inference_adapter_loads_total\{result="integrity_failure"\} 1/);
  });

  it("answers 400 for a too-long prompt and bad parameters, 413 for a huge body", async () => {
    const long = await post("/v1/completions", { model: "base", prompt: "x".repeat(config.maxPositions) });
    expect(long.status).toBe(400);
    expect((await long.json()).error.code).toBe("context_length_exceeded");
    const overflow = await post("/v1/completions", {
      model: "base",
      prompt: "hi",
      max_tokens: config.maxPositions,
    });
    expect((await overflow.json()).error.code).toBe("context_length_exceeded");
    for (const bad of [
      { model: "base", prompt: "x", temperature: -1 },
      { model: "base", prompt: "x", top_p: 0 },
      { model: "base", prompt: "x", n: 2 },
      { model: "base", prompt: "x", max_tokens: 0 },
      { model: "base", prompt: "x", stop: ["a", "b", "c", "d", "e"] },
      { model: "base", prompt: 42 },
      { prompt: "x" },
      { model: "base", messages: [] },
    ]) {
      const response = await post("/v1/completions", bad);
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect((await response.json()).error.type).toBe("invalid_request_error");
    }
    const chat = await post("/v1/chat/completions", {
      model: "base",
      messages: [{ role: "robot", content: "x" }],
    });
    expect(chat.status).toBe(400);
    expect((await chat.json()).error.param).toBe("messages.0.role");
    // On its own connection: the server answers before reading the whole body, then closes it.
    const huge = await rawPost(
      `${server.url}/v1/completions`,
      JSON.stringify({ model: "base", prompt: "x".repeat(2 << 20) }),
    );
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body).error.code).toBe("body_too_large");
  });

  it("keeps serving after a burst of malformed requests", async () => {
    const junk = [
      "{",
      "null",
      "[]",
      '{"model": 1}',
      "\u0000\u0001",
      '{"model":"base","prompt":"x","seed":-4}',
    ];
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => post("/v1/completions", junk[i % junk.length] as string)),
    );
    expect(responses.every((r) => r.status === 400)).toBe(true);
    await Promise.all(responses.map((r) => r.text()));
    const good = await post("/v1/completions", { model: "alpha", prompt: "still here?", max_tokens: 3 });
    expect(good.status).toBe(200);
    const health = await (await fetch(`${server.url}/health`)).json();
    expect(health).toMatchObject({ status: "ok", queued: 0 });
  });

  it("cancels generation when a streaming client disconnects", async () => {
    const controller = new AbortController();
    const response = await post(
      "/v1/completions",
      { model: "base", prompt: "long", max_tokens: 100, stream: true },
      { signal: controller.signal },
    );
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    const deadline = Date.now() + 5000;
    let health = await (await fetch(`${server.url}/health`)).json();
    while (health.active_rows > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      health = await (await fetch(`${server.url}/health`)).json();
    }
    expect(health.active_rows).toBe(0);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/inference_generations_total\{reason="abort"\} 1/);
  });

  it("cancels a non-streaming generation when its client goes away", async () => {
    const aborts = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(/inference_generations_total\{reason="abort"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await aborts();
    const controller = new AbortController();
    const pending = post(
      "/v1/completions",
      { model: "base", prompt: "wait", max_tokens: 120 },
      { signal: controller.signal },
    );
    pending.catch(() => {});
    const deadline = Date.now() + 5000;
    while ((await (await fetch(`${server.url}/health`)).json()).active_rows === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    controller.abort();
    await expect(pending).rejects.toThrow();
    let health = await (await fetch(`${server.url}/health`)).json();
    while (health.active_rows > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      health = await (await fetch(`${server.url}/health`)).json();
    }
    expect(health.active_rows).toBe(0);
    expect(await aborts()).toBe(before + 1);
  });

  it("answers 429 when the queue is full and serves the rest", async () => {
    const small = await startInferenceServer({
      modelDir,
      adaptersDir: fixture.directory,
      port: 0,
      maxBatch: 1,
      maxQueue: 1,
      logger,
    });
    try {
      const responses = await Promise.all(
        Array.from({ length: 6 }, () =>
          fetch(`${small.url}/v1/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ model: "base", prompt: "queue", max_tokens: 20 }),
          }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses).toContain(200);
      expect(statuses).toContain(429);
      const refused = responses.find((r) => r.status === 429) as Response;
      expect((await refused.json()).error.code).toBe("queue_full");
      await Promise.all(responses.map((r) => r.text().catch(() => "")));
    } finally {
      await small.close();
    }
  });
});
