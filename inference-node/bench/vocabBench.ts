/**
 * Large-vocabulary costs, measured against their baselines in one run: prefill with logits for
 * the last position only versus for every position (same weights, same prompts), and top-p /
 * temperature sampling by heap selection versus sorting the whole vocabulary per row.
 *
 *   npm run bench:vocab -w inference-node
 */

import { emptyCache } from "../src/engine/kvCache.js";
import { LlamaSession } from "../src/engine/llamaSession.js";
import { createRng, type SamplingParams, sampleToken } from "../src/engine/sampling.js";
import { addLoraInputs } from "../src/model/addLora.js";
import { LLAMA_ARCHITECTURE } from "../src/model/architecture.js";
import { type LlamaConfig, LORA_TARGETS } from "../src/model/config.js";
import { buildLlamaGraph } from "../src/model/llamaGraph.js";
import { encodeModel } from "../src/model/onnxGraph.js";
import { mulberry32 } from "../src/model/random.js";
import { generateLlamaWeights } from "../src/model/weights.js";

// Qwen2.5's vocabulary on a small body: the output projection dominates, as in small real models.
const config: LlamaConfig = {
  vocabSize: 151_936,
  hiddenSize: 256,
  intermediateSize: 688,
  numLayers: 4,
  numHeads: 8,
  numKvHeads: 2,
  rmsNormEps: 1e-6,
  ropeTheta: 1_000_000,
  maxPositions: 512,
};
const ROWS = 8;
const PROMPT = 64;
const REPEATS = 5;

/** Median wall-clock ms of `run` over `repeats` runs after one warm-up. */
async function median(run: () => Promise<unknown> | unknown, repeats = REPEATS): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** The rule before heap selection: every candidate sorted, then cut and sampled in order. */
function sampleBySorting(logits: Float32Array, params: SamplingParams, rng: () => number): number {
  let candidates = Array.from(logits, (logit, token) => ({ token, logit: logit / params.temperature }));
  candidates.sort((a, b) => b.logit - a.logit || a.token - b.token);
  if (params.topK > 0) candidates = candidates.slice(0, params.topK);
  const max = (candidates[0] as { logit: number }).logit;
  const weights = candidates.map((c) => Math.exp(c.logit - max));
  const total = weights.reduce((a, b) => a + b, 0);
  let keep = candidates.length;
  if (params.topP < 1) {
    let mass = 0;
    for (let i = 0; i < candidates.length; i++) {
      mass += (weights[i] as number) / total;
      if (mass >= params.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  let target = rng() * weights.slice(0, keep).reduce((a, b) => a + b, 0);
  for (let i = 0; i < keep; i++) {
    target -= weights[i] as number;
    if (target <= 0) return (candidates[i] as { token: number }).token;
  }
  return (candidates[keep - 1] as { token: number }).token;
}

const weights = generateLlamaWeights(config, 3);
const tied = { ...weights, lmHead: null };
const architecture = { ...LLAMA_ARCHITECTURE, tiedEmbeddings: true };
const graph = (lastTokenLogits: boolean) =>
  encodeModel(
    addLoraInputs(buildLlamaGraph(config, tied, { architecture, lastTokenLogits }), LORA_TARGETS).model,
  );
const last = await LlamaSession.create(graph(true), config, { intraOpThreads: 1 });
const every = await LlamaSession.create(graph(false), config, { intraOpThreads: 1 });
const next = mulberry32(1);
const prompts = Array.from({ length: ROWS }, () =>
  Array.from({ length: PROMPT }, () => Math.floor(next() * config.vocabSize)),
);
const prefill = (session: LlamaSession) => () =>
  session.forward({ cache: emptyCache(config, ROWS), tokens: prompts, positions: prompts.map(() => 0) });
const lastMs = await median(prefill(last));
const everyMs = await median(prefill(every));
const lastBytes = (await prefill(last)()).logits.byteLength;
const everyBytes = (await prefill(every)()).logits.byteLength;

const logits = (await prefill(last)()).logits.subarray(0, config.vocabSize);
const rows = 20;
const sampleMs = async (sample: typeof sampleToken, params: SamplingParams) => {
  const rng = createRng(7);
  return (
    (await median(() => {
      for (let i = 0; i < rows; i++) sample(logits, params, rng);
    })) / rows
  );
};
const table: [string, number, number][] = [];
for (const [name, params] of [
  ["temperature 0.8", { temperature: 0.8, topP: 1, topK: 0 }],
  ["top-p 0.9", { temperature: 0.8, topP: 0.9, topK: 0 }],
  ["top-k 50", { temperature: 0.8, topP: 1, topK: 50 }],
] as const) {
  table.push([name, await sampleMs(sampleToken, params), await sampleMs(sampleBySorting, params)]);
}
await last.release();
await every.release();

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
console.log(
  `shape: vocab ${config.vocabSize}, hidden ${config.hiddenSize}, ${config.numLayers} layers, tied embeddings; one ORT thread`,
);
console.log("| measure | ours | baseline | baseline / ours |");
console.log("|---|---|---|---|");
console.log(
  `| prefill ${ROWS} × ${PROMPT} tokens: last-position logits vs every position | ${fmt(lastMs)} | ${fmt(everyMs)} | ${(everyMs / lastMs).toFixed(2)}x |`,
);
console.log(
  `| logits returned by that prefill | ${(lastBytes / 2 ** 20).toFixed(1)} MiB | ${(everyBytes / 2 ** 20).toFixed(1)} MiB | ${(everyBytes / lastBytes).toFixed(0)}x |`,
);
for (const [name, ours, sorted] of table) {
  console.log(
    `| sample one row, ${name}: heap / walk vs full sort | ${fmt(ours)} | ${fmt(sorted)} | ${(sorted / ours).toFixed(1)}x |`,
  );
}
