import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { z } from "zod";
import { readSafetensors, SafetensorsError, type SafetensorsTensor } from "../adapters/safetensors.js";
import { ModelFormatError } from "../errors.js";
import { headDim, LORA_TARGETS, type LoraTarget, moduleGroup, projectionShape } from "./config.js";
import { type HfModelSpec, parseHfConfig } from "./hfConfig.js";
import type { DecoderLayerWeights, DecoderWeights } from "./weights.js";

export const HF_CONFIG_FILE = "config.json";
export const HF_WEIGHTS_FILE = "model.safetensors";
export const HF_WEIGHTS_INDEX_FILE = "model.safetensors.index.json";

export interface HfCheckpoint {
  /** The directory's name, used as the base model's name. */
  name: string;
  spec: HfModelSpec;
  weights: DecoderWeights;
}

const indexSchema = z.object({ weight_map: z.record(z.string(), z.string()) }).loose();

/**
 * Reads a checkpoint in Hugging Face layout: `config.json` and `model.safetensors` (or the shards
 * of `model.safetensors.index.json`), f32, f16 or bf16. Every tensor the family needs must be
 * there with its shape, and no other: an unknown tensor means a model this loader would run wrong.
 */
export async function readHfCheckpoint(
  directory: string,
  options: { maxContext?: number } = {},
): Promise<HfCheckpoint> {
  const spec = await readHfSpec(directory, options);
  const tensors = await readTensors(directory);
  return { name: basename(directory), spec, weights: assembleWeights(spec, tensors) };
}

/** `config.json` alone: the family and shape, without reading a weight. */
export async function readHfSpec(
  directory: string,
  options: { maxContext?: number } = {},
): Promise<HfModelSpec> {
  const configText = await readFile(join(directory, HF_CONFIG_FILE), "utf8");
  return parseHfConfig(parseJson(configText, HF_CONFIG_FILE), options);
}

/** The files the decoder is built from: config.json and the weights (index and shards, or one file). */
export async function checkpointFiles(directory: string): Promise<string[]> {
  const { files, indexed } = await weightFiles(directory);
  return [HF_CONFIG_FILE, ...(indexed ? [HF_WEIGHTS_INDEX_FILE] : []), ...files];
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(`${file}: ${(error as Error).message}`);
  }
}

async function weightFiles(
  directory: string,
): Promise<{ files: string[]; indexed: boolean; weightMap: Record<string, string> | null }> {
  const indexText = await readFile(join(directory, HF_WEIGHTS_INDEX_FILE), "utf8").catch((error) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  });
  let files: string[] = [HF_WEIGHTS_FILE];
  let weightMap: Record<string, string> | null = null;
  if (indexText !== null) {
    const parsed = indexSchema.safeParse(parseJson(indexText, HF_WEIGHTS_INDEX_FILE));
    if (!parsed.success)
      throw new ModelFormatError(`${HF_WEIGHTS_INDEX_FILE}: ${z.prettifyError(parsed.error)}`);
    weightMap = parsed.data.weight_map;
    files = [...new Set(Object.values(weightMap))];
    for (const file of files) {
      if (basename(file) !== file || !file.endsWith(".safetensors"))
        throw new ModelFormatError(
          `${HF_WEIGHTS_INDEX_FILE}: shard "${file}" is not a .safetensors file beside it`,
        );
    }
  }
  return { files, indexed: indexText !== null, weightMap };
}

