import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeAdapterIntoWeights } from "../src/adapters/lora.js";
import { readAdapterPackage } from "../src/adapters/peft.js";
import { syntheticPeftAdapter } from "../src/adapters/synthetic.js";
import { emptyCache } from "../src/engine/kvCache.js";
import { LlamaSession, lastLogits } from "../src/engine/llamaSession.js";
import { LoraBank } from "../src/engine/loraBank.js";
import { argmax } from "../src/engine/sampling.js";
import { LORA_TARGETS, projectionShape } from "../src/model/config.js";
import { type HfCheckpoint, readHfCheckpoint } from "../src/model/hfCheckpoint.js";
import {
  dequantizeInt4,
  gatherZeroPoints,
  type Int4Mode,
  quantizeInt4,
  quantizeTransposedInt4,
} from "../src/model/int4.js";
import { CONTRIB_DOMAIN, quantizeDecoderGraph } from "../src/model/int4Graph.js";
import { buildLlamaGraph } from "../src/model/llamaGraph.js";
import { buildHfGraph, loadModelDir } from "../src/model/loadModel.js";
import { attr, ElemType, encodeModel, GraphBuilder, valueInfo } from "../src/model/onnxGraph.js";
import { referenceForward } from "../src/model/reference.js";
import type { DecoderWeights } from "../src/model/weights.js";
import { startInferenceServer } from "../src/node.js";
import { adaptersFixture, capturedLogger, maxAbs, maxAbsDiff, promptLogits } from "./helpers.js";
import { type FamilyName, writeHfCheckpoint } from "./hfFixtures.js";

const MODES: Int4Mode[] = ["sym", "asym"];
const PROMPT = [5, 99, 17, 300, 42, 7, 256, 1];
/** Float32 graph against the TypeScript reference: summation order only (as hfCheckpoint.test). */
const TOL = 2e-3;

function seeded(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 2;
  });
}

/**
 * The quantizer written out plainly, value by value: per column and block of 32 rows, the scale
 * and zero point, then `(round(w / s) + z clamped to 0..15 - z) · s`.
 */
