import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { addAdapterToDir } from "../adapters/adapterDir.js";
import type { SafetensorsDtype } from "../adapters/safetensors.js";
import { syntheticPeftAdapter } from "../adapters/synthetic.js";
import {
  ATTENTION_TARGETS,
  DEMO_CONFIG,
  LORA_TARGETS,
  type LoraTarget,
  SMALL_CONFIG,
} from "../model/config.js";
import { writeGeneratedModel } from "../model/modelDir.js";
import { countParameters } from "../model/weights.js";
import { parseCommandLine, usageError } from "./args.js";

const { values, usage } = parseCommandLine(process.argv.slice(2), "generate-model [options]", {
  "model-dir": { type: "string", default: ".data/model", help: "where the model is written" },
  "adapters-dir": { type: "string", default: ".data/adapters", help: "where the demo adapters are written" },
  seed: { type: "string", default: "42", help: "seed of the weights and adapters" },
  shape: {
    type: "string",
    default: "small",
    help: "starting shape: small or demo (the local network's base)",
  },
  layers: { type: "string", help: "decoder layers (default: the shape's)" },
  hidden: { type: "string", help: "hidden size (default: the shape's)" },
  heads: { type: "string", help: "attention heads (default: the shape's)" },
  "kv-heads": { type: "string", help: "key/value heads (default: the shape's)" },
  intermediate: { type: "string", help: "MLP size (default: the shape's)" },
  "lora-targets": { type: "string", default: "attention", help: "attention (q,k,v,o) or all" },
  adapters: { type: "string", default: "8", help: "demo adapters to write" },
}) as { values: Record<string, string | undefined>; usage: string };

const intOr = (value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0)
    usageError(`"${value}" is not a non-negative integer`, usage);
  return parsed;
};
const shapes = { small: SMALL_CONFIG, demo: DEMO_CONFIG } as const;
const shape = shapes[(values.shape ?? "small") as keyof typeof shapes];
if (shape === undefined) usageError(`--shape must be one of ${Object.keys(shapes).join(", ")}`, usage);
if (values["lora-targets"] !== undefined && !["attention", "all"].includes(values["lora-targets"]))
  usageError("--lora-targets must be attention or all", usage);
const llama = {
  ...shape,
  numLayers: intOr(values.layers, shape.numLayers),
  hiddenSize: intOr(values.hidden, shape.hiddenSize),
  numHeads: intOr(values.heads, shape.numHeads),
  numKvHeads: intOr(values["kv-heads"], shape.numKvHeads),
  intermediateSize: intOr(values.intermediate, shape.intermediateSize),
};
const targets: readonly LoraTarget[] = values["lora-targets"] === "all" ? LORA_TARGETS : ATTENTION_TARGETS;
const seed = intOr(values.seed, 42);
const modelDir = values["model-dir"] ?? ".data/model";
const adaptersDir = values["adapters-dir"] ?? ".data/adapters";

await writeGeneratedModel(modelDir, { name: "llama-small", llama, seed, loraTargets: targets });
console.log(
  `model: ${modelDir} (${countParameters(llama).toLocaleString("en-US")} parameters, LoRA on ${targets.join(", ")})`,
);

// Demo adapters cover the formats the loader must read: ranks 8 and 16, rsLoRA, f16 and bf16.
const variants: { rank: number; dtype: SafetensorsDtype; useRslora: boolean }[] = [
  { rank: 8, dtype: "F32", useRslora: false },
  { rank: 16, dtype: "F32", useRslora: false },
  { rank: 16, dtype: "F16", useRslora: false },
  { rank: 8, dtype: "BF16", useRslora: true },
];
const count = intOr(values.adapters, 8);
for (let i = 0; i < count; i++) {
  const variant = variants[i % variants.length] as (typeof variants)[number];
  const id = `demo-${i}`;
  const adapter = syntheticPeftAdapter(llama, { ...variant, seed: seed * 1000 + i, targets });
  const peftDir = join(adaptersDir, "peft", id);
  await mkdir(peftDir, { recursive: true });
  await writeFile(join(peftDir, "adapter_config.json"), adapter.configJson);
  await writeFile(join(peftDir, "adapter_model.safetensors"), adapter.safetensors);
  const sha256 = await addAdapterToDir(
    adaptersDir,
    id,
    adapter.package,
    `rank ${variant.rank} ${variant.dtype}${variant.useRslora ? " rslora" : ""}`,
  );
  console.log(
    `adapter ${id}: rank ${variant.rank} ${variant.dtype}${variant.useRslora ? " rsLoRA" : ""} sha256 ${sha256}`,
  );
}
console.log(`adapters: ${adaptersDir} (registry.json, blobs/, peft/)`);
