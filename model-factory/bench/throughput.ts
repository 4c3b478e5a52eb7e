/**
 * Training throughput of the memorize preset on the demo base, in this process: run it once per
 * `MODEL_FACTORY_THREADS` value (the wasm backend reads it once per process). Prints one JSON line.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { DEMO_CONFIG, writeGeneratedModel } from "../src/base/inferenceNode.js";
import { loadBaseModel } from "../src/base/loadBaseModel.js";
import { examplesOf, syntheticDatanet } from "../src/data/synthetic.js";
import { initBackend, tf } from "../src/train/backend.js";
import { train } from "../src/train/trainer.js";

const steps = Number(process.argv[2] ?? 40);
const dir = await mkdtemp(join(tmpdir(), "model-factory-throughput-"));
try {
  const backend = await initBackend();
  await writeGeneratedModel(join(dir, "model"), {
    name: "llama-demo",
    llama: DEMO_CONFIG,
    seed: 42,
    loraTargets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  });
  const base = await loadBaseModel(join(dir, "model"));
  const result = await train({
    base: { name: "llama-demo", llama: base.llama, weights: base.weights },
    examples: examplesOf(syntheticDatanet(50, 2026, 1n, { style: "facts" })),
    preset: "memorize",
    hyperparameters: { maxSteps: steps },
  });
  console.log(
    JSON.stringify({
      requested_threads: Number(process.env.MODEL_FACTORY_THREADS ?? 0),
      backend,
      backend_threads: backend === "wasm" ? getThreadsCount() : 1,
      multithread_binary: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
      steps: result.steps,
      tokens_per_s: Math.round(result.tokensPerSecond),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
