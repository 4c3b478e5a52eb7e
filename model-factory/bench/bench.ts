/**
 * Model Factory benchmark: training throughput on the inference node's small demo model, a
 * 1,000-example LoRA fine-tune of a tiny model on a synthetic datanet with held-out eval loss of
 * the base model versus the tuned adapter, the memorize preset on 50 facts with keeper-style
 * attribution against the untrained base and an n-gram baseline (bench/memorize.ts), and train
 * throughput with 1 and 2 wasm threads (bench/throughput.ts). Writes bench/results.json.
 */
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  countParameters,
  SMALL_CONFIG,
  TINY_CONFIG,
  writeGeneratedModel,
} from "../src/base/inferenceNode.js";
import { loadBaseModel } from "../src/base/loadBaseModel.js";
import { examplesOf, syntheticDatanet } from "../src/data/synthetic.js";
import { publishTrainingResult } from "../src/output/publish.js";
import { initBackend } from "../src/train/backend.js";
import { train } from "../src/train/trainer.js";
import { runMemorizeBench } from "./memorize.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const out = join(here, "out");
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const backend = await initBackend();

const datanet = syntheticDatanet(1000, 2026);
const examples = examplesOf(datanet);

// 1. Throughput on the demo model the inference node serves (a few steps: it is the slow one here).
const smallDir = join(out, "model-small");
await writeGeneratedModel(smallDir, {
  name: "llama-small",
  llama: SMALL_CONFIG,
  seed: 42,
  loraTargets: ["q_proj", "k_proj", "v_proj", "o_proj"],
});
const small = await loadBaseModel(smallDir);
const throughput = await train({
  base: { name: "llama-small", llama: small.llama, weights: small.weights },
  examples,
  hyperparameters: { maxSteps: 4, batchSize: 8, evalFraction: 0, maxLength: 128 },
});
console.log(
  `small demo model (${countParameters(SMALL_CONFIG).toLocaleString("en-US")} params): ${throughput.tokensPerSecond.toFixed(0)} tokens/s over ${throughput.tokensTrained} tokens`,
);

// 2. A full 1,000-example fine-tune of the tiny model: one epoch, rank 8 on q, k, v, o.
const tinyDir = join(out, "model-tiny");
await writeGeneratedModel(tinyDir, {
  name: "llama-tiny",
  llama: TINY_CONFIG,
  seed: 42,
  loraTargets: ["q_proj", "k_proj", "v_proj", "o_proj"],
});
const tiny = await loadBaseModel(tinyDir);
const started = performance.now();
const hyperparameters = {
  epochs: 1,
  batchSize: 16,
  learningRate: 1e-2,
  warmupSteps: 5,
  evalFraction: 0.1,
  evalEvery: 14,
  maxLength: 128,
};
let lastPrint = 0;
const result = await train({
  base: { name: "llama-tiny", llama: tiny.llama, weights: tiny.weights },
  examples,
  hyperparameters,
  checkpointDir: join(out, "checkpoints"),
  onProgress: (p) => {
    if (p.evalLoss !== undefined || p.step - lastPrint >= 10) {
      lastPrint = p.step;
      console.log(
        `  step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)}${p.evalLoss === undefined ? "" : ` eval ${p.evalLoss.toFixed(3)}`} ${p.tokensPerSecond.toFixed(0)} tok/s eta ${p.etaSeconds.toFixed(0)} s`,
      );
    }
  },
});
const published = await publishTrainingResult(join(out, "adapter"), result, "llama-tiny");
const wall = (performance.now() - started) / 1000;

// 3. The same fine-tune against an int8-quantized frozen base (QLoRA-style).
const quantized = await train({
  base: { name: "llama-tiny", llama: tiny.llama, weights: tiny.weights },
  examples,
  hyperparameters: { ...hyperparameters, quantization: "int8" },
});
console.log(
  `int8 base: eval loss ${(quantized.bestEvalLoss as number).toFixed(3)}, ${quantized.tokensPerSecond.toFixed(0)} tokens/s`,
);

// 4. Memorize 50 facts on the demo base; attribution as keepers compute it.
console.log("memorize preset, 50 facts, demo base:");
const memorize = await runMemorizeBench({ outDir: out });

// 5. Threads: the wasm backend reads MODEL_FACTORY_THREADS once per process, so one child each.
const threads = [];
for (const count of [1, 2]) {
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ["--import", "tsx", join(here, "throughput.ts"), "60"],
      { env: { ...process.env, MODEL_FACTORY_THREADS: String(count) } },
      (error, output) => (error ? reject(error) : resolve(output)),
    ),
  );
  threads.push(JSON.parse(stdout.trim().split("\n").at(-1) as string));
}

