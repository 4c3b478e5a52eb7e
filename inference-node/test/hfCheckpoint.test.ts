import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyCache } from "../src/engine/kvCache.js";
import { LlamaSession, lastLogits } from "../src/engine/llamaSession.js";
import { InvalidRequestError, ModelFormatError } from "../src/errors.js";
import { LLAMA_ARCHITECTURE, ropeInverseFrequencies } from "../src/model/architecture.js";
import { readHfCheckpoint } from "../src/model/hfCheckpoint.js";
import { HfTokenizer } from "../src/model/hfTokenizer.js";
import { type LoadedModel, loadModelDir } from "../src/model/loadModel.js";
import { decodeModel } from "../src/model/onnxGraph.js";
import { referenceForward } from "../src/model/reference.js";
import { maxAbs, maxAbsDiff } from "./helpers.js";
import {
  FAMILIES,
  type FamilyName,
  MISTRAL_STYLE_TEMPLATE,
  vocabularyFiles,
  type WrittenCheckpoint,
  writeHfCheckpoint,
} from "./hfFixtures.js";

const TOL = 2e-3;
const TEXT = "The quick brown fox, naïve café 日本";
const LAST = { lastOnly: true };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "hf-checkpoint-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const CHAT = [
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "Hi" },
];

/**
 * What each vocabulary and template must give: ids of "Hello world" as the vocabulary numbers them
 * (with the BOS its tokenizer.json adds), its two pieces, the EOS ids, and the chat above written
 * by hand as the family's real template writes it (null: the checkpoint has no template).
 */
const EXPECTED: Record<
  FamilyName,
  { hello: number[]; pieces: string[]; eos: number[]; chat: string | null; chatStart?: number }
> = {
  llama3: {
    hello: [9906, 1917],
    pieces: ["Hello", "Ġworld"],
    eos: [128001, 128009],
    chatStart: 128000,
    chat: "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
  },
  smollm2: { hello: [1, 22557, 1526], pieces: ["▁Hello", "▁world"], eos: [2], chat: null },
  mistral: {
    hello: [1, 22557, 1526],
    pieces: ["▁Hello", "▁world"],
    eos: [2],
    chatStart: 1,
    chat: "<s>[INST] Be brief.\n\nHi [/INST]",
  },
  qwen2: {
    hello: [9707, 1879],
    pieces: ["Hello", "Ġworld"],
    eos: [151643, 151645],
    chatStart: 151644,
    chat: "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
  },
  qwen3: {
    hello: [9707, 1879],
    pieces: ["Hello", "Ġworld"],
    eos: [151645],
    chatStart: 151644,
    chat: "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
  },
  gemma: {
    hello: [2, 9259, 1902],
    pieces: ["Hello", "▁world"],
    eos: [1, 106],
    chatStart: 2,
    chat: "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n",
  },
};

/** Each family once, in the dtype and file layout given, against the reference forward pass. */
const CASES: { family: FamilyName; dtype: "F32" | "F16" | "BF16"; shards: number }[] = [
  { family: "llama3", dtype: "BF16", shards: 3 },
  { family: "smollm2", dtype: "F32", shards: 1 },
  { family: "mistral", dtype: "F16", shards: 1 },
  { family: "qwen2", dtype: "BF16", shards: 2 },
  { family: "qwen3", dtype: "F32", shards: 1 },
  { family: "gemma", dtype: "BF16", shards: 1 },
];

