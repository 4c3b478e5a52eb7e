import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeAdapterIntoWeights } from "../src/adapters/lora.js";
import { concatCaches, emptyCache } from "../src/engine/kvCache.js";
import { LlamaSession, lastLogits } from "../src/engine/llamaSession.js";
import { LoraBank } from "../src/engine/loraBank.js";
import { addLoraInputs } from "../src/model/addLora.js";
import { LORA_TARGETS, TINY_CONFIG } from "../src/model/config.js";
import { buildLlamaGraph } from "../src/model/llamaGraph.js";
import { encodeModel } from "../src/model/onnxGraph.js";
import { referenceForward } from "../src/model/reference.js";
import { maxAbs, maxAbsDiff, mergeAdaptersLinear, syntheticAdapter, tinyModel } from "./helpers.js";

const config = TINY_CONFIG;
const V = config.vocabSize;
const TOL = 2e-3;
const prompt = [256, 72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100];

describe("Llama ONNX graph", () => {
  const model = tinyModel(config, 7, LORA_TARGETS);
  const adapterA = syntheticAdapter(config, "a", { rank: 4, seed: 1, targets: LORA_TARGETS });
  const adapterB = syntheticAdapter(config, "b", {
    rank: 8,
    seed: 2,
    targets: ["q_proj", "v_proj"],
    useRslora: true,
  });
  let plain: LlamaSession;
  let lora: LlamaSession;
  let bank: LoraBank;

  beforeAll(async () => {
    plain = await LlamaSession.create(model.plainBytes, config);
    lora = await LlamaSession.create(model.loraBytes, config);
    bank = new LoraBank(lora.modules, 4, 8);
    bank.write(1, adapterA);
    bank.write(2, adapterB);
  });
  afterAll(async () => {
    await plain.release();
    await lora.release();
  });

  const full = (session: LlamaSession, tokens: number[], slot = 0) =>
    session.forward({
      cache: emptyCache(config, 1),
      tokens: [tokens],
      positions: [0],
      slots: session.hasLora ? [slot] : undefined,
      bank: session.hasLora ? bank : undefined,
    });

  it("matches the TypeScript reference without adapters", async () => {
    const expected = referenceForward(config, model.weights, prompt);
    for (const session of [plain, lora]) {
      const { logits } = await full(session, prompt);
      expect(maxAbs(logits)).toBeGreaterThan(1);
      prompt.forEach((_, t) => {
        expect(maxAbsDiff(logits.subarray(t * V, (t + 1) * V), expected[t] as Float32Array)).toBeLessThan(
          TOL,
        );
      });
    }
  });

  it("matches the reference with merged weights for adapters in slots (mixed rank, rsLoRA)", async () => {
    for (const [slot, adapter] of [
      [1, adapterA],
      [2, adapterB],
    ] as const) {
      const expected = referenceForward(config, mergeAdapterIntoWeights(model.weights, adapter), prompt);
      const base = referenceForward(config, model.weights, prompt);
      const { logits } = await full(lora, prompt, slot);
      const last = prompt.length - 1;
      // The adapter must actually change the output, and the graph must agree with merged weights.
      expect(maxAbsDiff(expected[last] as Float32Array, base[last] as Float32Array)).toBeGreaterThan(0.1);
      expect(maxAbsDiff(logits.subarray(last * V), expected[last] as Float32Array)).toBeLessThan(TOL);
    }
  });

  it("computes each row of a mixed-adapter, mixed-length batch as if alone", async () => {
    const rows = [prompt, prompt.slice(0, 5), prompt.slice(3), [256, 1, 2]];
    const slots = [1, 2, 0, 1];
    const batch = await lora.forward({
      cache: emptyCache(config, rows.length),
      tokens: rows,
      positions: [0, 0, 0, 0],
      slots,
      bank,
    });
    const batchLast = lastLogits(batch, V);
    for (let r = 0; r < rows.length; r++) {
      const alone = await full(lora, rows[r] as number[], slots[r]);
      expect(maxAbsDiff(batchLast[r] as Float32Array, lastLogits(alone, V)[0] as Float32Array)).toBeLessThan(
        1e-4,
      );
    }
  });

  it("decodes with the KV cache exactly as a full recomputation", async () => {
    const prefillLength = 6;
    let step = await lora.forward({
      cache: emptyCache(config, 1),
      tokens: [prompt.slice(0, prefillLength)],
      positions: [0],
      slots: [1],
      bank,
    });
    for (let t = prefillLength; t < prompt.length; t++) {
      step = await lora.forward({
        cache: step.cache,
        tokens: [[prompt[t] as number]],
        positions: [t],
        slots: [1],
        bank,
      });
      const recomputed = await full(lora, prompt.slice(0, t + 1), 1);
      expect(
        maxAbsDiff(lastLogits(step, V)[0] as Float32Array, lastLogits(recomputed, V)[0] as Float32Array),
      ).toBeLessThan(1e-4);
    }
  });

  it("decodes a batch whose rows joined at different times (left-padded cache)", async () => {
    const first = await lora.forward({
      cache: emptyCache(config, 1),
      tokens: [prompt.slice(0, 9)],
      positions: [0],
      slots: [2],
      bank,
    });
    const second = await lora.forward({
      cache: emptyCache(config, 1),
      tokens: [prompt.slice(0, 3)],
      positions: [0],
      slots: [1],
      bank,
    });
    const joined = concatCaches(config, first.cache, second.cache);
    const step = await lora.forward({
      cache: joined,
      tokens: [[prompt[9] as number], [prompt[3] as number]],
      positions: [9, 3],
      slots: [2, 1],
      bank,
    });
    const alone0 = await full(lora, prompt.slice(0, 10), 2);
    const alone1 = await full(lora, prompt.slice(0, 4), 1);
    expect(
      maxAbsDiff(lastLogits(step, V)[0] as Float32Array, lastLogits(alone0, V)[0] as Float32Array),
    ).toBeLessThan(1e-4);
    expect(
      maxAbsDiff(lastLogits(step, V)[1] as Float32Array, lastLogits(alone1, V)[0] as Float32Array),
    ).toBeLessThan(1e-4);
  });

  it("serves a weighted linear merge equal to merging both adapters into the weights", async () => {
    const merged = mergeAdaptersLinear("a+b", [
      { adapter: adapterA, weight: 0.7 },
      { adapter: adapterB, weight: -0.4 },
    ]);
    const mergedBank = new LoraBank(lora.modules, 2, merged.rank);
    mergedBank.write(1, merged);
    const weights = mergeAdapterIntoWeights(
      mergeAdapterIntoWeights(model.weights, adapterA, 0.7),
      adapterB,
      -0.4,
    );
    const expected = referenceForward(config, weights, prompt);
    const { logits } = await lora.forward({
      cache: emptyCache(config, 1),
      tokens: [prompt],
      positions: [0],
      slots: [1],
      bank: mergedBank,
    });
    const last = prompt.length - 1;
    expect(maxAbsDiff(logits.subarray(last * V), expected[last] as Float32Array)).toBeLessThan(TOL);
  });

  it("adds LoRA inputs to an exported graph and refuses graphs without projections", () => {
    const plainGraph = buildLlamaGraph(config, model.weights);
    const { modules } = addLoraInputs(plainGraph, ["q_proj", "v_proj"]);
    expect(modules.map((m) => `${m.layer}.${m.target}`)).toEqual([
      "0.q_proj",
      "0.v_proj",
      "1.q_proj",
      "1.v_proj",
    ]);
    expect(modules[0]).toMatchObject({ inDim: 64, outDim: 64 });
    expect(modules[1]).toMatchObject({ inDim: 64, outDim: 32 });
    const adapted = addLoraInputs(plainGraph).model;
    expect(() => addLoraInputs(adapted)).toThrow(/already has LoRA inputs/);
    const empty = structuredClone(plainGraph);
    if (!empty.graph?.node) throw new Error("graph without nodes");
    empty.graph.node = empty.graph.node.filter((n) => !n.name?.includes("q_proj"));
    expect(() => addLoraInputs(empty)).toThrow(/no q_proj projection/);
  });

  it("finds projections by weight name when node names differ, and computes the same logits", async () => {
    const renamed = buildLlamaGraph(config, model.weights);
    renamed.graph?.node?.forEach((node, i) => {
      node.name = `node_${i}`;
    });
    const { model: adapted, modules } = addLoraInputs(renamed, LORA_TARGETS);
    expect(modules).toHaveLength(config.numLayers * LORA_TARGETS.length);
    const session = await LlamaSession.create(encodeModel(adapted), config);
    try {
      const step = { cache: emptyCache(config, 1), tokens: [prompt], positions: [0], slots: [1], bank };
      const ours = await session.forward(step);
      const reference = await lora.forward(step);
      expect(maxAbsDiff(ours.logits, reference.logits)).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });

  it("refuses an adapter whose modules the graph does not adapt", () => {
    const attentionOnly = new LoraBank(
      lora.modules.filter((m) => m.target === "q_proj"),
      2,
      8,
    );
    expect(() => attentionOnly.write(1, adapterA)).toThrow(/does not adapt/);
    expect(() => new LoraBank(lora.modules, 2, 2).write(1, adapterA)).toThrow(/above the bank rank/);
  });
});
