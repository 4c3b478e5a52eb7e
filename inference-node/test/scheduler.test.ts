import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerationOutput } from "../src/engine/generation.js";
import { LlamaSession } from "../src/engine/llamaSession.js";
import { type GenerationRequest, Scheduler } from "../src/engine/scheduler.js";
import {
  ContextLengthError,
  InvalidRequestError,
  NonFiniteLogitsError,
  QueueFullError,
  ShuttingDownError,
} from "../src/errors.js";
import { TINY_CONFIG } from "../src/model/config.js";
import { ByteTokenizer } from "../src/model/tokenizer.js";
import { adaptersFixture, syntheticAdapter, tinyModel } from "./helpers.js";

const config = TINY_CONFIG;
const tokenizer = new ByteTokenizer();
const greedy = { temperature: 0, topP: 1, topK: 0 };

describe("Scheduler", () => {
  const model = tinyModel(config, 11);
  let session: LlamaSession;
  let fixture: Awaited<ReturnType<typeof adaptersFixture>>;

  beforeAll(async () => {
    session = await LlamaSession.create(model.loraBytes, config);
    fixture = await adaptersFixture(config, [
      { id: "a", options: { rank: 4, seed: 1 } },
      { id: "b", options: { rank: 8, seed: 2, dtype: "F16" } },
      { id: "c", options: { rank: 8, seed: 3, useRslora: true, dtype: "BF16" } },
    ]);
  });
  afterAll(async () => {
    await session.release();
    await fixture.remove();
  });

  const request = (
    adapter: GenerationRequest["adapter"],
    prompt: string,
    extra: Partial<GenerationRequest> = {},
  ) => ({
    adapter,
    prompt: tokenizer.encode(prompt),
    sampling: greedy,
    maxTokens: 12,
    ...extra,
  });

  const alone = async (req: GenerationRequest) => {
    const scheduler = new Scheduler({ session, tokenizer, adapters: fixture.cache(), maxBatch: 1 });
    const output = await scheduler.submit(req).done;
    await scheduler.stop();
    return output;
  };

  it("gives every row of a mixed-adapter batch the output it gets alone, including late joiners", async () => {
    const requests = [
      request({ kind: "adapter", id: "a" }, "first prompt"),
      request({ kind: "base" }, "second"),
      request({ kind: "adapter", id: "b" }, "a third, longer prompt here"),
      request({ kind: "adapter", id: "c" }, "fourth"),
      request(
        {
          kind: "merge",
          parts: [
            { id: "a", weight: 0.5 },
            { id: "b", weight: 0.5 },
          ],
        },
        "fifth",
      ),
    ];
    const expected: GenerationOutput[] = [];
    for (const req of requests) expected.push(await alone(req));
    // The adapters make a difference, so the comparison below is meaningful.
    expect(new Set(expected.map((o) => o.text)).size).toBeGreaterThan(1);

    const scheduler = new Scheduler({ session, tokenizer, adapters: fixture.cache(), maxBatch: 8 });
    const early = requests.slice(0, 3).map((req) => scheduler.submit(req));
    const firstChunk = early[0]?.[Symbol.asyncIterator]().next();
    await firstChunk;
    const late = requests.slice(3).map((req) => scheduler.submit(req));
    const outputs = await Promise.all([...early, ...late].map((g) => g.done));
    expect(scheduler.steps).toBeGreaterThan(0);
    outputs.forEach((output, i) => {
      expect(output.text).toBe(expected[i]?.text);
      expect(output.completionTokens).toBe(expected[i]?.completionTokens);
    });
    await scheduler.stop();
  });

  it("splits prefill under a token budget without changing any output", async () => {
    const requests = ["one", "a somewhat longer prompt", "three", "four four"].map((p, i) =>
      request(i % 2 === 0 ? { kind: "adapter", id: "b" } : { kind: "base" }, p, { maxTokens: 6 }),
    );
    const expected: GenerationOutput[] = [];
    for (const req of requests) expected.push(await alone(req));
    const scheduler = new Scheduler({ session, tokenizer, adapters: fixture.cache(), maxPrefillTokens: 12 });
    const outputs = await Promise.all(requests.map((req) => scheduler.submit(req).done));
    expect(outputs.map((o) => o.text)).toEqual(expected.map((o) => o.text));
    await scheduler.stop();
  });

  it("streams deltas that add up to the final text, and honours max_tokens", async () => {
    const scheduler = new Scheduler({ session, tokenizer, adapters: fixture.cache() });
    const generation = scheduler.submit(request({ kind: "adapter", id: "a" }, "stream me", { maxTokens: 7 }));
    let streamed = "";
    for await (const delta of generation) streamed += delta;
    const output = await generation.done;
    expect(streamed).toBe(output.text);
    expect(output.completionTokens).toBeLessThanOrEqual(7);
    if (output.finishReason === "length") expect(output.completionTokens).toBe(7);
    await scheduler.stop();
  });

  it("cuts the output before a stop sequence", async () => {
    const free = await alone(request({ kind: "base" }, "stop test", { maxTokens: 16 }));
    const chars = [...free.text];
    expect(chars.length).toBeGreaterThan(3);
    const stop = chars.slice(2, 4).join("");
    const stopped = await alone(request({ kind: "base" }, "stop test", { maxTokens: 16, stop: [stop] }));
    expect(stopped.finishReason).toBe("stop");
    expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
  });

  it("samples reproducibly with a seed and differently without one mattering", async () => {
    const sampled = (seed: number) =>
      alone(
        request({ kind: "base" }, "sample", {
          sampling: { temperature: 1.5, topP: 0.95, topK: 50, seed },
          maxTokens: 24,
        }),
      );
    const [x, y, z] = [await sampled(1), await sampled(1), await sampled(2)];
    expect(x.text).toBe(y.text);
    expect(x.text).not.toBe(z.text);
  });

  it("cancels a running request through its AbortSignal", async () => {
    const scheduler = new Scheduler({ session, tokenizer, adapters: fixture.cache() });
    const controller = new AbortController();
    const generation = scheduler.submit(
      request({ kind: "base" }, "cancel me", { maxTokens: 100, signal: controller.signal }),
    );
    const iterator = generation[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    const output = await generation.done;
    expect(output.finishReason).toBe("abort");
    expect(output.completionTokens).toBeLessThan(100);
    expect(scheduler.activeRows).toBe(0);
    await scheduler.stop();
  });

  it("refuses what it cannot serve, before queueing", async () => {
    const scheduler = new Scheduler({
      session,
      tokenizer,
      adapters: fixture.cache(),
      maxQueue: 2,
      bankRank: 8,
    });
    expect(() =>
      scheduler.submit(request({ kind: "base" }, "x", { maxTokens: config.maxPositions })),
    ).toThrow(ContextLengthError);
    expect(() => scheduler.submit(request({ kind: "base" }, "x", { maxTokens: 0 }))).toThrow(
      InvalidRequestError,
    );
    const merged = scheduler.submit(
      request(
        {
          kind: "merge",
          parts: [
            { id: "b", weight: 1 },
            { id: "c", weight: 1 },
          ],
        },
        "x",
      ),
    );
    await expect(merged.ready).rejects.toThrow(/total rank 16, above the node's bank rank 8/);
    const unknown = scheduler.submit(request({ kind: "adapter", id: "nope" }, "x"));
    await expect(unknown.ready).rejects.toThrow(/neither "base" nor a registered adapter/);
    const fill = [
      scheduler.submit(request({ kind: "base" }, "one")),
      scheduler.submit(request({ kind: "base" }, "two")),
    ];
    expect(() => scheduler.submit(request({ kind: "base" }, "three"))).toThrow(QueueFullError);
    await Promise.all(fill.map((g) => g.done));
    await scheduler.stop();
  });

  it("fails only the row whose logits are not finite, with a clear error", async () => {
    const broken = {
      ...syntheticAdapter(config, "broken", { rank: 4, seed: 1 }),
      scale: Number.POSITIVE_INFINITY,
    };
    const scheduler = new Scheduler({
      session,
      tokenizer,
      adapters: { get: async (id) => (id === "broken" ? broken : fixture.cache().get(id)) },
      maxBatch: 4,
    });
    const bad = scheduler.submit(request({ kind: "adapter", id: "broken" }, "overflow"));
    const good = scheduler.submit(request({ kind: "base" }, "overflow"));
    await expect(bad.done).rejects.toThrow(NonFiniteLogitsError);
    expect((await good.done).completionTokens).toBeGreaterThan(0);
    await scheduler.stop();
  });

  it("refuses merge weights that are not finite or above the bound", () => {
    const scheduler = new Scheduler({ session, tokenizer, adapters: fixture.cache() });
    for (const weight of [1e308, -1e3, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => scheduler.submit(request({ kind: "merge", parts: [{ id: "a", weight }] }, "x"))).toThrow(
        /merge weight/,
      );
    }
  });

  it("drains: running work finishes, new work is refused, the rest fails at the bound", async () => {
    const scheduler = new Scheduler({ session, tokenizer, adapters: fixture.cache(), maxBatch: 2 });
    const running = scheduler.submit(request({ kind: "base" }, "finish me", { maxTokens: 8 }));
    const drained = scheduler.drain(10_000);
    expect(scheduler.accepting).toBe(false);
    expect(() => scheduler.submit(request({ kind: "base" }, "late"))).toThrow(ShuttingDownError);
    await drained;
    expect((await running.done).completionTokens).toBeGreaterThan(0);

    let release = () => {};
    const stuck = new Promise<never>((_, reject) => {
      release = () => reject(new Error("never loaded"));
    });
    const bounded = new Scheduler({ session, tokenizer, adapters: { get: () => stuck } });
    const waiting = bounded.submit(request({ kind: "adapter", id: "slow" }, "wait"));
    const started = performance.now();
    await bounded.drain(50);
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(waiting.done).rejects.toThrow(ShuttingDownError);
    release();
  });
});
