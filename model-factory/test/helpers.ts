import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LlamaConfig, TINY_CONFIG, writeGeneratedModel } from "../src/base/inferenceNode.js";

export async function tempDir(prefix: string) {
  const path = await mkdtemp(join(tmpdir(), `model-factory-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A generated model directory, written by the inference node's own writer. */
export async function tinyModelDir(directory: string, llama: LlamaConfig = TINY_CONFIG, seed = 7) {
  await writeGeneratedModel(directory, {
    name: "llama-tiny",
    llama,
    seed,
    loraTargets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  });
  return directory;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

export function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] as number));
  return max;
}
