import { z } from "zod";
import { AdapterFormatError } from "../errors.js";
import {
  isLoraTarget,
  type LlamaConfig,
  type LoraTarget,
  moduleGroup,
  projectionShape,
} from "../model/config.js";
import { adapterBytes, type LoraAdapter, type LoraModule } from "./lora.js";
import { readSafetensors, SafetensorsError, type SafetensorsFile } from "./safetensors.js";

/** The fields of PEFT's `adapter_config.json` the node reads. */
export const peftConfigSchema = z
  .object({
    peft_type: z.literal("LORA").optional(),
    r: z.number().int().positive(),
    lora_alpha: z.number().positive(),
    target_modules: z.union([z.array(z.string()).min(1), z.string().min(1)]),
    use_rslora: z.boolean().optional().default(false),
    use_dora: z.boolean().optional().default(false),
    fan_in_fan_out: z.boolean().optional().default(false),
    bias: z.string().optional().default("none"),
    rank_pattern: z.record(z.string(), z.number()).optional().default({}),
    alpha_pattern: z.record(z.string(), z.number()).optional().default({}),
    base_model_name_or_path: z.string().nullish(),
  })
  .loose();
export type PeftConfig = z.infer<typeof peftConfigSchema>;

/** Metadata key under which an adapter package carries its `adapter_config.json`. */
export const ADAPTER_CONFIG_METADATA_KEY = "adapter_config";

const TENSOR_NAME =
  /^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.([a-z]+_proj)\.lora_(A|B)(?:\.default)?\.weight$/;

export function parsePeftConfig(value: unknown): PeftConfig {
  const parsed = peftConfigSchema.safeParse(value);
  if (!parsed.success) throw new AdapterFormatError(`adapter_config.json: ${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  if (config.use_dora) throw new AdapterFormatError("DoRA adapters are not supported");
  if (config.fan_in_fan_out)
    throw new AdapterFormatError("fan_in_fan_out adapters are not supported (Llama uses Linear)");
  if (config.bias !== "none")
    throw new AdapterFormatError(`bias "${config.bias}" is not supported; only "none"`);
  if (Object.keys(config.rank_pattern).length > 0 || Object.keys(config.alpha_pattern).length > 0) {
    throw new AdapterFormatError("rank_pattern / alpha_pattern are not supported");
  }
  return config;
}

/** LoRA scaling: alpha / r, or alpha / sqrt(r) for rsLoRA. */
export function loraScale(config: PeftConfig): number {
  return config.use_rslora ? config.lora_alpha / Math.sqrt(config.r) : config.lora_alpha / config.r;
}

function targetsModule(config: PeftConfig, layer: number, group: string, target: string): boolean {
  const full = `model.layers.${layer}.${group}.${target}`;
  if (typeof config.target_modules === "string") {
    if (config.target_modules === "all-linear") return true;
    return new RegExp(`^(?:${config.target_modules})$`).test(full);
  }
  return config.target_modules.some((m) => full === m || full.endsWith(`.${m}`));
}

/**
 * Turns a PEFT LoRA (config + safetensors tensors) into bank-ready modules for the given base model.
 * Tensors of any float dtype are accepted; shapes are checked against the model.
 */
export function peftToLoraAdapter(
  id: string,
  config: PeftConfig,
  file: SafetensorsFile,
  model: LlamaConfig,
): LoraAdapter {
  const parts = new Map<
    string,
    {
      layer: number;
      target: LoraTarget;
      A?: Float32Array;
      B?: Float32Array;
      shapeA?: number[];
      shapeB?: number[];
    }
  >();
  for (const [name, tensor] of file.tensors) {
    const match = TENSOR_NAME.exec(name);
    if (!match) throw new AdapterFormatError(`unexpected tensor ${name}`);
    const layer = Number(match[1]);
    const group = match[2] as string;
    const target = match[3] as string;
    if (!isLoraTarget(target) || moduleGroup(target) !== group)
      throw new AdapterFormatError(`unknown module in ${name}`);
    if (layer >= model.numLayers)
      throw new AdapterFormatError(`${name}: layer ${layer} beyond the model's ${model.numLayers}`);
    if (!targetsModule(config, layer, group, target)) {
      throw new AdapterFormatError(`${name}: module not listed in target_modules`);
    }
    const key = `${layer}.${target}`;
    const entry = parts.get(key) ?? { layer, target };
    if (match[4] === "A") {
      entry.A = tensor.data;
      entry.shapeA = tensor.shape;
    } else {
      entry.B = tensor.data;
      entry.shapeB = tensor.shape;
    }
    parts.set(key, entry);
  }
  if (parts.size === 0) throw new AdapterFormatError("adapter has no LoRA tensors");

  const modules: LoraModule[] = [];
  for (const [key, entry] of parts) {
    if (!entry.A || !entry.B || !entry.shapeA || !entry.shapeB) {
      throw new AdapterFormatError(`module ${key} needs both lora_A and lora_B`);
    }
    const [inDim, outDim] = projectionShape(model, entry.target);
    const [rankA, inA] = entry.shapeA as [number, number];
    const [outB, rankB] = entry.shapeB as [number, number];
    if (
      entry.shapeA.length !== 2 ||
      entry.shapeB.length !== 2 ||
      inA !== inDim ||
      outB !== outDim ||
      rankA !== rankB
    ) {
      throw new AdapterFormatError(
        `module ${key}: lora_A ${JSON.stringify(entry.shapeA)} / lora_B ${JSON.stringify(entry.shapeB)} do not fit [${inDim} -> ${outDim}]`,
      );
    }
    if (rankA !== config.r)
      throw new AdapterFormatError(`module ${key}: rank ${rankA} differs from r=${config.r}`);
    // PEFT stores lora_A as [r, in] and lora_B as [out, r]; the bank wants [in, r] and [r, out].
    modules.push({
      layer: entry.layer,
      target: entry.target,
      inDim,
      outDim,
      rank: rankA,
      a: transpose(entry.A, rankA, inDim),
      b: transpose(entry.B, outDim, rankA),
    });
  }
  modules.sort((x, y) => x.layer - y.layer || x.target.localeCompare(y.target));
  return { id, rank: config.r, scale: loraScale(config), modules, bytes: adapterBytes(modules) };
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  }
  return out;
}

