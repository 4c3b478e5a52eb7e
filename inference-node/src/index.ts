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
export { type AdapterRecord, type AdapterRegistry, StaticAdapterRegistry } from "./adapters/registry.js";
export { readSafetensors, writeSafetensors } from "./adapters/safetensors.js";
export { type AdapterSpec, type GenerationRequest, Scheduler } from "./engine/scheduler.js";
export * from "./errors.js";
export { addLoraInputs } from "./model/addLora.js";
export { DEMO_CONFIG, type LlamaConfig, SMALL_CONFIG } from "./model/config.js";
export { buildLlamaGraph } from "./model/llamaGraph.js";
export { readModelDir, writeGeneratedModel } from "./model/modelDir.js";
export { ByteTokenizer } from "./model/tokenizer.js";
export { createInferenceNode, type InferenceNodeOptions, startInferenceServer } from "./node.js";
export { createApp } from "./server/app.js";
