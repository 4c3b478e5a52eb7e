import { headDim, type LlamaConfig } from "./config.js";

/** Llama 3's frequency-dependent RoPE rescaling (`rope_scaling.rope_type = "llama3"`). */
export interface Llama3RopeScaling {
  type: "llama3";
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositions: number;
}

/** Position interpolation: every frequency divided by `factor` (`rope_type = "linear"`). */
export interface LinearRopeScaling {
  type: "linear";
  factor: number;
}

export type RopeScaling = Llama3RopeScaling | LinearRopeScaling;

export type Activation = "silu" | "gelu_tanh" | "gelu";

/**
 * How a decoder of the Llama lineage differs from plain Llama. The graph builder and the reference
 * forward pass both read it, so each family's differences are written once per side.
 */
export interface DecoderArchitecture {
  /** Projections with an additive bias (Qwen2: q, k, v; `attention_bias`: q, k, v, o). */
  biases: readonly ("q_proj" | "k_proj" | "v_proj" | "o_proj")[];
  /** RMSNorm of each query and key head before RoPE (Qwen3). */
  qkNorm: boolean;
  /** RMSNorm multiplies by `offset + weight` (Gemma stores w and computes (1 + w)·x̂). */
  normOffset: number;
  /** Embeddings are multiplied by this (Gemma: √hidden). */
  embeddingScale: number;
  /** Activation of the gate in `act(gate) · up` (SwiGLU: silu; Gemma's GeGLU: gelu, tanh form). */
  activation: Activation;
  /** The output projection is the embedding matrix (one tensor, used transposed). */
  tiedEmbeddings: boolean;
  ropeScaling: RopeScaling | null;
}

/** Plain Llama: what the generated models are. */
export const LLAMA_ARCHITECTURE: DecoderArchitecture = {
  biases: [],
  qkNorm: false,
  normOffset: 0,
  embeddingScale: 1,
  activation: "silu",
  tiedEmbeddings: false,
  ropeScaling: null,
};

/** Inverse RoPE frequencies of one head (length head_dim / 2), after any scaling. */
export function ropeInverseFrequencies(config: LlamaConfig, scaling: RopeScaling | null): Float64Array {
  const d = headDim(config);
  const inv = Float64Array.from({ length: d / 2 }, (_, i) => 1 / config.ropeTheta ** ((2 * i) / d));
  if (!scaling) return inv;
  if (scaling.type === "linear") return inv.map((f) => f / scaling.factor);
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositions } = scaling;
  const lowFreqWavelength = originalMaxPositions / lowFreqFactor;
  const highFreqWavelength = originalMaxPositions / highFreqFactor;
  return inv.map((f) => {
    const wavelength = (2 * Math.PI) / f;
    if (wavelength < highFreqWavelength) return f;
    if (wavelength > lowFreqWavelength) return f / factor;
    const smooth = (originalMaxPositions / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}
