import { EOS_TOKEN } from "../base/inferenceNode.js";
import { collate, type EncodedExample } from "../data/examples.js";
import { tf } from "./backend.js";
import type { LoraLlama } from "./loraLlama.js";
import { NgramModel } from "./ngram.js";

/**
 * How well one model knows a datanet. Greedy decoding reproduces an answer exactly if and only if,
 * fed the answer itself, the model's top token at every response position is the answer's next
 * byte (and finally EOS): so exact match and token accuracy come from one teacher-forced pass.
 */
export interface Scores {
  /** Share of training answers that greedy decoding reproduces exactly (then stops). */
  exactMatch: number;
  exactMatches: number;
  /** Share of training answer bytes (and EOS) that are the model's top next token, teacher-forced. */
  tokenAccuracy: number;
  /** Mean cross-entropy per response token on the training answers (nats). */
  trainLoss: number;
  /** The same on the held-out split; null without one. */
  heldOutLoss: number | null;
}

export interface TrainingEvaluation {
  /** Training examples scored (the whole training split, or a seeded sample of a large one). */
  trainExamples: number;
  heldOutExamples: number;
  /** The fine-tuned adapter (the one published). */
  tuned: Scores;
  /** The untrained base model. */
  base: Scores;
  /** A byte n-gram model fit on the training split. */
  ngram: Scores & { order: number };
}

/** Per-example teacher-forced results, the sums {@link Scores} are made of. */
interface ExampleScore {
  logProbSum: number;
  correct: number;
  positions: number;
  /** Every position correct and the example ends with EOS (not cut by maxLength). */
  exact: boolean;
}

function summarize(train: ExampleScore[], heldOut: ExampleScore[]): Scores {
  const sum = (xs: ExampleScore[], f: (x: ExampleScore) => number) => xs.reduce((a, x) => a + f(x), 0);
  const positions = sum(train, (x) => x.positions);
  const exactMatches = train.filter((x) => x.exact).length;
  return {
    exactMatch: train.length === 0 ? 0 : exactMatches / train.length,
    exactMatches,
    tokenAccuracy: positions === 0 ? 0 : sum(train, (x) => x.correct) / positions,
    trainLoss: positions === 0 ? 0 : -sum(train, (x) => x.logProbSum) / positions,
    heldOutLoss:
      heldOut.length === 0 ? null : -sum(heldOut, (x) => x.logProbSum) / sum(heldOut, (x) => x.positions),
  };
}

const complete = (e: EncodedExample) => e.tokens.at(-1) === EOS_TOKEN;

/** Teacher-forced scores of each example under the model's current weights. */
function scoreWithModel(model: LoraLlama, examples: readonly EncodedExample[], batchSize: number) {
  const out: ExampleScore[] = [];
  for (let i = 0; i < examples.length; i += batchSize) {
    const chunk = examples.slice(i, i + batchSize);
    const batch = collate(chunk);
    const [logProbs, argmax] = tf.tidy(() => {
      const logits = model.logits(batch.ids, batch.rows, batch.length);
      const log = tf.logSoftmax(logits, -1);
      const targets = tf.oneHot(tf.tensor1d(batch.targets, "int32"), model.llama.vocabSize);
      return [
        tf.sum(tf.mul(log, targets), -1).dataSync() as Float32Array,
        tf.argMax(logits, 1).dataSync() as Int32Array,
      ];
    });
    chunk.forEach((example, r) => {
      let logProbSum = 0;
      let correct = 0;
      let positions = 0;
      for (let t = 0; t < batch.length; t++) {
        const at = r * batch.length + t;
        if (batch.lossMask[at] !== 1) continue;
        positions += 1;
        logProbSum += logProbs[at] as number;
        if (argmax[at] === batch.targets[at]) correct += 1;
      }
      out.push({ logProbSum, correct, positions, exact: correct === positions && complete(example) });
    });
  }
  return out;
}

/** Scores of the model as its weights are now. */
export function scoreModel(
  model: LoraLlama,
  train: readonly EncodedExample[],
  heldOut: readonly EncodedExample[] = [],
  batchSize = 16,
): Scores {
  return summarize(scoreWithModel(model, train, batchSize), scoreWithModel(model, heldOut, batchSize));
}

/**
 * Scores of a byte n-gram model fit on `fit` (the whole training split), scored on `train` (all or
 * a sample of it) and `heldOut`; teacher-forced like {@link scoreModel}.
 */
export function scoreNgram(
  data: {
    fit: readonly EncodedExample[];
    train: readonly EncodedExample[];
    heldOut?: readonly EncodedExample[];
  },
  options: { order?: number; vocabSize: number },
): Scores & { order: number } {
  const order = options.order ?? 4;
  const ngram = NgramModel.fit(
    data.fit.map((e) => e.tokens),
    { order, vocabSize: options.vocabSize },
  );
  const score = (e: EncodedExample): ExampleScore => {
    const positions = ngram.scoreResponse(e);
    const correct = positions.filter((p) => p.correct).length;
    return {
      logProbSum: positions.reduce((a, p) => a + p.logProb, 0),
      correct,
      positions: positions.length,
      exact: correct === positions.length && complete(e),
    };
  };
  return { order, ...summarize(data.train.map(score), (data.heldOut ?? []).map(score)) };
}
