import { readFile } from "node:fs/promises";
import { BaseError } from "@payable-ai/sdk";
import {
  decodeModel,
  type LlamaConfig,
  type LlamaWeights,
  LORA_TARGETS,
  type LoraTarget,
  type ModelDirConfig,
  moduleGroup,
  projectionShape,
  readModelDir,
} from "./inferenceNode.js";

export interface BaseModel {
  directory: string;
  config: ModelDirConfig;
  llama: LlamaConfig;
  weights: LlamaWeights;
}

export class BaseModelError extends BaseError {
  override name = "BaseModelError";
}

const FLOAT = 1;

interface Initializer {
  dims: number[];
  data: Float32Array;
}

/**
 * Reads a model directory of the inference node (`config.json` + `model.onnx`) and extracts the
 * frozen weights from the graph's initializers. Projections are found the way the node's LoRA pass
 * finds them (the Optimum node names `/model/layers.N/self_attn/q_proj/MatMul`), so the trainer
 * reads exactly the matrices the served graph multiplies by.
 */
export async function loadBaseModel(directory: string): Promise<BaseModel> {
  const dir = await readModelDir(directory);
  const llama = dir.config.llama;
  const model = decodeModel(new Uint8Array(await readFile(dir.modelPath)));
  const graph = model.graph;
  if (!graph) throw new BaseModelError(`${dir.modelPath} has no graph`);

  const initializers = new Map<string, Initializer>();
  for (const tensor of graph.initializer ?? []) {
    if (tensor.dataType !== FLOAT || !tensor.name) continue;
    initializers.set(tensor.name, { dims: (tensor.dims ?? []).map(Number), data: floatData(tensor) });
  }
  const matMulWeight = new Map<string, string>();
  for (const node of graph.node ?? []) {
    if (node.opType === "MatMul" && node.name && node.input?.[1]) matMulWeight.set(node.name, node.input[1]);
  }

  const take = (name: string, dims: number[]): Float32Array => {
    const init = initializers.get(name);
    if (!init) throw new BaseModelError(`initializer ${name} is missing from ${dir.modelPath}`);
    if (init.dims.join(",") !== dims.join(",")) {
      throw new BaseModelError(`initializer ${name} has shape [${init.dims}], expected [${dims}]`);
    }
    return init.data;
  };
  const projection = (layer: number, target: LoraTarget): Float32Array => {
    const node = `/model/layers.${layer}/${moduleGroup(target)}/${target}/MatMul`;
    const name = matMulWeight.get(node) ?? `model.layers.${layer}.${moduleGroup(target)}.${target}.weight`;
    return take(name, projectionShape(llama, target));
  };

  const h = llama.hiddenSize;
  const weights: LlamaWeights = {
    embedTokens: take("model.embed_tokens.weight", [llama.vocabSize, h]),
    finalNorm: take("model.norm.weight", [h]),
    lmHead: take(matMulWeight.get("/lm_head/MatMul") ?? "lm_head.weight", [h, llama.vocabSize]),
    layers: Array.from({ length: llama.numLayers }, (_, l) => ({
      inputNorm: take(`model.layers.${l}.input_layernorm.weight`, [h]),
      postAttentionNorm: take(`model.layers.${l}.post_attention_layernorm.weight`, [h]),
      proj: Object.fromEntries(LORA_TARGETS.map((t) => [t, projection(l, t)])) as Record<
        LoraTarget,
        Float32Array
      >,
    })),
  };
  return { directory, config: dir.config, llama, weights };
}

function floatData(tensor: { rawData?: Uint8Array | null; floatData?: number[] | null }): Float32Array {
  if (tensor.rawData && tensor.rawData.byteLength > 0) {
    // Copy: raw_data inside a decoded protobuf is rarely 4-byte aligned.
    const bytes = Uint8Array.from(tensor.rawData);
    return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
  }
  return Float32Array.from(tensor.floatData ?? []);
}
