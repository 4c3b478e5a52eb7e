import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defineCommandLine, exitWithUsage, parseOrExit } from "@payable-ai/service";
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

const generateCommandLine = defineCommandLine({
  program: "generate-model",
  summary: "Writes a generated Llama-shaped model and demo LoRA adapters.",
  envPrefix: "GENERATE_MODEL",
  options: {
    "model-dir": { kind: "string", default: ".data/model", help: "where the model is written" },
    "adapters-dir": {
      kind: "string",
      default: ".data/adapters",
      help: "where the demo adapters are written",
    },
    seed: { kind: "integer", default: "42", help: "seed of the weights and adapters" },
    shape: {
      kind: "string",
      default: "small",
      help: "starting shape: small or demo (the local network's base)",
    },
    layers: { kind: "integer", min: 1, help: "decoder layers (default: the shape's)" },
    hidden: { kind: "integer", min: 1, help: "hidden size (default: the shape's)" },
    heads: { kind: "integer", min: 1, help: "attention heads (default: the shape's)" },
    "kv-heads": { kind: "integer", min: 1, help: "key/value heads (default: the shape's)" },
    intermediate: { kind: "integer", min: 1, help: "MLP size (default: the shape's)" },
    "lora-targets": { kind: "string", default: "attention", help: "attention (q,k,v,o) or all" },
    adapters: { kind: "integer", default: "8", help: "demo adapters to write" },
  },
});
const { options: values } = parseOrExit(generateCommandLine);
const shapes = { small: SMALL_CONFIG, demo: DEMO_CONFIG } as const;
const shape = shapes[values.shape as keyof typeof shapes];
if (shape === undefined)
  exitWithUsage(generateCommandLine, `--shape must be one of ${Object.keys(shapes).join(", ")}`);
if (!["attention", "all"].includes(values["lora-targets"]))
  exitWithUsage(generateCommandLine, "--lora-targets must be attention or all");
const llama = {
  ...shape,
  numLayers: values.layers ?? shape.numLayers,
  hiddenSize: values.hidden ?? shape.hiddenSize,
  numHeads: values.heads ?? shape.numHeads,
  numKvHeads: values["kv-heads"] ?? shape.numKvHeads,
  intermediateSize: values.intermediate ?? shape.intermediateSize,
};
const targets: readonly LoraTarget[] = values["lora-targets"] === "all" ? LORA_TARGETS : ATTENTION_TARGETS;
const seed = values.seed;
const modelDir = values["model-dir"];
const adaptersDir = values["adapters-dir"];

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
const count = values.adapters;
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
