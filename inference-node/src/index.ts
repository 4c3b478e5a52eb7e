export { AdapterCache } from "./adapters/adapterCache.js";
export { addAdapterToDir } from "./adapters/adapterDir.js";
export { createAdapterLoader, sha256Hex } from "./adapters/adapterLoader.js";
export { type BlobSource, HttpBlobSource, LocalBlobSource } from "./adapters/blobSource.js";
export {
  ChainedAdapterRegistry,
  MODEL_ADAPTER_PREFIX,
  ModelRegistryAdapterRegistry,
  type ModelRegistryAdapterRegistryOptions,
  modelAdapterId,
  parseModelAdapterId,
} from "./adapters/chainRegistry.js";
export { type LoraAdapter, mergeAdaptersLinear } from "./adapters/lora.js";
export { packPeftAdapter, readAdapterPackage } from "./adapters/peft.js";
export {
  type AdapterRecord,
  type AdapterRegistry,
  FileAdapterRegistry,
  StaticAdapterRegistry,
} from "./adapters/registry.js";
export { S3BlobSource } from "./adapters/s3BlobSource.js";
export { readSafetensors, writeSafetensors } from "./adapters/safetensors.js";
export { type AdapterSpec, type GenerationRequest, Scheduler } from "./engine/scheduler.js";
export * from "./errors.js";
export { addLoraInputs } from "./model/addLora.js";
export { type DecoderArchitecture, LLAMA_ARCHITECTURE } from "./model/architecture.js";
export { DEMO_CONFIG, type LlamaConfig, SMALL_CONFIG } from "./model/config.js";
export { readHfCheckpoint } from "./model/hfCheckpoint.js";
export { type HfModelSpec, parseHfConfig, SUPPORTED_MODEL_TYPES } from "./model/hfConfig.js";
export { HfTokenizer } from "./model/hfTokenizer.js";
export { dequantizeInt4, type Int4Mode, type Int4Weight, quantizeInt4 } from "./model/int4.js";
export { quantizeDecoderGraph, WEIGHT_FORMATS, type WeightFormat } from "./model/int4Graph.js";
export { buildLlamaGraph } from "./model/llamaGraph.js";
export { buildHfGraph, type LoadedModel, type LoadModelOptions, loadModelDir } from "./model/loadModel.js";
export { readModelDir, writeGeneratedModel } from "./model/modelDir.js";
export { ByteTokenizer, type TextTokenizer } from "./model/tokenizer.js";
export { createInferenceNode, type InferenceNodeOptions, startInferenceServer } from "./node.js";
export { createApp } from "./server/app.js";