/**
 * An adapter package is the PEFT `adapter_model.safetensors` with the PEFT `adapter_config.json`
 * stored in its `__metadata__` under `adapter_config`: one blob, one sha256 covering both.
 */
export function readAdapterPackage(id: string, bytes: Uint8Array, model: LlamaConfig): LoraAdapter {
  let file: SafetensorsFile;
  try {
    file = readSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new AdapterFormatError(`adapter ${id}: ${error.message}`);
    throw error;
  }
  const configText = file.metadata[ADAPTER_CONFIG_METADATA_KEY];
  if (!configText)
    throw new AdapterFormatError(`adapter ${id}: no adapter_config in the safetensors metadata`);
  let configJson: unknown;
  try {
    configJson = JSON.parse(configText);
  } catch {
    throw new AdapterFormatError(`adapter ${id}: adapter_config metadata is not JSON`);
  }
  return peftToLoraAdapter(id, parsePeftConfig(configJson), file, model);
}

/**
 * Builds an adapter package from the two files PEFT's `save_pretrained` writes. Tensor bytes are
 * kept as they are (any dtype); only the header gains the config.
 */
export function packPeftAdapter(adapterConfigJson: string, safetensors: Uint8Array): Uint8Array {
  parsePeftConfig(JSON.parse(adapterConfigJson));
  const view = new DataView(safetensors.buffer, safetensors.byteOffset, safetensors.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(safetensors.subarray(8, 8 + headerLength)));
  header.__metadata__ = {
    ...(header.__metadata__ ?? {}),
    [ADAPTER_CONFIG_METADATA_KEY]: JSON.stringify(JSON.parse(adapterConfigJson)),
  };
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += " ";
  const headerBytes = new TextEncoder().encode(json);
  const data = safetensors.subarray(8 + headerLength);
  const out = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}