describe.each(CASES)(
  "Hugging Face checkpoint: $family ($dtype, $shards shard(s))",
  ({ family, dtype, shards }) => {
    let written: WrittenCheckpoint;
    let loaded: LoadedModel;
    let session: LlamaSession;
    let prompt: number[];

    beforeAll(async () => {
      written = await writeHfCheckpoint(join(root, family), family, { dtype, shards });
      loaded = await loadModelDir(written.dir);
      session = await LlamaSession.create(loaded.model, loaded.config);
      prompt = loaded.tokenizer.encode(TEXT).slice(0, 10);
    }, 60_000);
    afterAll(async () => {
      await session.release();
    });

    it("reads the family's shape and builds a LoRA graph with last-position logits", () => {
      expect(loaded.format).toBe("huggingface");
      expect(loaded.family).toBe(FAMILIES[family].config.model_type);
      expect(loaded.config).toEqual(written.llama);
      expect(session.hasLora).toBe(true);
      expect(session.modules).toHaveLength(7 * written.llama.numLayers);
    });

    it("gives the reference forward pass's logits, prefill and cached decode", {
      timeout: 30_000,
    }, async () => {
      const V = written.llama.vocabSize;
      const expected = referenceForward(written.llama, written.weights, prompt, written.architecture, LAST);
      let step = await session.forward({
        cache: emptyCache(loaded.config, 1),
        tokens: [prompt],
        positions: [0],
      });
      expect(step.logitSteps).toBe(1);
      expect(step.logits.length).toBe(V);
      expect(maxAbs(step.logits)).toBeGreaterThan(0.5);
      expect(
        maxAbsDiff(lastLogits(step, V)[0] as Float32Array, expected.at(-1) as Float32Array),
      ).toBeLessThan(TOL);
      const continued = [...prompt];
      for (const next of [17, 1000]) {
        continued.push(next);
        step = await session.forward({
          cache: step.cache,
          tokens: [[next]],
          positions: [continued.length - 1],
        });
        const reference = referenceForward(
          written.llama,
          written.weights,
          continued,
          written.architecture,
          LAST,
        );
        expect(
          maxAbsDiff(lastLogits(step, V)[0] as Float32Array, reference.at(-1) as Float32Array),
        ).toBeLessThan(TOL);
      }
    });

    it("depends on the family's differences (the plain Llama reference disagrees)", () => {
      // Mistral's decoder is Llama's, SmolLM2's differs only by its tied output (checked below).
      if (family === "mistral" || family === "smollm2") return;
      const plainArchitecture = {
        ...LLAMA_ARCHITECTURE,
        tiedEmbeddings: written.architecture.tiedEmbeddings,
      };
      const plain = referenceForward(written.llama, written.weights, prompt, plainArchitecture, LAST);
      const real = referenceForward(written.llama, written.weights, prompt, written.architecture, LAST);
      expect(maxAbsDiff(plain.at(-1) as Float32Array, real.at(-1) as Float32Array)).toBeGreaterThan(0.05);
    });

    it("tokenizes with the vocabulary's own ids and round-trips text", { timeout: 30_000 }, async () => {
      const tokenizer = loaded.tokenizer as HfTokenizer;
      const expected = EXPECTED[family];
      const vocab = JSON.parse(await readFile(join(written.dir, "tokenizer.json"), "utf8")).model.vocab;
      expect(tokenizer.encode("Hello world")).toEqual(expected.hello);
      expect(expected.hello.slice(-2)).toEqual(expected.pieces.map((piece) => vocab[piece]));
      for (const text of [TEXT, "  two spaces\nand a newline", "emoji 🦊 and ümlauts"]) {
        const ids = tokenizer.encode(text);
        expect(tokenizer.decode(ids)).toBe(text);
        const decoder = tokenizer.createDecoder();
        const streamed = ids.map((id) => decoder.push(id)).join("") + decoder.flush();
        expect(streamed).toBe(text);
      }
      expect([...tokenizer.eosIds].sort((a, b) => a - b)).toEqual(expected.eos);
    });

    it("renders the chat with the family's template", () => {
      const tokenizer = loaded.tokenizer as HfTokenizer;
      const expected = EXPECTED[family].chat;
      if (expected === null) {
        expect(() => tokenizer.encodeChat(CHAT)).toThrow(/no chat template/);
        return;
      }
      expect(tokenizer.renderChat(CHAT)).toBe(expected);
      // The template writes the special tokens; encoding adds none (no doubled BOS).
      const ids = tokenizer.encodeChat(CHAT);
      const first = EXPECTED[family].chatStart;
      expect(ids[0]).toBe(first);
      expect(ids.filter((id) => id === first)).toHaveLength(first === 151644 ? 3 : 1);
      expect(tokenizer.decode(ids)).toBe(tokenizer.decode(tokenizer.encode(expected)));
    });

    it("keeps one vocabulary-sized tensor per use: tied embeddings are shared, not copied", () => {
      const graph = decodeModel(loaded.model as Uint8Array).graph;
      const big = (graph?.initializer ?? []).filter((t) =>
        t.dims?.map(Number).includes(written.llama.vocabSize),
      );
      expect(big.map((t) => t.name).sort()).toEqual(
        written.architecture.tiedEmbeddings
          ? ["model.embed_tokens.weight"]
          : ["lm_head.weight", "model.embed_tokens.weight"],
      );
      expect(graph?.node?.some((n) => n.opType === "OneHot")).toBe(false);
    });
  },
);

