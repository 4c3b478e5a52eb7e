import { z } from "zod";
import { ModelFormatError } from "../errors.js";
import {
  type Activation,
  type DecoderArchitecture,
  LLAMA_ARCHITECTURE,
  type RopeScaling,
} from "./architecture.js";
import { type LlamaConfig, validateLlamaConfig } from "./config.js";

/** The `model_type`s of `config.json` the node loads, with the architecture class each must name. */
export const SUPPORTED_MODEL_TYPES = {
  llama: "LlamaForCausalLM",
  mistral: "MistralForCausalLM",
  qwen2: "Qwen2ForCausalLM",
  qwen3: "Qwen3ForCausalLM",
  gemma: "GemmaForCausalLM",
} as const;
export type ModelFamily = keyof typeof SUPPORTED_MODEL_TYPES;

const ropeScalingSchema = z
  .object({
    rope_type: z.string().optional(),
    type: z.string().optional(),
    factor: z.number().positive().optional(),
    low_freq_factor: z.number().positive().optional(),
    high_freq_factor: z.number().positive().optional(),
    original_max_position_embeddings: z.number().int().positive().optional(),
  })
  .loose();

const tokenIds = z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).nullish();

/** The fields of a Hugging Face `config.json` the loader reads; anything else is ignored. */
const hfConfigSchema = z
  .object({
    model_type: z.string(),
    architectures: z.array(z.string()).optional(),
    vocab_size: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    intermediate_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive().nullish(),
    head_dim: z.number().int().positive().nullish(),
    rms_norm_eps: z.number().positive(),
    rope_theta: z.number().positive().optional(),
    rope_scaling: ropeScalingSchema.nullish(),
    max_position_embeddings: z.number().int().positive(),
    tie_word_embeddings: z.boolean().optional(),
    hidden_act: z.string().optional(),
    hidden_activation: z.string().nullish(),
    attention_bias: z.boolean().optional(),
    mlp_bias: z.boolean().optional(),
    sliding_window: z.number().int().positive().nullish(),
    use_sliding_window: z.boolean().optional(),
    quantization_config: z.unknown().optional(),
    bos_token_id: tokenIds,
    eos_token_id: tokenIds,
    pad_token_id: tokenIds,
  })
  .loose();
export type HfConfigJson = z.infer<typeof hfConfigSchema>;

export interface HfModelSpec {
  family: ModelFamily;
  llama: LlamaConfig;
  architecture: DecoderArchitecture;
  /** EOS ids named by config.json (generation_config.json and the tokenizer may add more). */
  eosTokenIds: number[];
}

/** True when a parsed `config.json` is a Hugging Face one (it names a `model_type`). */
export function isHfConfig(json: unknown): boolean {
  return typeof json === "object" && json !== null && "model_type" in json;
}

const unsupported = (what: string) =>
  new ModelFormatError(
    `config.json: ${what} is not supported (supported: ${Object.keys(SUPPORTED_MODEL_TYPES).join(", ")} decoders; see the README)`,
  );

/**
 * Reads a Hugging Face `config.json` into the node's decoder description, or refuses it naming what
 * is not supported. `maxContext` caps the positions the node accepts (default: the checkpoint's).
 */
