import type { LlamaConfig } from "../src/model/config.js";

/**
 * SmolLM2-135M's shape (30 layers, hidden 576, 9 heads / 3 KV heads, MLP 1536) with the byte
 * vocabulary of the generated models: 106 M parameters in the decoder, the largest shape benched.
 */
export const SMOLLM2_SHAPE: LlamaConfig = {
  vocabSize: 259,
  hiddenSize: 576,
  intermediateSize: 1536,
  numLayers: 30,
  numHeads: 9,
  numKvHeads: 3,
  rmsNormEps: 1e-5,
  ropeTheta: 100000,
  maxPositions: 2048,
};
