import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { addLoraInputs } from "./addLora.js";
import { type LlamaConfig, LORA_TARGETS, type LoraTarget, validateLlamaConfig } from "./config.js";
import { buildLlamaGraph } from "./llamaGraph.js";
import { encodeModel } from "./onnxGraph.js";
import { BOS_TOKEN, BYTE_VOCAB_SIZE, EOS_TOKEN, PAD_TOKEN } from "./tokenizer.js";
import { generateLlamaWeights } from "./weights.js";

export const MODEL_FILE = "model.onnx";
export const MODEL_CONFIG_FILE = "config.json";

const llamaSchema = z.object({
  vocabSize: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  intermediateSize: z.number().int().positive(),
  numLayers: z.number().int().positive(),
  numHeads: z.number().int().positive(),
  numKvHeads: z.number().int().positive(),
  rmsNormEps: z.number().positive(),
  ropeTheta: z.number().positive(),
  maxPositions: z.number().int().positive(),
});

/** `config.json` of a model directory. */
export const modelDirConfigSchema = z.object({
  format: z.literal("payable-ai/llama-onnx-v1"),
  name: z.string(),
  llama: llamaSchema,
  tokenizer: z.object({ type: z.literal("byte"), bos: z.number(), eos: z.number(), pad: z.number() }),
  loraTargets: z.array(z.enum(LORA_TARGETS)),
  /** Seed of generated weights; absent for exported models. */
  seed: z.number().int().optional(),
});
export type ModelDirConfig = z.infer<typeof modelDirConfigSchema>;

export interface ModelDir {
  config: ModelDirConfig;
  modelPath: string;
}

export async function readModelDir(directory: string): Promise<ModelDir> {
  const raw = JSON.parse(await readFile(join(directory, MODEL_CONFIG_FILE), "utf8"));
  const config = modelDirConfigSchema.parse(raw);
  validateLlamaConfig(config.llama);
  if (config.llama.vocabSize !== BYTE_VOCAB_SIZE) {
    throw new Error(
      `the byte tokenizer needs vocabSize ${BYTE_VOCAB_SIZE}, the model has ${config.llama.vocabSize}`,
    );
  }
  return { config, modelPath: join(directory, MODEL_FILE) };
}

/** Generates a seeded Llama model with LoRA inputs and writes `model.onnx` + `config.json`. */
export async function writeGeneratedModel(
  directory: string,
  options: { name: string; llama: LlamaConfig; seed: number; loraTargets: readonly LoraTarget[] },
): Promise<ModelDirConfig> {
  validateLlamaConfig(options.llama);
  const weights = generateLlamaWeights(options.llama, options.seed);
  const { model } = addLoraInputs(buildLlamaGraph(options.llama, weights), options.loraTargets);
  const config: ModelDirConfig = {
    format: "payable-ai/llama-onnx-v1",
    name: options.name,
    llama: options.llama,
    tokenizer: { type: "byte", bos: BOS_TOKEN, eos: EOS_TOKEN, pad: PAD_TOKEN },
    loraTargets: [...options.loraTargets],
    seed: options.seed,
  };
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, MODEL_FILE), encodeModel(model));
  await writeFile(join(directory, MODEL_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  return config;
}