export function parseHfConfig(json: unknown, options: { maxContext?: number } = {}): HfModelSpec {
  // The family first: another family's config lacks these fields for its own reasons.
  const kind = z
    .object({ model_type: z.string(), architectures: z.array(z.string()).optional() })
    .safeParse(json);
  if (!kind.success) throw new ModelFormatError(`config.json: ${z.prettifyError(kind.error)}`);
  if (!(kind.data.model_type in SUPPORTED_MODEL_TYPES)) {
    const architecture = kind.data.architectures?.join(", ") ?? "no architectures listed";
    throw unsupported(`model_type "${kind.data.model_type}" (${architecture})`);
  }
  const parsed = hfConfigSchema.safeParse(json);
  if (!parsed.success) throw new ModelFormatError(`config.json: ${z.prettifyError(parsed.error)}`);
  const c = parsed.data;
  const family = c.model_type as ModelFamily;
  const expectedClass = SUPPORTED_MODEL_TYPES[family];
  for (const name of c.architectures ?? []) {
    if (name !== expectedClass)
      throw unsupported(`architecture ${name} of model_type "${family}" (expected ${expectedClass})`);
  }
  if (c.quantization_config !== undefined)
    throw unsupported("a quantized checkpoint (quantization_config); give f32, f16 or bf16 weights");
  if (c.mlp_bias) throw unsupported("mlp_bias: true");
  if (c.use_sliding_window) throw unsupported("use_sliding_window: true");

  const activation = readActivation(family, c);
  const attentionBias = c.attention_bias ?? false;
  const architecture: DecoderArchitecture = {
    ...LLAMA_ARCHITECTURE,
    biases:
      family === "qwen2"
        ? ["q_proj", "k_proj", "v_proj"]
        : attentionBias
          ? ["q_proj", "k_proj", "v_proj", "o_proj"]
          : [],
    qkNorm: family === "qwen3",
    normOffset: family === "gemma" ? 1 : 0,
    embeddingScale: family === "gemma" ? Math.sqrt(c.hidden_size) : 1,
    activation,
    tiedEmbeddings: c.tie_word_embeddings ?? family === "gemma",
    ropeScaling: readRopeScaling(c.rope_scaling),
  };
  if (family === "qwen2" && attentionBias) throw unsupported("attention_bias: true on qwen2 (o_proj bias)");

  // A sliding window at least as long as the context is plain causal attention.
  let maxPositions = c.max_position_embeddings;
  if (family === "mistral" && c.sliding_window) maxPositions = Math.min(maxPositions, c.sliding_window);
  if (options.maxContext !== undefined) maxPositions = Math.min(maxPositions, options.maxContext);

  const llama: LlamaConfig = {
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    numKvHeads: c.num_key_value_heads ?? c.num_attention_heads,
    rmsNormEps: c.rms_norm_eps,
    ropeTheta: c.rope_theta ?? 10000,
    maxPositions,
    ...(c.head_dim ? { headDim: c.head_dim } : {}),
  };
  try {
    validateLlamaConfig(llama);
  } catch (error) {
    throw new ModelFormatError(`config.json: ${(error as Error).message}`);
  }
  const eos = c.eos_token_id;
  return { family, llama, architecture, eosTokenIds: eos == null ? [] : Array.isArray(eos) ? eos : [eos] };
}

function readActivation(family: ModelFamily, c: HfConfigJson): Activation {
  if (family === "gemma") {
    // transformers runs Gemma with the tanh GELU unless hidden_activation says otherwise.
    const name = c.hidden_activation ?? "gelu_pytorch_tanh";
    if (name === "gelu_pytorch_tanh") return "gelu_tanh";
    if (name === "gelu") return "gelu";
    throw unsupported(`hidden_activation "${name}"`);
  }
  const name = c.hidden_act ?? "silu";
  if (name !== "silu") throw unsupported(`hidden_act "${name}" (only silu for ${family})`);
  return "silu";
}

function readRopeScaling(scaling: z.infer<typeof ropeScalingSchema> | null | undefined): RopeScaling | null {
  if (!scaling) return null;
  const type = scaling.rope_type ?? scaling.type ?? "default";
  if (type === "default") return null;
  const factor = scaling.factor;
  if (type === "linear") {
    if (!factor) throw new ModelFormatError("config.json: rope_scaling linear needs factor");
    return { type, factor };
  }
  if (type === "llama3") {
    const { low_freq_factor, high_freq_factor, original_max_position_embeddings } = scaling;
    if (!factor || !low_freq_factor || !high_freq_factor || !original_max_position_embeddings)
      throw new ModelFormatError(
        "config.json: rope_scaling llama3 needs factor, low_freq_factor, high_freq_factor and original_max_position_embeddings",
      );
    if (!(high_freq_factor > low_freq_factor))
      throw new ModelFormatError("config.json: rope_scaling llama3 needs high_freq_factor > low_freq_factor");
    return {
      type,
      factor,
      lowFreqFactor: low_freq_factor,
      highFreqFactor: high_freq_factor,
      originalMaxPositions: original_max_position_embeddings,
    };
  }
  throw unsupported(`rope_scaling type "${type}" (llama3, linear and default are)`);
}