function plainDequantize(w: Float32Array, k: number, n: number, mode: Int4Mode): Float32Array {
  const out = new Float32Array(k * n);
  for (let col = 0; col < n; col++) {
    for (let start = 0; start < k; start += 32) {
      const rows: number[] = [];
      for (let row = start; row < Math.min(k, start + 32); row++) rows.push(row);
      const values = rows.map((row) => w[row * n + col] as number);
      let scale: number;
      let zero: number;
      if (mode === "asym") {
        const lo = Math.min(0, ...values);
        const hi = Math.max(0, ...values);
        scale = Math.fround((hi - lo) / 15);
        zero = scale === 0 ? 8 : Math.min(15, Math.max(0, Math.round(-lo / scale)));
      } else {
        const extreme = values.reduce((a, v) => (Math.abs(v) > Math.abs(a) ? v : a), 0);
        scale = Math.fround(extreme / -8);
        zero = 8;
      }
      for (const row of rows) {
        const q =
          scale === 0
            ? zero
            : Math.min(15, Math.max(0, Math.round((w[row * n + col] as number) / scale) + zero));
        out[row * n + col] = Math.fround((q - zero) * scale);
      }
    }
  }
  return out;
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

/** The weights as the int4 graph computes with them: every matrix through the plain quantizer. */
function dequantizedWeights(checkpoint: HfCheckpoint, mode: Int4Mode): DecoderWeights {
  const { llama } = checkpoint.spec;
  const { weights } = checkpoint;
  const h = llama.hiddenSize;
  const v = llama.vocabSize;
  return {
    ...weights,
    // The embedding [vocab, hidden] is quantized along hidden (as the output projection reads it).
    embedTokens: transpose(plainDequantize(transpose(weights.embedTokens, v, h), h, v, mode), h, v),
    lmHead: weights.lmHead ? plainDequantize(weights.lmHead, h, v, mode) : null,
    layers: weights.layers.map((layer) => {
      const proj = { ...layer.proj };
      for (const target of LORA_TARGETS) {
        const [inDim, outDim] = projectionShape(llama, target);
        proj[target] = plainDequantize(layer.proj[target], inDim, outDim, mode);
      }
      return { ...layer, proj };
    }),
  };
}

/** One contrib operator on its own, to read back what the runtime computes from our bytes. */
async function runContrib(
  opType: "MatMulNBits" | "GatherBlockQuantized",
  initializers: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[],
  inputs: string[],
  attributes: ReturnType<typeof attr.int>[],
  feed: { name: string; tensor: ort.Tensor; elemType: number; dims: (number | string)[] },
  outDims: (number | string)[],
): Promise<Float32Array> {
  const g = new GraphBuilder();
  g.inputs.push(valueInfo(feed.name, feed.elemType, feed.dims));
  g.outputs.push(valueInfo("y", ElemType.FLOAT, outDims));
  g.initializers.push(...initializers);
  g.nodes.push({
    opType,
    domain: CONTRIB_DOMAIN,
    name: "op",
    input: inputs,
    output: ["y"],
    attribute: attributes,
  });
  const model = g.toModel("contrib");
  model.opsetImport.push({ domain: CONTRIB_DOMAIN, version: 1 });
  const session = await ort.InferenceSession.create(encodeModel(model));
  try {
    return (await session.run({ [feed.name]: feed.tensor })).y?.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe("int4 quantizer (MatMulNBits layout, blocks of 32)", () => {
  // 96 rows = 3 blocks (an odd count of packed zero points); 80 rows end in a partial block.
  describe.each(MODES)("%s", (mode) => {
    it.each([96, 80])("dequantizes to the plain reference, %i rows", (k) => {
      const n = 24;
      const w = seeded(k * n, k);
      const q = quantizeInt4(w, k, n, mode);
      expect(q.zeroPoints === null).toBe(mode === "sym");
      const dequantized = dequantizeInt4(q);
      expect(Array.from(dequantized)).toEqual(Array.from(plainDequantize(w, k, n, mode)));
      // Every value is within half a step of its block; nothing is lost wholesale.
      for (let col = 0; col < n; col++) {
        for (let row = 0; row < k; row++) {
          const scale = Math.abs(q.scales[col * q.blocks + Math.floor(row / 32)] as number);
          const error = Math.abs((dequantized[row * n + col] as number) - (w[row * n + col] as number));
          expect(error).toBeLessThanOrEqual(scale * (mode === "sym" ? 1 : 0.5) + 1e-7);
        }
      }
    });

    it("is what ONNX Runtime's MatMulNBits computes with (x = identity gives W)", async () => {
      const k = 80;
      const n = 24;
      const q = quantizeInt4(seeded(k * n, 3), k, n, mode);
      const eye = new Float32Array(k * k);
      for (let i = 0; i < k; i++) eye[i * k + i] = 1;
      const stored = [
        { name: "B", dims: [n, q.blocks * 16], dataType: 2, rawData: q.packed },
        { name: "S", dims: [n, q.blocks], dataType: 1, rawData: new Uint8Array(q.scales.buffer) },
        ...(q.zeroPoints
          ? [{ name: "Z", dims: [n, Math.ceil(q.blocks / 2)], dataType: 2, rawData: q.zeroPoints }]
          : []),
      ];
      const out = await runContrib(
        "MatMulNBits",
        stored,
        ["x", ...stored.map((s) => s.name)],
        [attr.int("K", k), attr.int("N", n), attr.int("bits", 4), attr.int("block_size", 32)],
        { name: "x", tensor: new ort.Tensor("float32", eye, [k, k]), elemType: ElemType.FLOAT, dims: [k, k] },
        [k, n],
      );
      expect(maxAbsDiff(out, dequantizeInt4(q))).toBe(0);
    });

    it.each([64, 96])("is what GatherBlockQuantized reads for embedding rows, hidden %i", async (hidden) => {
      const vocab = 40;
      const table = seeded(vocab * hidden, 9);
      const q = quantizeTransposedInt4(table, vocab, hidden, mode);
      const ids = [0, 17, 39, 17];
      const stored = [
        { name: "B", dims: [vocab, hidden / 2], dataType: 2, rawData: q.packed },
        { name: "S", dims: [vocab, q.blocks], dataType: 1, rawData: new Uint8Array(q.scales.buffer) },
        ...(q.zeroPoints
          ? [
              {
                name: "Z",
                dims: [vocab, Math.ceil(q.blocks / 2)],
                dataType: 2,
                rawData: gatherZeroPoints(q) as Uint8Array,
              },
            ]
          : []),
      ];
      const out = await runContrib(
        "GatherBlockQuantized",
        stored,
        ["B", "ids", ...stored.slice(1).map((s) => s.name)],
        [
          attr.int("gather_axis", 0),
          attr.int("quantize_axis", 1),
          attr.int("bits", 4),
          attr.int("block_size", 32),
        ],
        {
          name: "ids",
          tensor: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [ids.length]),
          elemType: ElemType.INT64,
          dims: [ids.length],
        },
        [ids.length, hidden],
      );
      const rows = transpose(
        plainDequantize(transpose(table, vocab, hidden), hidden, vocab, mode),
        hidden,
        vocab,
      );
      const expected = ids.flatMap((id) => Array.from(rows.subarray(id * hidden, (id + 1) * hidden)));
      expect(maxAbsDiff(out, expected)).toBe(0);
    });
  });
});

/** Untied (Llama 3: lm_head of its own) and tied with biases (Qwen2: one packed embedding). */
const FAMILIES_UNDER_TEST: FamilyName[] = ["llama3", "qwen2"];

describe.each(FAMILIES_UNDER_TEST)("int4 weights on a %s checkpoint", (family) => {
  let root: string;
  let checkpoint: HfCheckpoint;
  let f32: LlamaSession;
  const sessions = new Map<Int4Mode, LlamaSession>();

  const logitsOf = (session: LlamaSession, slot = 0, bank?: LoraBank) =>
    promptLogits(session, PROMPT, slot, bank);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), `int4-${family}-`));
    await writeHfCheckpoint(join(root, "base"), family, { vocabSize: 512, dtype: "BF16" });
    checkpoint = await readHfCheckpoint(join(root, "base"));
    f32 = await LlamaSession.create(encodeModel(buildHfGraph(checkpoint)), checkpoint.spec.llama);
    for (const mode of MODES) {
      const graph = buildHfGraph(checkpoint, LORA_TARGETS, mode === "sym" ? "int4-sym" : "int4-asym");
      sessions.set(mode, await LlamaSession.create(encodeModel(graph), checkpoint.spec.llama));
    }
  }, 60_000);
  afterAll(async () => {
    await f32?.release();
    for (const session of sessions.values()) await session.release();
    await rm(root, { recursive: true, force: true });
  });

  it("holds every matrix in 4 bits and no float32 copy of one", () => {
    const { llama, architecture } = checkpoint.spec;
    const plain = buildLlamaGraph(llama, checkpoint.weights, { architecture, lastTokenLogits: true });
    const result = quantizeDecoderGraph(plain, "asym");
    expect(result.kept).toEqual([]);
    expect(result.quantized).toHaveLength(7 * llama.numLayers + (architecture.tiedEmbeddings ? 1 : 2));
    const ops = plain.graph?.node?.map((n) => n.opType) ?? [];
    expect(ops.filter((op) => op === "MatMulNBits")).toHaveLength(7 * llama.numLayers + 1);
    expect(ops).toContain("GatherBlockQuantized");
    const floatMatrices = (plain.graph?.initializer ?? []).filter(
      (t) => t.dataType === 1 && t.dims?.length === 2 && !t.name?.endsWith(".scales"),
    );
    expect(floatMatrices.map((t) => t.name)).toEqual([]);
  });

  it.each(MODES)("%s: logits equal the reference forward pass on the dequantized weights", async (mode) => {
    const { llama, architecture } = checkpoint.spec;
    const expected = referenceForward(llama, dequantizedWeights(checkpoint, mode), PROMPT, architecture, {
      lastOnly: true,
    }).at(-1) as Float32Array;
    expect(maxAbsDiff(await logitsOf(sessions.get(mode) as LlamaSession), expected)).toBeLessThan(TOL);
  });

  it.each(MODES)("%s: logits within the stated tolerance of the float32 model's", async (mode) => {
    const reference = await logitsOf(f32);
    const quantized = await logitsOf(sessions.get(mode) as LlamaSession);
    // Random weights fill every block evenly, the worst case for 4 bits: each weight is off by up
    // to half a step (asym) or a step (sym) of 1/15 of its block's range, through 16 matrices in a
    // row (2 layers × 7, embedding, output). Trained weights gather near 0 and lose less. Measured
    // on these checkpoints: RMS error 12-15 % of the RMS logit, largest error 10-15 % of the
    // largest logit; the bound is 20 % for both.
    const rms = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0) / v.length);
    const errors = quantized.map((v, i) => v - (reference[i] as number));
    expect(maxAbs(errors)).toBeGreaterThan(0);
    expect(rms(errors) / rms(reference)).toBeLessThan(0.2);
    expect(maxAbs(errors) / maxAbs(reference)).toBeLessThan(0.2);
  });

  it.each(MODES)("%s: a LoRA adapter adds exactly s·B·A to the quantized weights", async (mode) => {
    const { llama, architecture } = checkpoint.spec;
    const session = sessions.get(mode) as LlamaSession;
    const adapter = readAdapterPackage(
      "adapter",
      syntheticPeftAdapter(llama, { rank: 4, seed: 5, targets: LORA_TARGETS }).package,
      llama,
    );
    const bank = new LoraBank(session.modules, 3, 8);
    bank.write(2, adapter);
    const dequantized = dequantizedWeights(checkpoint, mode);
    const merged = mergeAdapterIntoWeights(
      { ...dequantized, lmHead: dequantized.lmHead ?? new Float32Array(0) },
      adapter,
    );
    const expected = referenceForward(
      llama,
      { ...merged, lmHead: dequantized.lmHead },
      PROMPT,
      architecture,
      { lastOnly: true },
    ).at(-1) as Float32Array;
    const base = await logitsOf(session);
    const served = await logitsOf(session, 2, bank);
    expect(maxAbsDiff(served, base)).toBeGreaterThan(0.05);
    expect(maxAbsDiff(served, expected)).toBeLessThan(TOL);
    expect(maxAbsDiff(await logitsOf(session, 0, bank), base)).toBeLessThan(1e-5);
  });
});

