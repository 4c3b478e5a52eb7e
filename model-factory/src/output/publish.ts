import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { toJson } from "@payable-ai/sdk";
import type { Hex } from "viem";
import type { TrainResult } from "../train/trainer.js";
import { buildTrainingManifest, MANIFEST_FILE, writeTrainingManifest } from "./manifest.js";
import { buildPeftAdapter, writePeftAdapter } from "./peftAdapter.js";

export const RESULT_FILE = "training-result.json";

/** What a finished fine-tune hands to `ModelRegistry.registerModel`. */
export interface FineTuneOutput {
  directory: string;
  /** sha256 of the adapter package blob (the on-chain adapter hash). */
  adapterHash: Hex;
  /** Merkle root of the training manifest (`trainingManifestRoot`), null without contribution ids. */
  manifestRoot: Hex | null;
  contributions: number;
}

/**
 * Writes the outputs of a training run into `directory`: the PEFT adapter
 * (`adapter_config.json`, `adapter_model.safetensors`), its single-blob package, the training
 * manifest and a JSON summary of the run.
 */
export async function publishTrainingResult(
  directory: string,
  result: TrainResult,
  baseModel: string,
): Promise<FineTuneOutput> {
  await mkdir(directory, { recursive: true });
  const adapter = buildPeftAdapter(result.modules, result.lora, { baseModel });
  await writePeftAdapter(directory, adapter);
  let manifestRoot: Hex | null = null;
  if (result.contributions.length > 0) {
    const manifest = buildTrainingManifest(result.contributions);
    await writeTrainingManifest(join(directory, MANIFEST_FILE), manifest);
    manifestRoot = manifest.root;
  }
  const { modules: _modules, losses, ...summary } = result;
  await writeFile(
    join(directory, RESULT_FILE),
    `${toJson({ ...summary, lossCurve: losses, adapterHash: adapter.packageHash, manifestRoot }, 2)}\n`,
  );
  return {
    directory,
    adapterHash: adapter.packageHash,
    manifestRoot,
    contributions: result.contributions.length,
  };
}
