import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EOS_TOKEN, TINY_CONFIG } from "../src/base/inferenceNode.js";
import { loadBaseModel } from "../src/base/loadBaseModel.js";
import { type EncodedExample, encodeExample } from "../src/data/examples.js";
import { examplesOf, syntheticDatanet } from "../src/data/synthetic.js";
import { initBackend } from "../src/train/backend.js";
import { scoreModel, scoreNgram } from "../src/train/evaluate.js";
import { greedyAnswer, greedyAnswers } from "../src/train/generate.js";
import { LoraLlama, loraStateOf } from "../src/train/loraLlama.js";
import { NgramModel } from "../src/train/ngram.js";
import { type TrainBase, train } from "../src/train/trainer.js";
import { tempDir, tinyModelDir } from "./helpers.js";

const encode = (prompt: string, response: string) =>
  encodeExample({ prompt, response }, 128) as EncodedExample;

describe("n-gram baseline", () => {
  it("gives a normalised distribution that follows the counts", () => {
    const model = NgramModel.fit([[1, 2, 3, 1, 2, 3, 1, 2, 4]], { order: 3, vocabSize: 8 });
    const p = model.distribution([1, 2]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(model.argmax([1, 2])).toBe(3);
    expect(p[3] as number).toBeGreaterThan(p[4] as number);
    expect(p[4] as number).toBeGreaterThan(p[7] as number);
    // An unseen context backs off to shorter ones, then to uniform.
    expect(model.distribution([7, 7]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(model.greedy([1], 4, 10)).toEqual([2, 3, 1, 2, 3, 1, 2, 3, 1, 2]);
  });

  it("reproduces a training answer it has seen in one context, and scores held-out text worse", () => {
    const train = [encode("Capital of Vexa?", "Vexa has the capital Orlin.")];
    const heldOut = [encode("Capital of Quon?", "Quon has the capital Perro.")];
    const scores = scoreNgram({ fit: train, train, heldOut }, { order: 5, vocabSize: 259 });
    expect(scores.exactMatch).toBe(1);
    expect(scores.tokenAccuracy).toBe(1);
    expect(scores.heldOutLoss as number).toBeGreaterThan(scores.trainLoss);
    const ngram = NgramModel.fit(
      train.map((e) => e.tokens),
      { order: 5, vocabSize: 259 },
    );
    const example = train[0] as EncodedExample;
    const generated = ngram.greedy(example.tokens.slice(0, example.responseStart), EOS_TOKEN, 64);
    expect(generated).toEqual(example.tokens.slice(example.responseStart, -1));
  });

  it("does not count an answer cut by maxLength as exact", () => {
    const cut = encodeExample({ prompt: "Q?", response: "A long answer." }, 24) as EncodedExample;
    expect(cut.tokens.at(-1)).not.toBe(EOS_TOKEN);
    expect(scoreNgram({ fit: [cut], train: [cut] }, { order: 5, vocabSize: 259 }).exactMatch).toBe(0);
  });
});

describe("model evaluation", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let base: TrainBase;
  const examples = examplesOf(syntheticDatanet(4, 5));

  beforeAll(async () => {
    await initBackend();
    dir = await tempDir("evaluate");
    const model = await loadBaseModel(await tinyModelDir(join(dir.path, "model"), TINY_CONFIG));
    base = { name: model.config.name, llama: model.llama, weights: model.weights };
  });
  afterAll(() => dir.remove());

  it("scores the base model, and batched greedy answers equal one-by-one ones", () => {
    const model = new LoraLlama({
      llama: base.llama,
      weights: base.weights,
      lora: { rank: 2, alpha: 2, targets: ["q_proj"], useRslora: false },
      seed: 1,
    });
    try {
      const encoded = examples.map((e) => encodeExample(e, 128) as EncodedExample);
      const scores = scoreModel(model, encoded, encoded.slice(0, 2), 4);
      expect(scores.exactMatch).toBe(0);
      expect(scores.tokenAccuracy).toBeGreaterThanOrEqual(0);
      expect(scores.trainLoss).toBeGreaterThan(0);
      expect(scores.heldOutLoss).toBeGreaterThan(0);
      const prompts = examples.slice(0, 3).map((e) => e.prompt);
      expect(greedyAnswers(model, prompts, 6)).toEqual(prompts.map((p) => greedyAnswer(model, p, 6)));
    } finally {
      model.dispose();
    }
  });

  it("records the adapter, the base and the n-gram baseline after training", async () => {
    const result = await train({
      base,
      examples,
      preset: "memorize",
      hyperparameters: { maxSteps: 80, batchSize: 4, evalFraction: 0.25, maxLength: 96 },
    });
    const { evaluation } = result;
    expect(evaluation.trainExamples).toBe(result.trainExamples);
    expect(evaluation.heldOutExamples).toBe(1);
    expect(evaluation.base.exactMatch).toBe(0);
    expect(evaluation.tuned.tokenAccuracy).toBeGreaterThan(evaluation.base.tokenAccuracy);
    expect(evaluation.tuned.trainLoss).toBeLessThan(evaluation.base.trainLoss);
    expect(evaluation.base.heldOutLoss).toBeCloseTo(result.baseEvalLoss as number, 4);
    expect(evaluation.ngram.order).toBe(4);
    expect(evaluation.ngram.heldOutLoss).toBeGreaterThan(0);

    // Teacher-forced exact match counts the answers greedy decoding reproduces.
    const model = new LoraLlama({
      llama: base.llama,
      weights: base.weights,
      lora: result.lora,
      seed: 0,
    });
    try {
      model.writeLora(loraStateOf(result.modules));
      const encoded = examples.map((e) => encodeExample(e, 96) as EncodedExample);
      const answers = greedyAnswers(
        model,
        examples.map((e) => e.prompt),
        64,
      );
      const exact = answers.filter((a, i) => a === examples[i]?.response).length;
      expect(scoreModel(model, encoded).exactMatches).toBe(exact);
    } finally {
      model.dispose();
    }
  });
});
