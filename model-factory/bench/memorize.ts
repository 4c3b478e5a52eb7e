/**
 * Memorization benchmark: a datanet of question/answer facts (one JSON `{question, answer}`
 * contribution each), a LoRA fine-tune with the `memorize` preset on the demo base, then per
 * question the greedy answer and its attribution exactly as keepers compute it (span index over
 * the training contributions' stored text, default options). The untrained base and a byte
 * n-gram model fit on the same data are measured in the same run.
 */
import { join } from "node:path";
import { computeAttribution, decodeText, SpanIndexBuilder } from "@payable-ai/attribution";
import {
  ByteTokenizer,
  countParameters,
  DEMO_CONFIG,
  EOS_TOKEN,
  writeGeneratedModel,
} from "../src/base/inferenceNode.js";
import { loadBaseModel } from "../src/base/loadBaseModel.js";
import { type EncodedExample, encodeExample } from "../src/data/examples.js";
import { examplesOf, type SyntheticContribution, syntheticDatanet } from "../src/data/synthetic.js";
import { type Scores, scoreModel, scoreNgram } from "../src/train/evaluate.js";
import { greedyAnswers } from "../src/train/generate.js";
import { type HyperparametersInput, PRESETS, resolveHyperparameters } from "../src/train/hyperparameters.js";
import { LoraLlama, loraStateOf } from "../src/train/loraLlama.js";
import { NgramModel } from "../src/train/ngram.js";
import { NGRAM_ORDER, train } from "../src/train/trainer.js";

export interface MemorizeOptions {
  outDir: string;
  facts?: number;
  heldOutFacts?: number;
  seed?: number;
  /** Fields over the preset (a shorter smoke run, say). */
  overrides?: HyperparametersInput;
}

interface SystemFigures {
  /** Answers whose top-weighted contribution is the one holding the fact. */
  attribution_top_correct: number;
  /** Answers with any attribution at all. */
  attributed: number;
  exact_match: number;
  token_accuracy: number;
  train_loss: number;
  held_out_loss: number | null;
}

const tokenizer = new ByteTokenizer();

/** The contribution with the largest weight (the lowest id among equals), or null. */
function topContribution(attributions: readonly { contributionId: bigint; weightBps: number }[]) {
  let top: { contributionId: bigint; weightBps: number } | null = null;
  for (const a of attributions) if (top === null || a.weightBps > top.weightBps) top = a;
  return top?.contributionId ?? null;
}

