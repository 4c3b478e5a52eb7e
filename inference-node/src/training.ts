/**
 * What a trainer needs of the node's model format: configs, weights, the reference forward
 * pass, the seeded generator, the tokenizer and PEFT/safetensors I/O. The Model Factory
 * imports these through `@payable-ai/inference-node/training`, so a trained adapter uses the
 * same definitions the node serves it with.
 */
export type { LoraAdapter, LoraModule } from "./adapters/lora.js";
export { mergeAdapterIntoWeights } from "./adapters/lora.js";
export {
  loraScale,
  packPeftAdapter,
  parsePeftConfig,
  peftToLoraAdapter,
  readAdapterPackage,
} from "./adapters/peft.js";
export {
  readSafetensors,
  type SafetensorsDtype,
  type TensorToWrite,
  writeSafetensors,
} from "./adapters/safetensors.js";
export { emptyCache } from "./engine/kvCache.js";
export { LlamaSession } from "./engine/llamaSession.js";
export { LoraBank } from "./engine/loraBank.js";
export {
  ATTENTION_TARGETS,
  DEMO_CONFIG,
  headDim,
  isLoraTarget,
  type LlamaConfig,
  LORA_TARGETS,
  type LoraTarget,
  moduleGroup,
  projectionShape,
  SMALL_CONFIG,
  TINY_CONFIG,
} from "./model/config.js";
export {
  MODEL_FILE,
  type ModelDirConfig,
  readModelDir,
  writeGeneratedModel,
} from "./model/modelDir.js";
export { decodeModel } from "./model/onnxGraph.js";
export { deriveSeed, mulberry32 } from "./model/random.js";
export { referenceForward } from "./model/reference.js";
export { ByteTokenizer, EOS_TOKEN, PAD_TOKEN } from "./model/tokenizer.js";
export {
  countParameters,
  generateLlamaWeights,
  type LlamaLayerWeights,
  type LlamaWeights,
} from "./model/weights.js";