describe("Llama 3 RoPE scaling", () => {
  it("keeps high frequencies, divides low ones by the factor and blends between", () => {
    const config = { ...FAMILIES.llama3.architecture };
    const llama = {
      vocabSize: 8,
      hiddenSize: 64,
      intermediateSize: 8,
      numLayers: 1,
      numHeads: 4,
      numKvHeads: 4,
      rmsNormEps: 1e-6,
      ropeTheta: 10000,
      maxPositions: 64,
    };
    const plain = ropeInverseFrequencies(llama, null);
    const scaled = ropeInverseFrequencies(llama, config.ropeScaling);
    // head_dim 16: wavelengths 2π·10000^(2i/16); high-frequency band below 32/4 = 8, low above 32.
    expect(scaled[0]).toBe(plain[0]); // wavelength 6.3
    expect(scaled[2]).toBeCloseTo((plain[2] as number) / 8, 15); // wavelength 62.8
    const smooth = (32 / ((2 * Math.PI) / (plain[1] as number)) - 1) / 3; // wavelength 19.9
    expect(scaled[1]).toBeCloseTo(
      (1 - smooth) * ((plain[1] as number) / 8) + smooth * (plain[1] as number),
      15,
    );
  });
});

describe("refusals name what is unsupported", () => {
  let base: string;
  beforeAll(async () => {
    base = (await writeHfCheckpoint(join(root, "refusals"), "mistral", { vocabSize: 512 })).dir;
  });

  // The config is read first, so a directory with only config.json shows its refusals.
  const withConfig = async (name: string, change: (c: Record<string, unknown>) => void) => {
    const dir = join(root, name);
    await mkdir(dir);
    const config = JSON.parse(await readFile(join(base, "config.json"), "utf8"));
    change(config);
    await writeFile(join(dir, "config.json"), JSON.stringify(config));
    return dir;
  };

  it.each([
    [
      "gpt2",
      (c: Record<string, unknown>) =>
        Object.assign(c, { model_type: "gpt2", architectures: ["GPT2LMHeadModel"] }),
      /model_type "gpt2" \(GPT2LMHeadModel\) is not supported/,
    ],
    [
      "gemma2",
      (c: Record<string, unknown>) => Object.assign(c, { model_type: "gemma2" }),
      /model_type "gemma2"/,
    ],
    [
      "yarn",
      (c: Record<string, unknown>) => Object.assign(c, { rope_scaling: { rope_type: "yarn", factor: 4 } }),
      /rope_scaling type "yarn"/,
    ],
    [
      "gptq",
      (c: Record<string, unknown>) => Object.assign(c, { quantization_config: { quant_method: "gptq" } }),
      /quantized checkpoint/,
    ],
    ["act", (c: Record<string, unknown>) => Object.assign(c, { hidden_act: "relu" }), /hidden_act "relu"/],
    [
      "class",
      (c: Record<string, unknown>) =>
        Object.assign(c, { architectures: ["MistralForSequenceClassification"] }),
      /architecture MistralForSequenceClassification/,
    ],
    ["mlp-bias", (c: Record<string, unknown>) => Object.assign(c, { mlp_bias: true }), /mlp_bias/],
    [
      "no-hidden",
      (c: Record<string, unknown>) => {
        delete c.hidden_size;
      },
      /hidden_size/,
    ],
  ])("config %s", async (name, change, message) => {
    const dir = await withConfig(`config-${name}`, change);
    const error = await loadModelDir(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(message);
  });

  it("refuses to build a graph above 2 GiB in memory, pointing at the graph cache (Llama 3 8B's shape)", async () => {
    const dir = await withConfig("llama3-8b", (c) =>
      Object.assign(c, {
        model_type: "llama",
        architectures: ["LlamaForCausalLM"],
        vocab_size: 128256,
        hidden_size: 4096,
        intermediate_size: 14336,
        num_hidden_layers: 32,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        max_position_embeddings: 131072,
        rope_theta: 500000,
        rope_scaling: {
          rope_type: "llama3",
          factor: 8,
          low_freq_factor: 1,
          high_freq_factor: 4,
          original_max_position_embeddings: 8192,
        },
      }),
    );
    await expect(loadModelDir(dir)).rejects.toThrow(/29\.9 GiB of float32 weights.*--graph-cache-dir/);
  });

  it("refuses a missing, misshapen or unknown tensor", async () => {
    const cases: [
      string,
      (t: Record<string, { shape: number[]; data: Float32Array; dtype: "F32" }>) => void,
      RegExp,
    ][] = [
      [
        "missing",
        (t) => delete t["model.layers.1.mlp.down_proj.weight"],
        /tensor model\.layers\.1\.mlp\.down_proj\.weight is missing/,
      ],
      [
        "shape",
        (t) => {
          const w = t["model.layers.0.self_attn.k_proj.weight"] as { shape: number[] };
          w.shape = [w.shape[1] as number, w.shape[0] as number];
        },
        /k_proj\.weight has shape \[32,16\], expected \[16,32\]/,
      ],
      [
        "extra",
        (t) => {
          t["model.layers.0.self_attn.o_proj.bias"] = {
            dtype: "F32",
            shape: [32],
            data: new Float32Array(32),
          };
        },
        /tensor model\.layers\.0\.self_attn\.o_proj\.bias is not part of a mistral decoder/,
      ],
    ];
    for (const [name, mutate, message] of cases) {
      const dir = join(root, `tensor-${name}`);
      await writeHfCheckpoint(dir, "mistral", { vocabSize: 512, mutate: mutate as never });
      await expect(readHfCheckpoint(dir)).rejects.toThrow(message);
    }
  });

  it("refuses an index naming a shard outside the directory, and a shard it does not have", async () => {
    const dir = join(root, "bad-index");
    await writeHfCheckpoint(dir, "mistral", { shards: 2, vocabSize: 512 });
    const index = JSON.parse(await readFile(join(dir, "model.safetensors.index.json"), "utf8"));
    const first = Object.keys(index.weight_map)[0] as string;
    await writeFile(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({ weight_map: { ...index.weight_map, [first]: "../elsewhere.safetensors" } }),
    );
    await expect(readHfCheckpoint(dir)).rejects.toThrow(/not a \.safetensors file beside it/);
    await writeFile(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({
        weight_map: { ...index.weight_map, "model.extra.weight": "model-00003-of-00003.safetensors" },
      }),
    );
    await expect(readHfCheckpoint(dir)).rejects.toThrow(/model-00003-of-00003\.safetensors is missing/);
  });
});

describe("chat templates refuse what they cannot write", () => {
  it("answers a template's raise_exception as a 400 naming the template's reason", async () => {
    const files = vocabularyFiles("llama2");
    const tokenizer = new HfTokenizer(
      JSON.parse(files.tokenizer),
      { ...files.config, chat_template: MISTRAL_STYLE_TEMPLATE },
      { vocabSize: 32000 },
    );
    const error = (() => {
      try {
        tokenizer.renderChat([
          { role: "user", content: "a" },
          { role: "user", content: "b" },
        ]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).status).toBe(400);
    expect((error as Error).message).toMatch(/roles must alternate/);
  });
});

describe("graph cache", () => {
  it("converts a checkpoint once, keyed by its files' hashes, with the weights as external data", async () => {
    const dir = join(root, "cached-mistral");
    await writeHfCheckpoint(dir, "mistral", { dtype: "BF16", shards: 2 });
    const cacheDir = join(root, "graph-cache");
    const inMemory = await loadModelDir(dir);
    const built = await loadModelDir(dir, { graphCacheDir: cacheDir });
    const again = await loadModelDir(dir, { graphCacheDir: cacheDir });
    expect([inMemory.graph, built.graph, again.graph]).toEqual(["memory", "built", "cache"]);
    expect(again.model).toBe(built.model);
    const path = built.model as string;
    // The graph file is structure; the weights (about 4 bytes per parameter) sit beside it.
    expect((await stat(path)).size).toBeLessThan(200_000);
    expect((await stat(`${path}.data`)).size).toBeGreaterThan(4 * 32000 * 32 * 2);

    const prompt = inMemory.tokenizer.encode(TEXT);
    const logits = async (model: string | Uint8Array) => {
      const session = await LlamaSession.create(model, inMemory.config);
      const step = await session.forward({
        cache: emptyCache(inMemory.config, 1),
        tokens: [prompt],
        positions: [0],
      });
      await session.release();
      return step.logits;
    };
    expect(maxAbsDiff(await logits(path), await logits(inMemory.model))).toBe(0);

    // Other weights (a new seed), or other LoRA targets: another key, a new conversion.
    await writeHfCheckpoint(dir, "mistral", { dtype: "BF16", shards: 2, seed: 12 });
    const changed = await loadModelDir(dir, { graphCacheDir: cacheDir });
    expect(changed.graph).toBe("built");
    expect(changed.model).not.toBe(path);
    const fewer = await loadModelDir(dir, { graphCacheDir: cacheDir, loraTargets: ["q_proj", "v_proj"] });
    expect(fewer.graph).toBe("built");
    expect(new Set([path, changed.model, fewer.model]).size).toBe(3);
  }, 120_000);
});