export async function runMemorizeBench(options: MemorizeOptions) {
  const facts = options.facts ?? 50;
  const seed = options.seed ?? 2026;
  const datanet = syntheticDatanet(facts, seed, 1n, { style: "facts" });
  const examples = examplesOf(datanet);
  // Unseen facts of the same templates (other places): held-out loss means "knows the format".
  const trainedPrompts = new Set(examples.map((e) => e.prompt));
  const heldOutExamples = examplesOf(
    syntheticDatanet(facts + (options.heldOutFacts ?? 20), seed + 1, 100_001n, { style: "facts" }),
  )
    .filter((e) => !trainedPrompts.has(e.prompt))
    .slice(0, options.heldOutFacts ?? 20);

  const modelDir = join(options.outDir, "model-demo");
  await writeGeneratedModel(modelDir, {
    name: "llama-demo",
    llama: DEMO_CONFIG,
    seed: 42,
    loraTargets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  });
  const base = await loadBaseModel(modelDir);
  const hp = resolveHyperparameters(options.overrides, "memorize");
  const encode = (list: typeof examples) =>
    list.map((e) => encodeExample(e, Math.min(hp.maxLength, DEMO_CONFIG.maxPositions)) as EncodedExample);
  const trainEncoded = encode(examples);
  const heldOutEncoded = encode(heldOutExamples);

  // Attribution exactly as a keeper computes it for a model trained on these contributions.
  const spanBuilder = new SpanIndexBuilder();
  for (const c of datanet) spanBuilder.add(c.contributionId, decodeText(c.content));
  const spanIndex = spanBuilder.build();
  const holder = new Map<string, SyntheticContribution>();
  for (const [i, e] of examples.entries()) holder.set(e.prompt, datanet[i] as SyntheticContribution);

  const figures = (answers: string[], scores: Scores): SystemFigures & { exact_match_generated: number } => {
    let top = 0;
    let attributed = 0;
    let exact = 0;
    answers.forEach((answer, i) => {
      const example = examples[i] as (typeof examples)[number];
      if (answer === example.response) exact += 1;
      const { attributions } = computeAttribution({ output: answer, spanIndex });
      if (attributions.length > 0) attributed += 1;
      if (topContribution(attributions) === holder.get(example.prompt)?.contributionId) top += 1;
    });
    return {
      attribution_top_correct: top / answers.length,
      attributed: attributed / answers.length,
      exact_match: scores.exactMatch,
      exact_match_generated: exact / answers.length,
      token_accuracy: scores.tokenAccuracy,
      train_loss: scores.trainLoss,
      held_out_loss: scores.heldOutLoss,
    };
  };
  const maxTokens = Math.max(...examples.map((e) => new TextEncoder().encode(e.response).length)) + 8;
  const prompts = examples.map((e) => e.prompt);

  const model = new LoraLlama({
    llama: base.llama,
    weights: base.weights,
    lora: { rank: hp.rank, alpha: hp.alpha, targets: hp.targets, useRslora: hp.useRslora },
    seed: 0,
  });
  try {
    // Untrained base (lora_B is zero).
    const baseFigures = figures(
      greedyAnswers(model, prompts, maxTokens),
      scoreModel(model, trainEncoded, heldOutEncoded),
    );

    // N-gram baseline on the same token streams.
    const ngram = NgramModel.fit(
      trainEncoded.map((e) => e.tokens),
      { order: NGRAM_ORDER, vocabSize: DEMO_CONFIG.vocabSize },
    );
    const ngramAnswers = trainEncoded.map((e) =>
      tokenizer.decode(ngram.greedy(e.tokens.slice(0, e.responseStart), EOS_TOKEN, maxTokens)),
    );
    const ngramFigures = figures(
      ngramAnswers,
      scoreNgram(
        { fit: trainEncoded, train: trainEncoded, heldOut: heldOutEncoded },
        { order: NGRAM_ORDER, vocabSize: DEMO_CONFIG.vocabSize },
      ),
    );

    const started = performance.now();
    let lastPrint = 0;
    const result = await train({
      base: { name: "llama-demo", llama: base.llama, weights: base.weights },
      examples,
      hyperparameters: hp,
      onProgress: (p) => {
        if (p.step - lastPrint >= 100 || p.step === p.totalSteps) {
          lastPrint = p.step;
          console.log(
            `  step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} ${p.tokensPerSecond.toFixed(0)} tok/s eta ${p.etaSeconds.toFixed(0)} s`,
          );
        }
      },
    });
    const wall = (performance.now() - started) / 1000;
    model.writeLora(loraStateOf(result.modules));
    const tunedAnswers = greedyAnswers(model, prompts, maxTokens);
    const tunedFigures = figures(tunedAnswers, scoreModel(model, trainEncoded, heldOutEncoded));
    const misses = tunedAnswers
      .map((answer, i) => ({ question: prompts[i], expected: examples[i]?.response, answer }))
      .filter((m) => m.answer !== m.expected);

    return {
      model: { name: "llama-demo", parameters: countParameters(DEMO_CONFIG), ...DEMO_CONFIG },
      preset: "memorize",
      preset_description: PRESETS.memorize.description,
      facts,
      held_out_facts: heldOutExamples.length,
      hyperparameters: result.hyperparameters,
      steps: result.steps,
      train_seconds: Number(result.trainSeconds.toFixed(1)),
      wall_seconds: Number(wall.toFixed(1)),
      train_tokens_per_s: Math.round(result.tokensPerSecond),
      tuned: tunedFigures,
      base: baseFigures,
      ngram: { order: NGRAM_ORDER, ...ngramFigures },
      job_evaluation: result.evaluation,
      misses,
    };
  } finally {
    model.dispose();
  }
}
