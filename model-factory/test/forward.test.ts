import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateLlamaWeights,
  type LoraAdapter,
  mergeAdapterIntoWeights,
  referenceForward,
  TINY_CONFIG,
} from "../src/base/inferenceNode.js";
import { type BaseModel, loadBaseModel } from "../src/base/loadBaseModel.js";
import { initBackend, tf } from "../src/train/backend.js";
import { LoraLlama } from "../src/train/loraLlama.js";
import { maxAbs, maxAbsDiff, tempDir, tinyModelDir } from "./helpers.js";

const V = TINY_CONFIG.vocabSize;
const TOL = 2e-3;
const prompts = [
  [256, 72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100],
  [256, 113, 58, 32, 50, 43, 50],
];

describe("LoraLlama forward pass", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let base: BaseModel;

  beforeAll(async () => {
    await initBackend();
    dir = await tempDir("forward");
    base = await loadBaseModel(await tinyModelDir(dir.path));
  });
  afterAll(() => dir.remove());

  it("reads exactly the generated weights back from model.onnx", () => {
    const expected = generateLlamaWeights(TINY_CONFIG, 7);
    expect(base.weights.embedTokens).toEqual(expected.embedTokens);
    expect(base.weights.lmHead).toEqual(expected.lmHead);
    expect(base.weights.layers[1]?.proj.down_proj).toEqual(expected.layers[1]?.proj.down_proj);
    expect(base.weights.layers[0]?.postAttentionNorm).toEqual(expected.layers[0]?.postAttentionNorm);
  });

  const logitsOf = (model: LoraLlama, rows: number[][]) => {
    const length = Math.max(...rows.map((r) => r.length));
    const ids = new Int32Array(rows.length * length).fill(258);
    for (const [i, r] of rows.entries()) ids.set(r, i * length);
    return {
      length,
      values: tf.tidy(() => model.logits(ids, rows.length, length)).dataSync() as Float32Array,
    };
  };

  it("matches the inference node's reference forward pass without LoRA (batched, right-padded)", () => {
    const model = new LoraLlama({
      llama: base.llama,
      weights: base.weights,
      lora: { rank: 4, alpha: 8, targets: ["q_proj", "v_proj"], useRslora: false },
      seed: 1,
    });
    const { length, values } = logitsOf(model, prompts);
    prompts.forEach((tokens, row) => {
      const expected = referenceForward(base.llama, base.weights, tokens);
      tokens.forEach((_, t) => {
        const start = (row * length + t) * V;
        const got = values.subarray(start, start + V);
        expect(maxAbs(got)).toBeGreaterThan(1);
        expect(maxAbsDiff(got, expected[t] as Float32Array)).toBeLessThan(TOL);
      });
    });
    model.dispose();
  });

  it("matches the reference forward pass of the merged weights with non-zero LoRA on every target", () => {
    const targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;
    const model = new LoraLlama({
      llama: base.llama,
      weights: base.weights,
      lora: { rank: 4, alpha: 16, targets, useRslora: true },
      seed: 3,
    });
    // Give B values so the adapter changes the output (training starts from B = 0).
    const state = model.readLora();
    let i = 0;
    for (const [key, value] of state) {
      if (key.endsWith(".B")) for (let j = 0; j < value.length; j++) value[j] = Math.sin(++i) * 0.2;
    }
    model.writeLora(state);
    const adapter: LoraAdapter = {
      id: "t",
      rank: 4,
      scale: model.scale,
      modules: model.loraModules(),
      bytes: 0,
    };
    const merged = mergeAdapterIntoWeights(base.weights, adapter);
    const tokens = prompts[0] as number[];
    const { values } = logitsOf(model, [tokens]);
    const expected = referenceForward(base.llama, merged, tokens);
    const plain = referenceForward(base.llama, base.weights, tokens);
    const last = tokens.length - 1;
    expect(maxAbsDiff(expected[last] as Float32Array, plain[last] as Float32Array)).toBeGreaterThan(0.05);
    tokens.forEach((_, t) => {
      expect(maxAbsDiff(values.subarray(t * V, (t + 1) * V), expected[t] as Float32Array)).toBeLessThan(TOL);
    });
    model.dispose();
  });
});
