import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Hex } from "viem";
import {
  deriveSeed,
  type LlamaConfig,
  type LlamaWeights,
  type LoraModule,
  mulberry32,
} from "../base/inferenceNode.js";
import {
  collate,
  countLossTokens,
  type EncodedExample,
  encodeExample,
  type TrainingExample,
} from "../data/examples.js";
import { FactoryError } from "../errors.js";
import { AdamW } from "./adamw.js";
import { initBackend, tf } from "./backend.js";
import { type EvalRecord, loadCheckpoint, runKey, saveCheckpoint, type TrainingState } from "./checkpoint.js";
import { type Scores, scoreModel, scoreNgram, type TrainingEvaluation } from "./evaluate.js";
import {
  type Hyperparameters,
  type HyperparametersInput,
  type PresetName,
  resolveHyperparameters,
} from "./hyperparameters.js";
import { LoraLlama, type LoraSettings } from "./loraLlama.js";
import { learningRateAt } from "./schedule.js";

export interface TrainBase {
  /** Name recorded in the adapter config (`base_model_name_or_path`) and the run key. */
  name: string;
  llama: LlamaConfig;
  weights: LlamaWeights;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  learningRate: number;
  evalLoss?: number;
  evalPerplexity?: number;
  tokensPerSecond: number;
  etaSeconds: number;
  elapsedSeconds: number;
}

export interface TrainOptions {
  base: TrainBase;
  examples: readonly TrainingExample[];
  /** Starting point the hyperparameters' explicit fields override; `standard` when omitted. */
  preset?: PresetName;
  hyperparameters?: HyperparametersInput;
  /** Where checkpoints go; an existing checkpoint of the same run is resumed. */
  checkpointDir?: string;
  signal?: AbortSignal;
  onProgress?: (progress: TrainProgress) => void;
  /** Called after each evaluation (the step's progress event carries the same numbers). */
  onEval?: (record: EvalRecord) => void;
}

export interface TrainResult {
  status: "completed" | "early_stopped";
  hyperparameters: Hyperparameters;
  lora: LoraSettings;
  /** alpha / r (or alpha / √r with rsLoRA). */
  scale: number;
  /** The adapter to publish: the best evaluated weights, or the final ones without an eval split. */
  modules: LoraModule[];
  steps: number;
  totalSteps: number;
  resumedFromStep: number | null;
  trainExamples: number;
  evalExamples: number;
  droppedExamples: number;
  baseEvalLoss: number | null;
  bestEvalLoss: number | null;
  bestStep: number | null;
  finalLoss: number;
  tokensTrained: number;
  trainSeconds: number;
  tokensPerSecond: number;
  losses: TrainingState["losses"];
  evals: EvalRecord[];
  /** Every contribution whose examples were used (train or eval split), with its content hash. */
  contributions: { contributionId: bigint; contentHash: Hex }[];
  /** Exact match, token accuracy and losses of the adapter, the base model and a byte n-gram baseline. */
  evaluation: TrainingEvaluation;
}

/** Training examples scored after a run at most (a seeded sample of larger splits). */
export const EVALUATED_TRAIN_EXAMPLES = 512;
/** Order of the n-gram baseline (3 bytes of context); the README compares orders 3 to 6. */
export const NGRAM_ORDER = 4;

/** Examples that cannot train the model (none fit, too few to split): shown as the job's reason. */
export class TrainingDataError extends FactoryError {
  override name = "TrainingDataError";
  constructor(message: string) {
    super(400, "training_data", message);
  }
}

