import { access } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BaseModel, loadBaseModel } from "../src/base/loadBaseModel.js";
import { examplesOf, syntheticDatanet } from "../src/data/synthetic.js";
import { initBackend, tf } from "../src/train/backend.js";
import { CHECKPOINT_FILE } from "../src/train/checkpoint.js";
import type { HyperparametersInput } from "../src/train/hyperparameters.js";
import { dequantizeMatrix, quantizeMatrix } from "../src/train/quantize.js";
import { learningRateAt } from "../src/train/schedule.js";
import { type TrainBase, train } from "../src/train/trainer.js";
import { maxAbsDiff, tempDir, tinyModelDir } from "./helpers.js";

const examples = examplesOf(syntheticDatanet(40, 3));
const quick: HyperparametersInput = {
  rank: 4,
  alpha: 8,
  batchSize: 4,
  maxLength: 96,
  learningRate: 1e-2,
  warmupSteps: 2,
  evalFraction: 0.2,
  evalEvery: 4,
  earlyStoppingPatience: 0,
  seed: 11,
};

describe("trainer", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let base: TrainBase;

  beforeAll(async () => {
    dir = await tempDir("train");
    const model: BaseModel = await loadBaseModel(await tinyModelDir(join(dir.path, "model")));
    base = { name: model.config.name, llama: model.llama, weights: model.weights };
  });
  afterAll(() => dir.remove());

  it("lowers training and held-out loss on response tokens, and frees every tensor", async () => {
    await initBackend();
    const tensorsBefore = tf.memory().numTensors;
    const progress: number[] = [];
    const result = await train({
      base,
      examples,
      hyperparameters: { ...quick, maxSteps: 16 },
      onProgress: (p) => progress.push(p.step),
    });
    expect(progress).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(result.status).toBe("completed");
    expect(result.trainExamples).toBe(32);
    expect(result.evalExamples).toBe(8);
    expect(result.evals.map((e) => e.step)).toEqual([4, 8, 12, 16]);
    const first = result.losses[0]?.loss as number;
    expect(result.finalLoss).toBeLessThan(first * 0.8);
    expect(result.bestEvalLoss).toBeLessThan((result.baseEvalLoss as number) * 0.8);
    expect(result.evals[0]?.perplexity).toBeCloseTo(Math.exp(result.evals[0]?.loss as number), 6);
    expect(result.tokensPerSecond).toBeGreaterThan(0);
    expect(result.contributions).toHaveLength(40);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it("resumes after a crash exactly where the uninterrupted run would be", async () => {
    const hp = { ...quick, maxSteps: 7, checkpointEvery: 3 };
    const full = await train({ base, examples, hyperparameters: hp, checkpointDir: join(dir.path, "full") });

    const crashDir = join(dir.path, "crash");
    const controller = new AbortController();
    await expect(
      train({
        base,
        examples,
        hyperparameters: hp,
        checkpointDir: crashDir,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.step === 5) controller.abort(new Error("simulated crash"));
        },
      }),
    ).rejects.toThrow("simulated crash");
    await access(join(crashDir, CHECKPOINT_FILE));

    const tensorsBefore = tf.memory().numTensors;
    const resumed = await train({ base, examples, hyperparameters: hp, checkpointDir: crashDir });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(resumed.resumedFromStep).toBe(3);
    expect(resumed.steps).toBe(7);
    expect(resumed.losses.map((l) => l.loss)).toEqual(full.losses.map((l) => l.loss));
    expect(resumed.evals).toEqual(full.evals);
    resumed.modules.forEach((m, i) => {
      expect(m.a).toEqual(full.modules[i]?.a);
      expect(m.b).toEqual(full.modules[i]?.b);
    });

    // A different run (other hyperparameters) never picks up this checkpoint.
    const other = await train({
      base,
      examples,
      hyperparameters: { ...hp, maxSteps: 2, seed: 12 },
      checkpointDir: crashDir,
    });
    expect(other.resumedFromStep).toBeNull();
  });

  it("accumulates gradients: 2 x 4 examples equals one batch of 8", async () => {
    const hp = { ...quick, maxSteps: 2, evalFraction: 0 };
    const single = await train({ base, examples, hyperparameters: { ...hp, batchSize: 8 } });
    const accumulated = await train({
      base,
      examples,
      hyperparameters: { ...hp, batchSize: 4, gradientAccumulation: 2 },
    });
    expect(accumulated.losses[0]?.loss).toBeCloseTo(single.losses[0]?.loss as number, 4);
    single.modules.forEach((m, i) => {
      expect(maxAbsDiff(m.b, accumulated.modules[i]?.b as Float32Array)).toBeLessThan(1e-4);
    });
    expect(single.modules.some((m) => m.b.some((x) => x !== 0))).toBe(true);
  });

  it("stops early when the eval loss stops improving", async () => {
    const result = await train({
      base,
      examples,
      hyperparameters: {
        ...quick,
        maxSteps: 40,
        evalEvery: 2,
        earlyStoppingPatience: 2,
        earlyStoppingMinDelta: 100,
      },
    });
    expect(result.status).toBe("early_stopped");
    expect(result.steps).toBe(6);
    expect(result.bestStep).toBe(2);
  });

  it("trains against int8 and int4 frozen base weights", async () => {
    for (const quantization of ["int8", "int4"] as const) {
      const result = await train({
        base,
        examples,
        hyperparameters: { ...quick, maxSteps: 8, quantization },
      });
      expect(result.bestEvalLoss).toBeLessThan(result.baseEvalLoss as number);
    }
  });
});

describe("quantization and schedule", () => {
  it("int8 and int4 round-trip within half a quantization step", () => {
    const rows = 64;
    const cols = 8;
    const w = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    for (const [bits, group] of [
      [8, rows],
      [4, 16],
    ] as const) {
      const q = quantizeMatrix(w, rows, cols, bits, group);
      const back = dequantizeMatrix(q);
      for (let i = 0; i < w.length; i++) {
        const scale = q.scales[Math.floor(Math.floor(i / cols) / group) * cols + (i % cols)] as number;
        expect(Math.abs((back[i] as number) - (w[i] as number))).toBeLessThanOrEqual(scale / 2 + 1e-6);
      }
      expect(q.packed.byteLength).toBe(bits === 8 ? rows * cols : (rows * cols) / 2);
    }
  });

  it("warms up linearly then decays along a cosine", () => {
    const o = { peak: 1, warmupSteps: 4, totalSteps: 14, minRatio: 0.1 };
    expect(learningRateAt(0, o)).toBeCloseTo(0.2);
    expect(learningRateAt(3, o)).toBeCloseTo(0.8);
    expect(learningRateAt(4, o)).toBeCloseTo(1);
    expect(learningRateAt(9, o)).toBeCloseTo(0.55);
    expect(learningRateAt(14, o)).toBeCloseTo(0.1);
  });
});
