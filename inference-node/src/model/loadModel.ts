import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelFormatError } from "../errors.js";
import { addLoraInputs } from "./addLora.js";
import { type LlamaConfig, LORA_TARGETS, type LoraTarget } from "./config.js";
import { type HfCheckpoint, readHfCheckpoint } from "./hfCheckpoint.js";
import { isHfConfig, type ModelFamily } from "./hfConfig.js";
import { HfTokenizer } from "./hfTokenizer.js";
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
}

export interface LoadModelOptions {
  /** Projections of a Hugging Face checkpoint that get LoRA inputs (default: all seven). */
  loraTargets?: readonly LoraTarget[];
  /** Cap on prompt + generated tokens (default: the checkpoint's max_position_embeddings). */
  maxContext?: number;
}

/**
 * The decoder graph of a checkpoint with multi-adapter LoRA inputs, logits for the last position
 * only; the same graph interface as the generated models, so banks, slots and caches are shared.
 */
export function buildHfGraph(
  checkpoint: HfCheckpoint,
  targets: readonly LoraTarget[] = LORA_TARGETS,
): ModelProto {
  const { llama, architecture } = checkpoint.spec;
  const plain = buildLlamaGraph(llama, checkpoint.weights, { architecture, lastTokenLogits: true });
  return addLoraInputs(plain, targets).model;
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
    const dir = await readModelDir(directory);
    return {
      name: dir.config.name,
      format: "generated",
      config: dir.config.llama,
      model: dir.modelPath,
      tokenizer: new ByteTokenizer(),
    };
  }
  const checkpoint = await readHfCheckpoint(directory, { maxContext: options.maxContext });
  const tokenizer = await HfTokenizer.fromDirectory(directory, {
    vocabSize: checkpoint.spec.llama.vocabSize,
    eosTokenIds: checkpoint.spec.eosTokenIds,
  });
  const model = encodeModel(buildHfGraph(checkpoint, options.loraTargets));
  return {
    name: checkpoint.name,
    format: "huggingface",
    family: checkpoint.spec.family,
    config: checkpoint.spec.llama,
    model,
    tokenizer,
  };
}
