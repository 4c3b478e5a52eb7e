import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packPeftAdapter, readAdapterPackage } from "../src/adapters/peft.js";
import { readSafetensors, type TensorToWrite, writeSafetensors } from "../src/adapters/safetensors.js";
import { syntheticPeftAdapter } from "../src/adapters/synthetic.js";
import { LlamaSession } from "../src/engine/llamaSession.js";
import { LoraBank } from "../src/engine/loraBank.js";
import { AdapterFormatError } from "../src/errors.js";
import { LORA_TARGETS, type LoraTarget } from "../src/model/config.js";
import { readHfCheckpoint } from "../src/model/hfCheckpoint.js";
import { buildHfGraph } from "../src/model/loadModel.js";
import { encodeModel } from "../src/model/onnxGraph.js";
import { maxAbsDiff, promptLogits } from "./helpers.js";
import { type FamilyName, writeHfCheckpoint } from "./hfFixtures.js";

const PROMPT = [5, 99, 17, 300, 42, 7, 256, 1];

/**
 * A PEFT adapter (the two files `save_pretrained` writes) with the module names these families
 * use, as one package. `all-linear` is PEFT's shorthand for every linear layer but the output.
 */
function peftAdapter(
  llama: Parameters<typeof syntheticPeftAdapter>[0],
  options: { targets: readonly LoraTarget[]; targetModules?: string; rank: number; useRslora?: boolean },
) {
  const adapter = syntheticPeftAdapter(llama, {
    rank: options.rank,
    seed: 4,
    targets: options.targets,
    useRslora: options.useRslora,
  });
  const config = JSON.parse(adapter.configJson);
  if (options.targetModules) config.target_modules = options.targetModules;
  const configJson = JSON.stringify(config);
  return {
    config,
    safetensors: adapter.safetensors,
    package: packPeftAdapter(configJson, adapter.safetensors),
  };
}

/** W[out, in] += s · B[out, r] · A[r, in] for every module of the adapter, in the checkpoint's own tensors. */
function mergeInto(tensors: Record<string, TensorToWrite>, safetensors: Uint8Array, scale: number) {
  const lora = readSafetensors(safetensors).tensors;
  for (const [name, a] of lora) {
    if (!name.endsWith(".lora_A.weight")) continue;
    const b = lora.get(name.replace(".lora_A.", ".lora_B.")) as { shape: number[]; data: Float32Array };
    const module = name.replace("base_model.model.", "").replace(".lora_A.weight", ".weight");
    const w = tensors[module] as TensorToWrite;
    const [r, inDim] = a.shape as [number, number];
    const outDim = b.shape[0] as number;
    const merged = Float32Array.from(w.data);
    for (let o = 0; o < outDim; o++) {
      for (let i = 0; i < inDim; i++) {
        let delta = 0;
        for (let k = 0; k < r; k++)
          delta += (b.data[o * r + k] as number) * (a.data[k * inDim + i] as number);
        merged[o * inDim + i] = (merged[o * inDim + i] as number) + scale * delta;
      }
    }
    tensors[module] = { ...w, data: merged };
  }
}

describe.each(["qwen3", "qwen2", "gemma"] as FamilyName[])("PEFT adapters on a %s checkpoint", (family) => {
  let root: string;
  let base: LlamaSession;
  let llama: Awaited<ReturnType<typeof readHfCheckpoint>>["spec"]["llama"];

  const logitsOf = (session: LlamaSession, slot = 0, bank?: LoraBank) =>
    promptLogits(session, PROMPT, slot, bank);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), `hf-peft-${family}-`));
    await writeHfCheckpoint(join(root, "base"), family, { vocabSize: 512, dtype: "F32" });
    const checkpoint = await readHfCheckpoint(join(root, "base"));
    llama = checkpoint.spec.llama;
    base = await LlamaSession.create(encodeModel(buildHfGraph(checkpoint)), llama);
  }, 60_000);
  afterAll(async () => {
    await base?.release();
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    { name: "all seven projections", targets: LORA_TARGETS, rank: 4 },
    { name: '"all-linear"', targets: LORA_TARGETS, targetModules: "all-linear", rank: 8 },
    {
      name: "q_proj and v_proj, rsLoRA",
      targets: ["q_proj", "v_proj"] as LoraTarget[],
      rank: 8,
      useRslora: true,
    },
    { name: "the MLP only", targets: ["gate_proj", "up_proj", "down_proj"] as LoraTarget[], rank: 2 },
  ])(
    "$name change logits exactly as W + s·B·A",
    async ({ name, targets, targetModules, rank, useRslora }) => {
      const adapter = peftAdapter(llama, { targets, targetModules, rank, useRslora });
      const scale = useRslora
        ? adapter.config.lora_alpha / Math.sqrt(rank)
        : adapter.config.lora_alpha / rank;
      // The merged checkpoint: same seed, same tensors, plus the adapter's delta on each module.
      const mergedDir = join(root, name.replace(/\W+/g, "-"));
      await writeHfCheckpoint(mergedDir, family, {
        vocabSize: 512,
        dtype: "F32",
        mutate: (tensors) => mergeInto(tensors, adapter.safetensors, scale),
      });
      const merged = await LlamaSession.create(
        encodeModel(buildHfGraph(await readHfCheckpoint(mergedDir))),
        llama,
      );
      const bank = new LoraBank(base.modules, 3, 8);
      bank.write(2, readAdapterPackage("adapter", adapter.package, llama));

      const plain = await logitsOf(base);
      const served = await logitsOf(base, 2, bank);
      const expected = await logitsOf(merged);
      await merged.release();
      expect(maxAbsDiff(served, plain)).toBeGreaterThan(0.05);
      expect(maxAbsDiff(served, expected)).toBeLessThan(1e-4);
      // Slot 0 of the same bank is still the base model.
      expect(maxAbsDiff(await logitsOf(base, 0, bank), plain)).toBeLessThan(1e-5);
    },
    60_000,
  );

  it("refuses an adapter that also trains the output layer (422)", () => {
    const adapter = syntheticPeftAdapter(llama, { rank: 2, seed: 1 });
    const tensors = readSafetensors(adapter.safetensors).tensors;
    const withHead: Record<string, TensorToWrite> = {};
    for (const [name, t] of tensors) withHead[name] = t;
    withHead["base_model.model.lm_head.lora_A.weight"] = {
      dtype: "F32",
      shape: [2, llama.hiddenSize],
      data: new Float32Array(2 * llama.hiddenSize),
    };
    const config = { ...JSON.parse(adapter.configJson), target_modules: ["q_proj", "lm_head"] };
    const blob = packPeftAdapter(JSON.stringify(config), writeSafetensors(withHead));
    expect(() => readAdapterPackage("with-head", blob, llama)).toThrow(AdapterFormatError);
    expect(() => readAdapterPackage("with-head", blob, llama)).toThrow(/lm_head/);
  });
});