const results = {
  backend,
  cores: availableParallelism(),
  throughput_model: { name: "llama-small", parameters: countParameters(SMALL_CONFIG), ...SMALL_CONFIG },
  train_tokens_per_s: Math.round(throughput.tokensPerSecond),
  finetune_model: { name: "llama-tiny", parameters: countParameters(TINY_CONFIG), ...TINY_CONFIG },
  finetune_tokens_per_s: Math.round(result.tokensPerSecond),
  examples: examples.length,
  train_examples: result.trainExamples,
  eval_examples: result.evalExamples,
  steps: result.steps,
  tokens_trained: result.tokensTrained,
  wall_s: Number(wall.toFixed(1)),
  eval_loss_base: Number((result.baseEvalLoss as number).toFixed(4)),
  eval_loss_tuned: Number((result.bestEvalLoss as number).toFixed(4)),
  eval_ppl_base: Number(Math.exp(result.baseEvalLoss as number).toFixed(2)),
  eval_ppl_tuned: Number(Math.exp(result.bestEvalLoss as number).toFixed(2)),
  tuned_vs_base_loss: Number(((result.bestEvalLoss as number) / (result.baseEvalLoss as number)).toFixed(3)),
  eval_loss_base_int8: Number((quantized.baseEvalLoss as number).toFixed(4)),
  eval_loss_tuned_int8: Number((quantized.bestEvalLoss as number).toFixed(4)),
  finetune_int8_tokens_per_s: Math.round(quantized.tokensPerSecond),
  hyperparameters: result.hyperparameters,
  adapter_hash: published.adapterHash,
  manifest_root: published.manifestRoot,
  memorize,
  threads,
};
await writeFile(join(here, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
console.table({
  "train tokens/s (small demo model)": results.train_tokens_per_s,
  "train tokens/s (tiny model)": results.finetune_tokens_per_s,
  "1,000-example fine-tune wall s": results.wall_s,
  "eval loss base": results.eval_loss_base,
  "eval loss tuned": results.eval_loss_tuned,
  "tuned / base eval loss": results.tuned_vs_base_loss,
  "eval loss tuned, int8 base": results.eval_loss_tuned_int8,
});

const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? "—" : "∞") : `${(a / b).toFixed(2)}×`);
const row = (f: typeof memorize.tuned) => ({
  "top attribution correct": `${(100 * f.attribution_top_correct).toFixed(0)} %`,
  "exact match": `${(100 * f.exact_match).toFixed(0)} %`,
  "byte accuracy": `${(100 * f.token_accuracy).toFixed(1)} %`,
  "train loss": Number(f.train_loss.toFixed(3)),
  "held-out loss": f.held_out_loss === null ? "—" : Number(f.held_out_loss.toFixed(3)),
});
console.log(
  `memorize: ${memorize.facts} facts, ${memorize.steps} steps, ${memorize.train_seconds} s training, ${memorize.train_tokens_per_s} tokens/s`,
);
console.table({
  "fine-tune (memorize)": row(memorize.tuned),
  "untrained base": row(memorize.base),
  [`byte ${memorize.ngram.order}-gram`]: row(memorize.ngram),
});
console.table({
  "fine-tune / base": {
    "top attribution correct": ratio(
      memorize.tuned.attribution_top_correct,
      memorize.base.attribution_top_correct,
    ),
    "exact match": ratio(memorize.tuned.exact_match, memorize.base.exact_match),
    "byte accuracy": ratio(memorize.tuned.token_accuracy, memorize.base.token_accuracy),
    "train loss": ratio(memorize.tuned.train_loss, memorize.base.train_loss),
  },
  "fine-tune / n-gram": {
    "top attribution correct": ratio(
      memorize.tuned.attribution_top_correct,
      memorize.ngram.attribution_top_correct,
    ),
    "exact match": ratio(memorize.tuned.exact_match, memorize.ngram.exact_match),
    "byte accuracy": ratio(memorize.tuned.token_accuracy, memorize.ngram.token_accuracy),
    "train loss": ratio(memorize.tuned.train_loss, memorize.ngram.train_loss),
  },
});
console.table(
  Object.fromEntries(
    threads.map((t) => [
      `MODEL_FACTORY_THREADS=${t.requested_threads}`,
      { "tokens/s": t.tokens_per_s, "threads in use": t.backend_threads },
    ]),
  ),
);
