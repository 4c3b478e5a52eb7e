/**
 * One measurement of the llama.cpp comparison, in its own process so that its RSS is its own:
 * `streams` concurrent greedy generations of `newTokens` tokens after `prompt`-token prompts, by
 * llama.cpp (node-llama-cpp, a GGUF file) or by the node (an ONNX file, the scheduler's batching).
 * Prints one JSON line.
 */
import { AdapterCache } from "../src/adapters/adapterCache.js";
import { emptyCache } from "../src/engine/kvCache.js";
import { LlamaSession, lastLogits } from "../src/engine/llamaSession.js";
import { argmax } from "../src/engine/sampling.js";
import { Scheduler } from "../src/engine/scheduler.js";
import { BOS_TOKEN, ByteTokenizer } from "../src/model/tokenizer.js";
import { SMOLLM2_SHAPE } from "./shapes.js";
import { StepTimer } from "./stepTimer.js";

export interface WorkerArgs {
  engine: "llama.cpp" | "node";
  path: string;
  threads: number;
  streams: number;
  prompt: number;
  newTokens: number;
}

export interface WorkerResult {
  endToEndTokensPerSecond: number;
  decodeTokensPerSecond: number;
  rssBytes: number;
  /** Greedy tokens of stream 0, to check both engines run the same weights. */
  firstStream: number[];
}

export function workerPrompts(streams: number, length: number): number[][] {
  return Array.from({ length: streams }, (_, s) => [
    BOS_TOKEN,
    ...Array.from({ length: length - 1 }, (_, i) => 32 + ((s * 31 + i * 7) % 90)),
  ]);
}

async function runLlamaCpp(args: WorkerArgs, prompts: number[][]) {
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.error,
    maxThreads: args.threads,
  });
  const model = await llama.loadModel({ modelPath: args.path, gpuLayers: 0 });
  const context = await model.createContext({
    sequences: args.streams,
    contextSize: args.streams * (args.prompt + args.newTokens + 32),
    threads: { ideal: args.threads, min: args.threads },
    batchSize: 512,
  });
  const sequences = Array.from({ length: args.streams }, () => context.getSequence());
  type Token = Parameters<(typeof sequences)[number]["evaluate"]>[0][number];
  const generate = async (count: number) => {
    const firsts: number[] = [];
    const outputs = await Promise.all(
      sequences.map(async (sequence, s) => {
        const tokens: number[] = [];
        for await (const token of sequence.evaluate(prompts[s] as Token[], { temperature: 0 })) {
          if (tokens.length === 0) firsts.push(performance.now());
          tokens.push(token);
          if (tokens.length >= count) break;
        }
        return tokens;
      }),
    );
    return { outputs, allFirst: Math.max(...firsts) };
  };
  await generate(4);
  for (const sequence of sequences) await sequence.clearHistory();
  const started = performance.now();
  const { outputs, allFirst } = await generate(args.newTokens);
  const ended = performance.now();
  const produced = outputs.reduce((n, o) => n + o.length, 0);
  const result = summarize(args, produced, (outputs[0] as number[]).slice(0, 16), started, allFirst, ended);
  await context.dispose();
  await model.dispose();
  return result;
}

async function runNode(args: WorkerArgs, prompts: number[][]) {
  const session = await LlamaSession.create(args.path, SMOLLM2_SHAPE, { intraOpThreads: args.threads });
  const scheduler = new Scheduler({
    session,
    tokenizer: new ByteTokenizer(),
    adapters: new AdapterCache({
      budgetBytes: 1,
      load: async (id) => {
        throw new Error(`no adapters in this benchmark (${id})`);
      },
    }),
    maxBatch: args.streams,
    maxQueue: args.streams,
    bankRank: 1,
  });
  const generate = (count: number) =>
    Promise.all(
      prompts.map(
        (prompt) =>
          scheduler.submit({
            adapter: { kind: "base" },
            prompt,
            sampling: { temperature: 0, topP: 1, topK: 0 },
            maxTokens: count,
            ignoreEos: true,
          }).done,
      ),
    );
  await generate(4);
  const timer = new StepTimer(session);
  const started = performance.now();
  const outputs = await generate(args.newTokens);
  const ended = performance.now();
  timer.restore();
  await scheduler.stop();
  const allFirst = started + timer.prefill.wallMs;
  const produced = outputs.reduce((n, o) => n + o.completionTokens, 0);
  const result = summarize(
    args,
    produced,
    await greedy(session, prompts[0] as number[], 16),
    started,
    allFirst,
    ended,
  );
  await session.release();
  return result;
}

/** Greedy tokens of one prompt straight through the session (the scheduler reports text only). */
async function greedy(session: LlamaSession, prompt: number[], count: number): Promise<number[]> {
  const out: number[] = [];
  let step = await session.forward({ cache: emptyCache(SMOLLM2_SHAPE, 1), tokens: [prompt], positions: [0] });
  for (let position = prompt.length; out.length < count; position++) {
    const token = argmax(lastLogits(step, SMOLLM2_SHAPE.vocabSize)[0] as Float32Array);
    out.push(token);
    step = await session.forward({ cache: step.cache, tokens: [[token]], positions: [position] });
  }
  return out;
}

function summarize(
  args: WorkerArgs,
  tokens: number,
  firstStream: number[],
  started: number,
  allFirst: number,
  ended: number,
) {
  if (tokens !== args.streams * args.newTokens)
    throw new Error(`expected ${args.streams * args.newTokens} tokens, got ${tokens}`);
  return {
    endToEndTokensPerSecond: tokens / ((ended - started) / 1000),
    decodeTokensPerSecond: (tokens - args.streams) / ((ended - allFirst) / 1000),
    rssBytes: process.memoryUsage().rss,
    firstStream,
  } satisfies WorkerResult;
}

const args = JSON.parse(process.argv[2] as string) as WorkerArgs;
const prompts = workerPrompts(args.streams, args.prompt);
const result = args.engine === "llama.cpp" ? await runLlamaCpp(args, prompts) : await runNode(args, prompts);
console.log(JSON.stringify(result));
process.exit(0);