describe("int4 through loadModelDir", () => {
  it("keys the graph cache by weight format and serves the same graph from it", async () => {
    const root = await mkdtemp(join(tmpdir(), "int4-load-"));
    try {
      // The real vocabulary: the loader checks the tokenizer against the embedding.
      const dir = join(root, "smollm2");
      await writeHfCheckpoint(dir, "smollm2", { dtype: "BF16" });
      const cacheDir = join(root, "cache");
      const memory = await loadModelDir(dir, { weights: "int4-sym" });
      const int4 = await loadModelDir(dir, { weights: "int4-sym", graphCacheDir: cacheDir });
      const float = await loadModelDir(dir, { graphCacheDir: cacheDir });
      const again = await loadModelDir(dir, { weights: "int4-sym", graphCacheDir: cacheDir });
      expect([memory.graph, int4.graph, float.graph, again.graph]).toEqual([
        "memory",
        "built",
        "built",
        "cache",
      ]);
      expect([memory.weights, again.weights, float.weights]).toEqual(["int4-sym", "int4-sym", "f32"]);
      expect(again.model).toBe(int4.model);
      expect(again.model).not.toBe(float.model);
      const prompt = memory.tokenizer.encode("Hello world, again");
      const logits = async (model: string | Uint8Array) => {
        const session = await LlamaSession.create(model, memory.config);
        try {
          const step = await session.forward({
            cache: emptyCache(memory.config, 1),
            tokens: [prompt],
            positions: [0],
          });
          return lastLogits(step, memory.config.vocabSize)[0] as Float32Array;
        } finally {
          await session.release();
        }
      };
      const fromMemory = await logits(memory.model);
      expect(maxAbsDiff(await logits(again.model), fromMemory)).toBe(0);
      expect(maxAbsDiff(await logits(float.model), fromMemory)).toBeGreaterThan(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  it("serves an int4 checkpoint over HTTP with the int4 graph's greedy tokens", async () => {
    const root = await mkdtemp(join(tmpdir(), "int4-serve-"));
    const { logger } = capturedLogger();
    const written = await writeHfCheckpoint(join(root, "smollm2"), "smollm2", { dtype: "BF16", seed: 3 });
    const adapters = await adaptersFixture(written.llama, [{ id: "one", options: { rank: 4, seed: 1 } }]);
    const server = await startInferenceServer({
      modelDir: written.dir,
      adaptersDir: adapters.directory,
      weights: "int4-asym",
      port: 0,
      logger,
    });
    try {
      // Greedy on the int4 graph itself, up to an EOS id or 8 tokens.
      const loaded = await loadModelDir(written.dir, { weights: "int4-asym" });
      const session = await LlamaSession.create(loaded.model, loaded.config);
      const prompt = loaded.tokenizer.encode("Hello world");
      const tokens: number[] = [];
      let cache = emptyCache(loaded.config, 1);
      for (let i = 0; i < 8; i++) {
        const step = await session.forward({
          cache,
          tokens: [i === 0 ? prompt : [tokens.at(-1) as number]],
          positions: [i === 0 ? 0 : prompt.length + i - 1],
        });
        cache = step.cache;
        const token = argmax(lastLogits(step, loaded.config.vocabSize)[0] as Float32Array);
        if (loaded.tokenizer.eosIds.has(token)) break;
        tokens.push(token);
      }
      await session.release();
      expect(tokens.length).toBeGreaterThan(2);
      const response = await fetch(`${server.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "base", prompt: "Hello world", temperature: 0, max_tokens: 8 }),
      });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.usage.prompt_tokens).toBe(prompt.length);
      expect(body.choices[0].text).toBe(loaded.tokenizer.decode(tokens));
      const health = await (await fetch(`${server.url}/health`)).json();
      expect(health.status).toBe("ok");
    } finally {
      await server.close(1000);
      await adapters.remove();
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});
