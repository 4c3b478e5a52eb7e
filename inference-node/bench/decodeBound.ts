/**
 * Decode against the memory-bandwidth bound. A batch-1 decode step must read every weight once, so
 * it cannot beat (weight bytes) / (read bandwidth). The bandwidth is measured in the same run with
 * ONNX Runtime's vectorised ReduceSum over a buffer far larger than the caches, on the same thread
 * count as the sessions.
 */
import * as ort from "onnxruntime-node";
import { emptyCache } from "../src/engine/kvCache.js";
import type { LlamaSession } from "../src/engine/llamaSession.js";
import { type LlamaConfig, LORA_TARGETS, projectionShape } from "../src/model/config.js";
import { attr, ElemType, encodeModel, GraphBuilder, valueInfo } from "../src/model/onnxGraph.js";

/**
 * Bytes/s of one streaming read of `mib` MiB, best of `repeats`: on a shared machine the best run is
 * the least disturbed one, and the step times below are taken the same way, so their ratio compares
 * like with like.
 */
export async function readBandwidth(threads: number, mib = 512, repeats = 15): Promise<number> {
  const g = new GraphBuilder();
  g.inputs.push(valueInfo("x", ElemType.FLOAT, ["n"]));
  g.outputs.push(valueInfo("sum", ElemType.FLOAT, []));
  g.node("ReduceSum", ["x"], { outputs: ["sum"], attributes: [attr.int("keepdims", 0)] });
  const session = await ort.InferenceSession.create(encodeModel(g.toModel("bandwidth")), {
    executionProviders: ["cpu"],
    intraOpNumThreads: threads,
  });
  const data = new Float32Array((mib << 20) / 4).fill(1);
  const x = new ort.Tensor("float32", data, [data.length]);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await session.run({ x });
    best = Math.min(best, performance.now() - t);
  }
  await session.release();
  return data.byteLength / (best / 1000);
}

/** Bytes a batch-1 decode step reads at least: every projection, the LM head, the norms. */
export function decodeWeightBytes(config: LlamaConfig): number {
  let perLayer = 2 * config.hiddenSize;
  for (const target of LORA_TARGETS) {
    const [i, o] = projectionShape(config, target);
    perLayer += i * o;
  }
  return 4 * (config.numLayers * perLayer + config.hiddenSize * config.vocabSize + config.hiddenSize);
}

/**
 * Wall-clock ms of decode steps of `rows` rows after a `prompt`-token prefill: the fastest step in a
 * window of steps from each requested past length (the least disturbed one, as for the bandwidth).
 */
export async function decodeStepMs(
  session: LlamaSession,
  rows: number,
  prompt: number,
  pastLengths: number[],
  window = 5,
): Promise<Map<number, number>> {
  const config = session.config;
  const last = Math.max(...pastLengths) + window;
  const tokens = Array.from({ length: rows }, (_, r) =>
    Array.from({ length: prompt }, (_, i) => (r * 7 + i * 13) % 256),
  );
  let step = await session.forward({
    cache: emptyCache(config, rows),
    tokens,
    positions: tokens.map(() => 0),
  });
  const times = new Map<number, number>();
  for (let past = prompt; past < last; past++) {
    const t = performance.now();
    step = await session.forward({
      cache: step.cache,
      tokens: tokens.map((_, r) => [(past + r) % 256]),
      positions: tokens.map(() => past),
    });
    times.set(past, performance.now() - t);
  }
  const out = new Map<number, number>();
  for (const p of pastLengths) {
    const around: number[] = [];
    for (let q = p; q < p + window; q++) around.push(times.get(q) as number);
    out.set(p, Math.min(...around));
  }
  return out;
}