/** Deterministic Fisher-Yates permutation. */
function permutation(n: number, seed: number): number[] {
  const next = mulberry32(seed);
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

/**
 * LoRA fine-tuning with AdamW, warmup + cosine learning rate, gradient accumulation, gradient
 * clipping, an eval split with early stopping, and checkpoints. Every random choice derives from
 * `seed`, so a run resumed from a checkpoint continues exactly as the uninterrupted run would.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  await initBackend();
  const hp = resolveHyperparameters(options.hyperparameters, options.preset);
  const { signal } = options;
  signal?.throwIfAborted();

  const maxLength = Math.min(hp.maxLength, options.base.llama.maxPositions);
  const encoded: EncodedExample[] = [];
  let dropped = 0;
  for (const example of options.examples) {
    const e = encodeExample(example, maxLength);
    if (e) encoded.push(e);
    else dropped += 1;
  }
  if (encoded.length === 0) {
    throw new TrainingDataError(
      `no example fits maxLength ${maxLength} (${options.examples.length} given); raise maxLength or shorten prompts`,
    );
  }
  const order = permutation(encoded.length, deriveSeed(hp.seed, "split"));
  const evalCount =
    hp.evalFraction > 0 && encoded.length >= 2
      ? Math.min(encoded.length - 1, Math.max(1, Math.round(encoded.length * hp.evalFraction)))
      : 0;
  const evalSet = order.slice(0, evalCount).map((i) => encoded[i] as EncodedExample);
  const trainSet = order.slice(evalCount).map((i) => encoded[i] as EncodedExample);
  const scoredTrain = permutation(trainSet.length, deriveSeed(hp.seed, "scored"))
    .slice(0, EVALUATED_TRAIN_EXAMPLES)
    .map((i) => trainSet[i] as EncodedExample);
  const microBatchesPerStep = hp.gradientAccumulation;
  const examplesPerStep = hp.batchSize * microBatchesPerStep;
  const totalSteps = hp.maxSteps ?? Math.max(1, Math.ceil((hp.epochs * trainSet.length) / examplesPerStep));

  const epochOrders = new Map<number, number[]>();
  const exampleAt = (position: number): EncodedExample => {
    const epoch = Math.floor(position / trainSet.length);
    let epochOrder = epochOrders.get(epoch);
    if (!epochOrder) {
      epochOrder = permutation(trainSet.length, deriveSeed(hp.seed, `epoch.${epoch}`));
      epochOrders.clear();
      epochOrders.set(epoch, epochOrder);
    }
    return trainSet[epochOrder[position % trainSet.length] as number] as EncodedExample;
  };

  const lora: LoraSettings = {
    rank: hp.rank,
    alpha: hp.alpha,
    targets: hp.targets,
    useRslora: hp.useRslora,
  };
  const model = new LoraLlama({
    llama: options.base.llama,
    weights: options.base.weights,
    lora,
    seed: hp.seed,
    quantization: hp.quantization,
  });
  const optimizer = new AdamW(model.variables, hp);
  const key = runKey({
    hp,
    base: options.base.name,
    llama: options.base.llama,
    data: options.examples.map((e) => [e.prompt, e.response, e.contributionId ?? null]),
  });

  try {
    const evaluate = (): { loss: number; perplexity: number } | null => {
      if (evalSet.length === 0) return null;
      let sum = 0;
      let tokens = 0;
      for (let i = 0; i < evalSet.length; i += hp.batchSize) {
        const batch = collate(evalSet.slice(i, i + hp.batchSize));
        const value = tf.tidy(() => model.lossSum(batch));
        sum += (value.dataSync() as Float32Array)[0] as number;
        value.dispose();
        tokens += batch.lossMask.reduce((a, b) => a + b, 0);
      }
      const loss = sum / tokens;
      return { loss, perplexity: Math.exp(loss) };
    };

    // lora_B starts at zero: before any update (or restore) the model is the base model exactly.
    const baseScores: Scores = scoreModel(model, scoredTrain, evalSet, hp.batchSize);
    let state: TrainingState;
    const restored = options.checkpointDir ? await loadCheckpoint(options.checkpointDir, key) : null;
    const resumedFromStep = restored ? restored.step : null;
    if (restored) {
      model.writeLora(restored.lora);
      optimizer.load(restored.optimizer);
      state = restored;
    } else {
      state = {
        step: 0,
        tokensTrained: 0,
        trainSeconds: 0,
        bestEvalLoss: null,
        bestStep: null,
        evalsWithoutImprovement: 0,
        baseEvalLoss: evaluate()?.loss ?? null,
        losses: [],
        evals: [],
        lora: new Map(),
        best: null,
        optimizer: { updates: 0, m: new Map(), v: new Map() },
      };
    }

    const variables = [...model.variables.values()];
    const nameToKey = new Map([...model.variables].map(([k, v]) => [v.name, k]));
    const sessionStart = performance.now();
    const sessionStartStep = state.step;
    let status: TrainResult["status"] = "completed";

    while (state.step < totalSteps) {
      const stepStart = performance.now();
      const learningRate = learningRateAt(state.step, {
        peak: hp.learningRate,
        warmupSteps: hp.warmupSteps,
        totalSteps,
        minRatio: hp.minLearningRateRatio,
      });
      const accumulated = new Map<string, tf.Tensor>();
      let lossSum = 0;
      let lossTokens = 0;
      let tokensSeen = 0;
      for (let k = 0; k < microBatchesPerStep; k++) {
        signal?.throwIfAborted();
        const first = (state.step * microBatchesPerStep + k) * hp.batchSize;
        const examples = Array.from({ length: hp.batchSize }, (_, i) => exampleAt(first + i));
        const batch = collate(examples);
        const { value, grads } = tf.variableGrads(() => model.lossSum(batch), variables);
        lossSum += (value.dataSync() as Float32Array)[0] as number;
        value.dispose();
        for (const [name, grad] of Object.entries(grads)) {
          const target = nameToKey.get(name) as string;
          const previous = accumulated.get(target);
          if (previous) {
            accumulated.set(target, tf.add(previous, grad));
            previous.dispose();
            grad.dispose();
          } else {
            accumulated.set(target, grad);
          }
        }
        lossTokens += examples.reduce((n, e) => n + countLossTokens(e), 0);
        tokensSeen += examples.reduce((n, e) => n + e.tokens.length, 0);
      }
      // Token-weighted mean over the whole accumulated batch, then global-norm clipping.
      const grads = new Map<string, tf.Tensor>();
      tf.tidy(() => {
        const mean = new Map([...accumulated].map(([k, g]) => [k, tf.div(g, lossTokens)]));
        const squares = [...mean.values()].map((g) => tf.sum(tf.square(g)));
        const norm = Math.sqrt((tf.addN(squares).dataSync() as Float32Array)[0] as number);
        const factor = norm > hp.maxGradNorm ? hp.maxGradNorm / norm : 1;
        for (const [k, g] of mean) grads.set(k, tf.keep(factor === 1 ? g : tf.mul(g, factor)));
      });
      tf.dispose([...accumulated.values()]);
      optimizer.apply(grads, learningRate);
      tf.dispose([...grads.values()]);

      state.step += 1;
      state.tokensTrained += tokensSeen;
      state.trainSeconds += (performance.now() - stepStart) / 1000;
      const loss = lossSum / lossTokens;
      state.losses.push({ step: state.step, loss, learningRate });

      let evalResult: { loss: number; perplexity: number } | null = null;
      if (state.step % hp.evalEvery === 0 || state.step === totalSteps) {
        evalResult = evaluate();
        if (evalResult) {
          const record = { step: state.step, ...evalResult };
          state.evals.push(record);
          options.onEval?.(record);
          if (
            state.bestEvalLoss === null ||
            evalResult.loss < state.bestEvalLoss - hp.earlyStoppingMinDelta
          ) {
            state.bestEvalLoss = evalResult.loss;
            state.bestStep = state.step;
            state.best = model.readLora();
            state.evalsWithoutImprovement = 0;
          } else {
            state.evalsWithoutImprovement += 1;
          }
        }
      }
      const stopEarly =
        hp.earlyStoppingPatience > 0 && state.evalsWithoutImprovement >= hp.earlyStoppingPatience;

      if (
        options.checkpointDir &&
        (state.step % hp.checkpointEvery === 0 || state.step === totalSteps || stopEarly)
      ) {
        await saveCheckpoint(options.checkpointDir, key, {
          ...state,
          lora: model.readLora(),
          optimizer: optimizer.state(),
        });
      }

      const elapsed = (performance.now() - sessionStart) / 1000;
      const perStep = elapsed / (state.step - sessionStartStep);
      options.onProgress?.({
        step: state.step,
        totalSteps,
        epoch: (state.step * examplesPerStep) / trainSet.length,
        loss,
        learningRate,
        ...(evalResult ? { evalLoss: evalResult.loss, evalPerplexity: evalResult.perplexity } : {}),
        tokensPerSecond: state.tokensTrained / state.trainSeconds,
        etaSeconds: stopEarly ? 0 : perStep * (totalSteps - state.step),
        elapsedSeconds: elapsed,
      });
      if (stopEarly) {
        status = "early_stopped";
        break;
      }
      // Lets HTTP handlers (progress streams, cancel requests) run between steps.
      await yieldToEventLoop();
    }

    const finalWeights = state.best ?? model.readLora();
    model.writeLora(finalWeights);
    const evaluation: TrainingEvaluation = {
      trainExamples: scoredTrain.length,
      heldOutExamples: evalSet.length,
      tuned: scoreModel(model, scoredTrain, evalSet, hp.batchSize),
      base: baseScores,
      ngram: scoreNgram(
        { fit: trainSet, train: scoredTrain, heldOut: evalSet },
        { order: NGRAM_ORDER, vocabSize: options.base.llama.vocabSize },
      ),
    };
    const contributions = new Map<bigint, Hex>();
    for (const e of options.examples) {
      if (e.contributionId !== undefined && e.contentHash) contributions.set(e.contributionId, e.contentHash);
    }
    return {
      status,
      hyperparameters: hp,
      lora,
      scale: model.scale,
      modules: model.loraModules(finalWeights),
      steps: state.step,
      totalSteps,
      resumedFromStep,
      trainExamples: trainSet.length,
      evalExamples: evalSet.length,
      droppedExamples: dropped,
      baseEvalLoss: state.baseEvalLoss,
      bestEvalLoss: state.bestEvalLoss,
      bestStep: state.bestStep,
      finalLoss: state.losses.at(-1)?.loss ?? Number.NaN,
      tokensTrained: state.tokensTrained,
      trainSeconds: state.trainSeconds,
      tokensPerSecond: state.tokensTrained / Math.max(state.trainSeconds, 1e-9),
      losses: state.losses,
      evals: state.evals,
      contributions: [...contributions].map(([contributionId, contentHash]) => ({
        contributionId,
        contentHash,
      })),
      evaluation,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
