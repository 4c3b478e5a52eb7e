import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { contentHash } from "@payable-ai/sdk";
import type { Hex } from "viem";
import {
  type LoraModule,
  type LoraTarget,
  moduleGroup,
  packPeftAdapter,
  type SafetensorsDtype,
  type TensorToWrite,
  writeSafetensors,
} from "../base/inferenceNode.js";
import type { LoraSettings } from "../train/loraLlama.js";

export const ADAPTER_CONFIG_FILE = "adapter_config.json";
export const ADAPTER_WEIGHTS_FILE = "adapter_model.safetensors";
/** The single-blob form the inference node fetches by hash (safetensors with the config in its metadata). */
export const ADAPTER_PACKAGE_FILE = "adapter.package.safetensors";

export interface PeftAdapterFiles {
  configJson: string;
  safetensors: Uint8Array;
  /** What goes to the blob store and on-chain: its sha256 is the adapter hash ModelRegistry records. */
  package: Uint8Array;
  packageHash: Hex;
}

/**
 * The files PEFT's `save_pretrained` writes for a LoRA on a Llama model: `adapter_config.json` and
 * `adapter_model.safetensors` with `lora_A.weight` [r, in] and `lora_B.weight` [out, r] per module.
 */
export function buildPeftAdapter(
  modules: readonly LoraModule[],
  lora: LoraSettings,
  options: { baseModel: string; dtype?: SafetensorsDtype },
): PeftAdapterFiles {
  const config = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    base_model_name_or_path: options.baseModel,
    r: lora.rank,
    lora_alpha: lora.alpha,
    lora_dropout: 0,
    target_modules: [...lora.targets] as LoraTarget[],
    use_rslora: lora.useRslora,
    use_dora: false,
    bias: "none",
    fan_in_fan_out: false,
    inference_mode: true,
  };
  const dtype = options.dtype ?? "F32";
  const tensors: Record<string, TensorToWrite> = {};
  for (const m of modules) {
    const prefix = `base_model.model.model.layers.${m.layer}.${moduleGroup(m.target)}.${m.target}`;
    tensors[`${prefix}.lora_A.weight`] = {
      dtype,
      shape: [m.rank, m.inDim],
      data: transpose(m.a, m.inDim, m.rank),
    };
    tensors[`${prefix}.lora_B.weight`] = {
      dtype,
      shape: [m.outDim, m.rank],
      data: transpose(m.b, m.rank, m.outDim),
    };
  }
  const configJson = `${JSON.stringify(config, null, 2)}\n`;
  const safetensors = writeSafetensors(tensors, { format: "pt" });
  const pkg = packPeftAdapter(configJson, safetensors);
  return { configJson, safetensors, package: pkg, packageHash: contentHash(pkg) };
}

export async function writePeftAdapter(directory: string, files: PeftAdapterFiles): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, ADAPTER_CONFIG_FILE), files.configJson);
  await writeFile(join(directory, ADAPTER_WEIGHTS_FILE), files.safetensors);
  await writeFile(join(directory, ADAPTER_PACKAGE_FILE), files.package);
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}
