import { type LlamaConfig, type LoraTarget, projectionShape } from "./config.js";
import { deriveSeed, randomWeights } from "./random.js";

/** Projection matrices are stored [in, out] (row-major), the orientation `x @ W` uses. */
export interface LlamaLayerWeights {
  inputNorm: Float32Array;
  postAttentionNorm: Float32Array;
  proj: Record<LoraTarget, Float32Array>;
}

export interface LlamaWeights {
  /** [vocab, hidden] */
  embedTokens: Float32Array;
  layers: LlamaLayerWeights[];
  finalNorm: Float32Array;
  /** [hidden, vocab] */
  lmHead: Float32Array;
}

/** A layer of a Llama-lineage decoder: Llama's tensors plus what other families add. */
export interface DecoderLayerWeights extends LlamaLayerWeights {
  /** [out] biases of the projections that have one (see `DecoderArchitecture.biases`). */
  bias?: Partial<Record<LoraTarget, Float32Array>>;
  /** [head_dim] weights of the per-head query and key RMSNorms (Qwen3). */
  qNorm?: Float32Array;
  kNorm?: Float32Array;
}

/** Weights of any supported decoder; `lmHead` is null when it is tied to `embedTokens`. */
export interface DecoderWeights {
  embedTokens: Float32Array;
  layers: DecoderLayerWeights[];
  finalNorm: Float32Array;
  lmHead: Float32Array | null;
}

const PROJECTIONS: LoraTarget[] = [
  "q_proj",
  "k_proj",
  "v_proj",
  "o_proj",
  "gate_proj",
  "up_proj",
  "down_proj",
];

/** Seeded weights with activations of order one, so tests compare meaningful logits rather than near-zeros. */
export function generateLlamaWeights(config: LlamaConfig, seed: number): LlamaWeights {
  const h = config.hiddenSize;
  const layers: LlamaLayerWeights[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    const proj = {} as Record<LoraTarget, Float32Array>;
    for (const target of PROJECTIONS) {
      const [inDim, outDim] = projectionShape(config, target);
      proj[target] = randomWeights(
        inDim * outDim,
        1 / Math.sqrt(inDim),
        deriveSeed(seed, `layers.${l}.${target}`),
      );
    }
    layers.push({
      inputNorm: randomWeights(h, 0.1, deriveSeed(seed, `layers.${l}.input_layernorm`), 1),
      postAttentionNorm: randomWeights(h, 0.1, deriveSeed(seed, `layers.${l}.post_attention_layernorm`), 1),
      proj,
    });
  }
  return {
    embedTokens: randomWeights(config.vocabSize * h, 1, deriveSeed(seed, "embed_tokens")),
    layers,
    finalNorm: randomWeights(h, 0.1, deriveSeed(seed, "norm"), 1),
    lmHead: randomWeights(h * config.vocabSize, 1 / Math.sqrt(h), deriveSeed(seed, "lm_head")),
  };
}

/** Number of parameters, for logs and docs. */
export function countParameters(config: LlamaConfig): number {
  let perLayer = 2 * config.hiddenSize;
  for (const target of PROJECTIONS) {
    const [i, o] = projectionShape(config, target);
    perLayer += i * o;
  }
  return config.numLayers * perLayer + 2 * config.vocabSize * config.hiddenSize + config.hiddenSize;
}