async function readTensors(directory: string): Promise<Map<string, SafetensorsTensor>> {
  const { files, weightMap } = await weightFiles(directory);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const file of files) {
    const bytes = await readFile(join(directory, file)).catch((error) => {
      if ((error as NodeJS.ErrnoException).code === "ENOENT")
        throw new ModelFormatError(
          `${file} is missing (a checkpoint needs ${HF_WEIGHTS_FILE} or ${HF_WEIGHTS_INDEX_FILE})`,
        );
      throw error;
    });
    let shard: Map<string, SafetensorsTensor>;
    try {
      shard = readSafetensors(bytes).tensors;
    } catch (error) {
      if (error instanceof SafetensorsError) throw new ModelFormatError(`${file}: ${error.message}`);
      throw error;
    }
    for (const [name, tensor] of shard) {
      if (weightMap && weightMap[name] !== file)
        throw new ModelFormatError(`${file} holds ${name}, which ${HF_WEIGHTS_INDEX_FILE} puts elsewhere`);
      if (tensors.has(name)) throw new ModelFormatError(`tensor ${name} appears twice`);
      tensors.set(name, tensor);
    }
  }
  if (weightMap) {
    for (const name of Object.keys(weightMap)) {
      if (!tensors.has(name))
        throw new ModelFormatError(`${HF_WEIGHTS_INDEX_FILE} lists ${name}, no shard has it`);
    }
  }
  return tensors;
}

/** Takes the tensors the spec needs, checks shapes, and puts projections in [in, out] orientation. */
function assembleWeights(spec: HfModelSpec, tensors: Map<string, SafetensorsTensor>): DecoderWeights {
  const { llama, architecture } = spec;
  const used = new Set<string>();
  const take = (name: string, shape: number[]): Float32Array => {
    const tensor = tensors.get(name);
    if (!tensor) throw new ModelFormatError(`tensor ${name} is missing`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i]))
      throw new ModelFormatError(
        `tensor ${name} has shape ${JSON.stringify(tensor.shape)}, expected ${JSON.stringify(shape)}`,
      );
    used.add(name);
    return tensor.data;
  };
  const h = llama.hiddenSize;
  const d = headDim(llama);
  const layers: DecoderLayerWeights[] = [];
  for (let l = 0; l < llama.numLayers; l++) {
    const prefix = `model.layers.${l}`;
    const proj = {} as Record<LoraTarget, Float32Array>;
    for (const target of LORA_TARGETS) {
      const [inDim, outDim] = projectionShape(llama, target);
      // nn.Linear stores [out, in]; the graph multiplies x @ W with W [in, out].
      proj[target] = transpose(
        take(`${prefix}.${moduleGroup(target)}.${target}.weight`, [outDim, inDim]),
        outDim,
        inDim,
      );
    }
    const layer: DecoderLayerWeights = {
      inputNorm: take(`${prefix}.input_layernorm.weight`, [h]),
      postAttentionNorm: take(`${prefix}.post_attention_layernorm.weight`, [h]),
      proj,
    };
    if (architecture.biases.length > 0) {
      layer.bias = {};
      for (const target of architecture.biases) {
        layer.bias[target] = take(`${prefix}.self_attn.${target}.bias`, [projectionShape(llama, target)[1]]);
      }
    }
    if (architecture.qkNorm) {
      layer.qNorm = take(`${prefix}.self_attn.q_norm.weight`, [d]);
      layer.kNorm = take(`${prefix}.self_attn.k_norm.weight`, [d]);
    }
    layers.push(layer);
  }
  const embedTokens = take("model.embed_tokens.weight", [llama.vocabSize, h]);
  const finalNorm = take("model.norm.weight", [h]);
  let lmHead: Float32Array | null = null;
  if (architecture.tiedEmbeddings) {
    // Some tied checkpoints also store the (identical) output matrix; it is not used.
    if (tensors.has("lm_head.weight")) used.add("lm_head.weight");
  } else {
    lmHead = transpose(take("lm_head.weight", [llama.vocabSize, h]), llama.vocabSize, h);
  }
  for (const name of tensors.keys()) {
    if (used.has(name) || /\.rotary_emb\.inv_freq$/.test(name)) continue;
    throw new ModelFormatError(`tensor ${name} is not part of a ${spec.family} decoder as the node runs it`);
  }
  return { embedTokens, layers, finalNorm, lmHead };
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[offset + c] as number;
  }
  return out;
}
