import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { ModelFormatError } from "../errors.js";
import { addLoraInputs } from "./addLora.js";
import { type LlamaConfig, LORA_TARGETS, type LoraTarget, projectionShape } from "./config.js";
import { cachedGraph, externalizeInitializers, graphKey, writeGraphWithExternalData } from "./graphCache.js";
import { checkpointFiles, type HfCheckpoint, readHfCheckpoint, readHfSpec } from "./hfCheckpoint.js";
import { isHfConfig, type ModelFamily } from "./hfConfig.js";
import { HfTokenizer } from "./hfTokenizer.js";
import { int4Mode, quantizeDecoderGraph, type WeightFormat } from "./int4Graph.js";
import { buildLlamaGraph } from "./llamaGraph.js";
import { MODEL_CONFIG_FILE, readModelDir } from "./modelDir.js";
import { encodeModel, type ModelProto } from "./onnxGraph.js";
import { ByteTokenizer, type TextTokenizer } from "./tokenizer.js";

export interface LoadedModel {
  name: string;
  format: "generated" | "huggingface";
  /** Set for Hugging Face checkpoints. */
  family?: ModelFamily;
  config: LlamaConfig;
  /** Path of model.onnx, or the bytes of a graph built in memory. */
  model: string | Uint8Array;
  tokenizer: TextTokenizer;
  /** For Hugging Face checkpoints: graph built in memory, built into the cache, or read from it. */
  graph?: "memory" | "built" | "cache";
  /** How the weights are held (the generated models are float32). */
  weights: WeightFormat;
}

export interface LoadModelOptions {
  /** Projections of a Hugging Face checkpoint that get LoRA inputs (default: all seven). */
  loraTargets?: readonly LoraTarget[];
  /** Cap on prompt + generated tokens (default: the checkpoint's max_position_embeddings). */
  maxContext?: number;
  /**
   * Where converted graphs of Hugging Face checkpoints are kept (graph + external weight data, one
   * folder per key: the sha256 of the checkpoint's files and the LoRA targets). Without it the
   * graph is built in memory at each start, which a protobuf bounds to 2 GiB of weights.
   */
  graphCacheDir?: string;
  /**
   * Hugging Face checkpoints: `f32` (default), or 4-bit blocks of 32 quantized at load, with a
   * zero point per block (`int4-asym`) or without (`int4-sym`); see `quantizeDecoderGraph`.
   */
  weights?: WeightFormat;
}

/** Changes whenever the graph the builder writes for the same checkpoint changes. */
const GRAPH_BUILDER_VERSION = 1;
/** Float32 weight bytes an in-memory graph can hold (a protobuf message is at most 2 GiB). */
const IN_MEMORY_LIMIT = 2 ** 31 - (64 << 20);

/**
 * The decoder graph of a checkpoint with multi-adapter LoRA inputs, logits for the last position
 * only; the same graph interface as the generated models, so banks, slots and caches are shared.
 */
export function buildHfGraph(
  checkpoint: HfCheckpoint,
  targets: readonly LoraTarget[] = LORA_TARGETS,
  weights: WeightFormat = "f32",
): ModelProto {
  return addLoraInputs(buildPlainHfGraph(checkpoint, weights), targets).model;
}

/** The decoder graph without LoRA inputs, its matrices quantized when asked. */
function buildPlainHfGraph(checkpoint: HfCheckpoint, weights: WeightFormat): ModelProto {
  const { llama, architecture } = checkpoint.spec;
  const plain = buildLlamaGraph(llama, checkpoint.weights, { architecture, lastTokenLogits: true });
  const mode = int4Mode(weights);
  if (mode) quantizeDecoderGraph(plain, mode);
  return plain;
}

/**
 * Loads a model directory: the generated format (`config.json` with `format`, `model.onnx`, byte
 * tokenizer) or a Hugging Face checkpoint (`config.json` with `model_type`, safetensors,
 * tokenizer files), whose graph is built in memory.
 */
export async function loadModelDir(directory: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  let configJson: unknown;
  try {
    configJson = JSON.parse(await readFile(join(directory, MODEL_CONFIG_FILE), "utf8"));
  } catch (error) {
    throw new ModelFormatError(`${join(directory, MODEL_CONFIG_FILE)}: ${(error as Error).message}`);
  }
  if (!isHfConfig(configJson)) {
    if (options.weights && options.weights !== "f32") {
      throw new ModelFormatError(
        `weights ${options.weights} apply to Hugging Face checkpoints; this is a generated float32 model`,
      );
    }
    const dir = await readModelDir(directory);
    return {
      name: dir.config.name,
      format: "generated",
      config: dir.config.llama,
      model: dir.modelPath,
      tokenizer: new ByteTokenizer(),
      weights: "f32",
    };
  }
  const spec = await readHfSpec(directory, { maxContext: options.maxContext });
  const weights = options.weights ?? "f32";
  if (!options.graphCacheDir) {
    const bytes = weightBytes(spec.llama, spec.architecture.tiedEmbeddings, weights);
    if (bytes > IN_MEMORY_LIMIT) {
      throw new ModelFormatError(
        `${basename(directory)} has ${(bytes / 2 ** 30).toFixed(1)} GiB of ${weights === "f32" ? "float32" : "int4"} weights, more than a graph built in memory holds (2 GiB): give a graph cache directory (--graph-cache-dir)`,
      );
    }
  }
  const tokenizer = await HfTokenizer.fromDirectory(directory, {
    vocabSize: spec.llama.vocabSize,
    eosTokenIds: spec.eosTokenIds,
  });
  const targets = options.loraTargets ?? LORA_TARGETS;
  const described = {
    name: basename(directory),
    format: "huggingface" as const,
    family: spec.family,
    config: spec.llama,
    tokenizer,
    weights,
  };
  const read = () => readHfCheckpoint(directory, { maxContext: options.maxContext });
  if (!options.graphCacheDir) {
    return {
      ...described,
      model: encodeModel(buildHfGraph(await read(), targets, weights)),
      graph: "memory",
    };
  }
  const key = await graphKey(directory, await checkpointFiles(directory), {
    builder: GRAPH_BUILDER_VERSION,
    targets: [...targets].sort(),
    ...(weights === "f32" ? {} : { weights }),
  });
  const entry = join(options.graphCacheDir, key);
  const cached = await cachedGraph(entry);
  if (cached) return { ...described, model: cached, graph: "cache" };
  // Weights leave the protobuf before the LoRA pass copies the graph, so neither hits its bound.
  const plain = buildPlainHfGraph(await read(), weights);
  const data = externalizeInitializers(plain);
  const model = await writeGraphWithExternalData(entry, addLoraInputs(plain, targets).model, data);
  return { ...described, model, graph: "built" };
}

/** Bytes of a decoder's matrices, for the in-memory bound. */
function weightBytes(config: LlamaConfig, tied: boolean, weights: WeightFormat): number {
  let perLayer = 0;
  for (const target of LORA_TARGETS) {
    const [inDim, outDim] = projectionShape(config, target);
    perLayer += inDim * outDim;
  }
  // int4: half a byte per value, a float32 scale and half a byte of zero point per 32 values.
  const perValue = weights === "f32" ? 4 : 0.5 + 4.5 / 32;
  return perValue * (config.numLayers * perLayer + (tied ? 1 : 2) * config.vocabSize * config.hiddenSize);
}
