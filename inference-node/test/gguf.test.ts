import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromHalf, quantizeQ8_0, toHalf, writeLlamaGguf } from "../bench/gguf.js";
import { emptyCache } from "../src/engine/kvCache.js";
import { LlamaSession, lastLogits } from "../src/engine/llamaSession.js";
import { argmax } from "../src/engine/sampling.js";
import { SMALL_CONFIG } from "../src/model/config.js";
import { buildLlamaGraph } from "../src/model/llamaGraph.js";
import { encodeModel } from "../src/model/onnxGraph.js";
import { BOS_TOKEN } from "../src/model/tokenizer.js";
import { generateLlamaWeights } from "../src/model/weights.js";

// The llama.cpp comparison is only fair if llama.cpp runs the node's weights: the GGUF the benchmark
// writes must give the same greedy continuation as the node's graph.
const config = { ...SMALL_CONFIG, intermediateSize: 704 }; // Q8_0 rows: multiples of 32
const prompt = [BOS_TOKEN, ...Array.from({ length: 20 }, (_, i) => 40 + i)];

describe("GGUF writer (llama.cpp side of the benchmark)", () => {
  const weights = generateLlamaWeights(config, 3);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gguf-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("f16 scales and Q8_0 blocks round-trip within their precision", () => {
    for (const x of [1, 0.5, 1e-3, 2.71, 65504, 6e-5]) {
      expect(Math.abs(fromHalf(toHalf(x)) - x) / x).toBeLessThan(1e-3);
    }
    const data = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * (i < 32 ? 1 : 0.01));
    const q = quantizeQ8_0(data, 32);
    expect(q.length).toBe(2 * 34);
    const view = new DataView(q.buffer);
    for (let b = 0; b < 2; b++) {
      const d = fromHalf(view.getUint16(b * 34, true));
      for (let i = 0; i < 32; i++) {
        const restored = d * view.getInt8(b * 34 + 2 + i);
        expect(Math.abs(restored - (data[b * 32 + i] as number))).toBeLessThanOrEqual(d * 0.51);
      }
    }
    expect(() => quantizeQ8_0(new Float32Array(48), 48)).toThrow(/multiple of 32/);
  });

  it("llama.cpp continues an F32 GGUF exactly as the node's graph does", async () => {
    const session = await LlamaSession.create(encodeModel(buildLlamaGraph(config, weights)), config);
    const ours: number[] = [];
    let step = await session.forward({ cache: emptyCache(config, 1), tokens: [prompt], positions: [0] });
    for (let position = prompt.length; ours.length < 16; position++) {
      const token = argmax(lastLogits(step, config.vocabSize)[0] as Float32Array);
      ours.push(token);
      step = await session.forward({ cache: step.cache, tokens: [[token]], positions: [position] });
    }
    await session.release();

    const path = join(dir, "f32.gguf");
    await writeLlamaGguf(path, config, weights, "F32");
    await writeLlamaGguf(join(dir, "q8_0.gguf"), config, weights, "Q8_0");
    const llama = await getLlama({
      gpu: false,
      build: "never",
      logLevel: LlamaLogLevel.error,
      maxThreads: 1,
    });
    const theirs = async (file: string) => {
      const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      const out: number[] = [];
      for await (const token of context.getSequence().evaluate(prompt as never, { temperature: 0 })) {
        out.push(token);
        if (out.length >= 16) break;
      }
      await context.dispose();
      await model.dispose();
      return out;
    };
    expect(await theirs(path)).toEqual(ours);
    // Q8_0 is a different model numerically; it must load and start the same way on these weights.
    expect((await theirs(join(dir, "q8_0.gguf"))).slice(0, 2)).toEqual(ours.slice(0, 2));
  }, 120_000);
});
