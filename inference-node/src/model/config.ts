/** Projections that can carry a LoRA adapter, named as in Hugging Face Llama and PEFT. */
export const LORA_TARGETS = [
  "q_proj",
  "k_proj",
  "v_proj",
  "o_proj",
  "gate_proj",
  "up_proj",
  "down_proj",
] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export const ATTENTION_TARGETS: readonly LoraTarget[] = ["q_proj", "k_proj", "v_proj", "o_proj"];

export function isLoraTarget(name: string): name is LoraTarget {
  return (LORA_TARGETS as readonly string[]).includes(name);
}

/** Hyper-parameters of a Llama-architecture decoder. */
export interface LlamaConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Longest sequence (prompt + generated tokens) the node accepts. */
  maxPositions: number;
  /** Width of one attention head when it is not hiddenSize / numHeads (Qwen3, Gemma 7B). */
  headDim?: number;
}

export function headDim(config: LlamaConfig): number {
  return config.headDim ?? config.hiddenSize / config.numHeads;
}

/** Input and output width of a projection, in the [in, out] orientation the graph multiplies by. */
export function projectionShape(config: LlamaConfig, target: LoraTarget): [number, number] {
  const h = config.hiddenSize;
  const q = config.numHeads * headDim(config);
  const kv = config.numKvHeads * headDim(config);
  switch (target) {
    case "q_proj":
      return [h, q];
    case "k_proj":
    case "v_proj":
      return [h, kv];
    case "o_proj":
      return [q, h];
    case "gate_proj":
    case "up_proj":
      return [h, config.intermediateSize];
    case "down_proj":
      return [config.intermediateSize, h];
  }
}

export function moduleGroup(target: LoraTarget): "self_attn" | "mlp" {
  return target === "gate_proj" || target === "up_proj" || target === "down_proj" ? "mlp" : "self_attn";
}

export function validateLlamaConfig(config: LlamaConfig): void {
  const ints: (keyof LlamaConfig)[] = [
    "vocabSize",
    "hiddenSize",
    "intermediateSize",
    "numLayers",
    "numHeads",
    "numKvHeads",
    "maxPositions",
  ];
  for (const key of ints) {
    const value = config[key] as number;
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`LlamaConfig.${key} must be a positive integer`);
  }
  if (config.headDim !== undefined) {
    if (!Number.isInteger(config.headDim) || config.headDim <= 0)
      throw new Error("LlamaConfig.headDim must be a positive integer");
  } else if (config.hiddenSize % config.numHeads !== 0) {
    throw new Error("hiddenSize must be divisible by numHeads (or headDim given)");
  }
  if (config.numHeads % config.numKvHeads !== 0) throw new Error("numHeads must be divisible by numKvHeads");
  if (headDim(config) % 2 !== 0) throw new Error("head dimension must be even for rotary embeddings");
}

/** The small model used by tests and benchmarks of the inference node. */
export const SMALL_CONFIG: LlamaConfig = {
  vocabSize: 259,
  hiddenSize: 256,
  intermediateSize: 688,
  numLayers: 4,
  numHeads: 8,
  numKvHeads: 2,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  maxPositions: 512,
};

/** A tiny model for fast correctness tests. */
export const TINY_CONFIG: LlamaConfig = {
  vocabSize: 259,
  hiddenSize: 64,
  intermediateSize: 96,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  maxPositions: 128,
};

/**
 * The base model of the local network's demo: the tiny shape with room for a question and its
 * answer (256 positions). Small enough that the Model Factory fine-tunes it on a datanet of
 * question/answer facts in about two minutes on two CPU cores (LoRA on all seven projections).
 */
export const DEMO_CONFIG: LlamaConfig = { ...TINY_CONFIG, maxPositions: 256 };
