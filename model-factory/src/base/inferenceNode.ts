/**
 * The inference node's model format, reference forward pass and PEFT reader/writer, imported from
 * its sources: the package entry (`@payable-ai/inference-node`) exports the serving API but not
 * the model internals the trainer needs (weights, projection shapes, the reference forward pass,
 * the seeded generator). Once it exports them, these imports move to the package name.
 */
export type { LoraAdapter, LoraModule } from "../../../inference-node/src/adapters/lora.js";
export { mergeAdapterIntoWeights } from "../../../inference-node/src/adapters/lora.js";
export {
  loraScale,
  packPeftAdapter,
  parsePeftConfig,
  peftToLoraAdapter,
  readAdapterPackage,
} from "../../../inference-node/src/adapters/peft.js";
export {
  readSafetensors,
  type SafetensorsDtype,
  type TensorToWrite,
  writeSafetensors,
} from "../../../inference-node/src/adapters/safetensors.js";
export {
  ATTENTION_TARGETS,
  headDim,
  isLoraTarget,
  type LlamaConfig,
  LORA_TARGETS,
  type LoraTarget,
  moduleGroup,
  projectionShape,
  SMALL_CONFIG,
  TINY_CONFIG,
} from "../../../inference-node/src/model/config.js";
export {
  MODEL_FILE,
  type ModelDirConfig,
  readModelDir,
  writeGeneratedModel,
} from "../../../inference-node/src/model/modelDir.js";
export { decodeModel } from "../../../inference-node/src/model/onnxGraph.js";
export { deriveSeed, mulberry32 } from "../../../inference-node/src/model/random.js";
export { referenceForward } from "../../../inference-node/src/model/reference.js";
export { ByteTokenizer, EOS_TOKEN, PAD_TOKEN } from "../../../inference-node/src/model/tokenizer.js";
export {
  countParameters,
  generateLlamaWeights,
  type LlamaLayerWeights,
  type LlamaWeights,
} from "../../../inference-node/src/model/weights.js";
