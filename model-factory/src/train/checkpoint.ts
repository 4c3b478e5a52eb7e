import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { toJson } from "@payable-ai/sdk";
import { readSafetensors, type TensorToWrite, writeSafetensors } from "../base/inferenceNode.js";

export const CHECKPOINT_FILE = "checkpoint.json";

export interface EvalRecord {
  step: number;
  loss: number;
  perplexity: number;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainingState {
  /** Optimizer updates done. */
  step: number;
  tokensTrained: number;
  trainSeconds: number;
  bestEvalLoss: number | null;
  bestStep: number | null;
  evalsWithoutImprovement: number;
  baseEvalLoss: number | null;
  losses: { step: number; loss: number; learningRate: number }[];
  evals: EvalRecord[];
  lora: Map<string, Float32Array>;
  best: Map<string, Float32Array> | null;
  optimizer: { updates: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> };
}

interface CheckpointHeader {
  version: 1;
  /** Identifies the run: hyperparameters, base model and data. A checkpoint of another run is ignored. */
  runKey: string;
  tensors: string;
  state: Omit<TrainingState, "lora" | "best" | "optimizer"> & { optimizerUpdates: number; hasBest: boolean };
}

export function runKey(parts: unknown): string {
  return createHash("sha256").update(toJson(parts)).digest("hex");
}

/**
 * Writes the state as `state-<step>.safetensors` then `checkpoint.json` (each via a temporary file
 * and a rename), so a crash at any moment leaves the previous complete checkpoint readable.
 */
export async function saveCheckpoint(directory: string, key: string, state: TrainingState): Promise<void> {
  await mkdir(directory, { recursive: true });
  const tensors: Record<string, TensorToWrite> = {};
  const put = (prefix: string, values: Map<string, Float32Array>) => {
    for (const [name, data] of values)
      tensors[`${prefix}.${name}`] = { dtype: "F32", shape: [data.length], data };
  };
  put("lora", state.lora);
  if (state.best) put("best", state.best);
  put("adam_m", state.optimizer.m);
  put("adam_v", state.optimizer.v);
  const tensorsFile = `state-${state.step}.safetensors`;
  await writeAtomic(join(directory, tensorsFile), writeSafetensors(tensors));
  const { lora: _l, best, optimizer, ...rest } = state;
  const header: CheckpointHeader = {
    version: 1,
    runKey: key,
    tensors: tensorsFile,
    state: { ...rest, optimizerUpdates: optimizer.updates, hasBest: best !== null },
  };
  let previous: string | undefined;
  try {
    previous = (JSON.parse(await readFile(join(directory, CHECKPOINT_FILE), "utf8")) as CheckpointHeader)
      .tensors;
  } catch {
    previous = undefined;
  }
  await writeAtomic(join(directory, CHECKPOINT_FILE), new TextEncoder().encode(JSON.stringify(header)));
  if (previous && previous !== tensorsFile) await rm(join(directory, previous), { force: true });
}

/** The saved state of the run `key`, or null when there is none (or it belongs to another run). */
export async function loadCheckpoint(directory: string, key: string): Promise<TrainingState | null> {
  let header: CheckpointHeader;
  try {
    header = JSON.parse(await readFile(join(directory, CHECKPOINT_FILE), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  if (header.version !== 1 || header.runKey !== key) return null;
  const file = readSafetensors(new Uint8Array(await readFile(join(directory, header.tensors))));
  const take = (prefix: string) => {
    const out = new Map<string, Float32Array>();
    for (const [name, tensor] of file.tensors) {
      if (name.startsWith(`${prefix}.`)) out.set(name.slice(prefix.length + 1), tensor.data);
    }
    return out;
  };
  const { optimizerUpdates, hasBest, ...rest } = header.state;
  return {
    ...rest,
    lora: take("lora"),
    best: hasBest ? take("best") : null,
    optimizer: { updates: optimizerUpdates, m: take("adam_m"), v: take("adam_v") },
  };
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}
