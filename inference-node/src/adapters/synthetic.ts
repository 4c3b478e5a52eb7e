import {
  ATTENTION_TARGETS,
  type LlamaConfig,
  type LoraTarget,
  moduleGroup,
  projectionShape,
} from "../model/config.js";
import { deriveSeed, randomWeights } from "../model/random.js";
import { packPeftAdapter } from "./peft.js";
import { type SafetensorsDtype, type TensorToWrite, writeSafetensors } from "./safetensors.js";

export interface SyntheticAdapterOptions {
  rank: number;
  seed: number;
  alpha?: number;
  targets?: readonly LoraTarget[];
  useRslora?: boolean;
  dtype?: SafetensorsDtype;
}

/**
 * A seeded LoRA in the exact files PEFT writes (`adapter_config.json`, `adapter_model.safetensors`),
 * with B non-zero so that it visibly changes the model (PEFT initialises B to zero before training).
 */
export function syntheticPeftAdapter(model: LlamaConfig, options: SyntheticAdapterOptions) {
  const targets = options.targets ?? ATTENTION_TARGETS;
  const r = options.rank;
  const config = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    base_model_name_or_path: "payable-ai/llama-small",
    r,
    lora_alpha: options.alpha ?? 2 * r,
    lora_dropout: 0,
    target_modules: [...targets],
    use_rslora: options.useRslora ?? false,
    bias: "none",
    fan_in_fan_out: false,
  };
  const tensors: Record<string, TensorToWrite> = {};
  const dtype = options.dtype ?? "F32";
  for (let layer = 0; layer < model.numLayers; layer++) {
    for (const target of targets) {
      const [inDim, outDim] = projectionShape(model, target);
      const prefix = `base_model.model.model.layers.${layer}.${moduleGroup(target)}.${target}`;
      tensors[`${prefix}.lora_A.weight`] = {
        dtype,
        shape: [r, inDim],
        data: randomWeights(r * inDim, 1 / Math.sqrt(inDim), deriveSeed(options.seed, `${prefix}.A`)),
      };
      tensors[`${prefix}.lora_B.weight`] = {
        dtype,
        shape: [outDim, r],
        data: randomWeights(outDim * r, 0.3 / Math.sqrt(r), deriveSeed(options.seed, `${prefix}.B`)),
      };
    }
  }
  const configJson = JSON.stringify(config, null, 2);
  const safetensors = writeSafetensors(tensors, { format: "pt" });
  return { configJson, safetensors, package: packPeftAdapter(configJson, safetensors) };
}
