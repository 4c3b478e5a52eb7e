/**
 * int4 weights against float32 on the same checkpoint, in one run: weight bytes, resident memory
 * of a process that holds only the session, prefill and decode speed. Each weight format runs in
 * a fresh child process that reads its graph from a file, so RSS holds nothing else.
 *
 *   npm run bench:int4 -w inference-node [-- --layers 30]
 */

import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { emptyCache, type KvCache } from "../src/engine/kvCache.js";
import { LlamaSession } from "../src/engine/llamaSession.js";
import type { LlamaConfig } from "../src/model/config.js";
import { parseHfConfig } from "../src/model/hfConfig.js";
import { WEIGHT_FORMATS, type WeightFormat } from "../src/model/int4Graph.js";
import { buildHfGraph } from "../src/model/loadModel.js";
import { encodeModel } from "../src/model/onnxGraph.js";
import { generateLlamaWeights } from "../src/model/weights.js";

const { values } = parseArgs({
  options: {
    child: { type: "string" },
    format: { type: "string" },
    layers: { type: "string", default: "30" },
  },
});

/** SmolLM2-135M's config.json (tied embeddings, vocabulary 49,152), random weights. */
const hfConfig = {
  model_type: "llama",
  architectures: ["LlamaForCausalLM"],
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: Number(values.layers),
  num_attention_heads: 9,
  num_key_value_heads: 3,
  vocab_size: 49152,
  rms_norm_eps: 1e-5,
  rope_theta: 100000,
  max_position_embeddings: 2048,
  tie_word_embeddings: true,
  eos_token_id: 2,
};
const PREFILL_TOKENS = 128;
const DECODE_STEPS = 32;
const DECODE_ROWS = [1, 16];

interface ChildResult {
  format: WeightFormat;
  rssMiB: number;
  /** Per CPU-second of the process (one ORT thread) and wall clock. */
  prefill: { cpuTokS: number; wallTokS: number };
  decode: Record<number, { cpuTokS: number; wallTokS: number }>;
}

async function timed(run: () => Promise<void>): Promise<{ cpuS: number; wallS: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { cpuS: (used.user + used.system) / 1e6, wallS: (performance.now() - started) / 1000 };
}

async function child(path: string, format: WeightFormat): Promise<void> {
  const config = JSON.parse(process.env.BENCH_LLAMA_CONFIG as string) as LlamaConfig;
  const session = await LlamaSession.create(path, config, { intraOpThreads: 1 });
  const prompt = Array.from({ length: PREFILL_TOKENS }, (_, i) => (i * 7919) % config.vocabSize);
  const prefillOnce = async () => {
    await session.forward({ cache: emptyCache(config, 1), tokens: [prompt], positions: [0] });
  };
  await prefillOnce();
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  let best = { cpuS: Number.POSITIVE_INFINITY, wallS: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 3; i++) {
    const t = await timed(prefillOnce);
    best = { cpuS: Math.min(best.cpuS, t.cpuS), wallS: Math.min(best.wallS, t.wallS) };
  }
  const decode: ChildResult["decode"] = {};
  for (const rows of DECODE_ROWS) {
    const start = await session.forward({
      cache: emptyCache(config, rows),
      tokens: Array.from({ length: rows }, (_, r) => prompt.slice(0, 16 + r)),
      positions: Array.from({ length: rows }, () => 0),
    });
    let cache: KvCache = start.cache;
    const t = await timed(async () => {
      for (let step = 0; step < DECODE_STEPS; step++) {
        const result = await session.forward({
          cache,
          tokens: Array.from({ length: rows }, (_, r) => [(step * 31 + r) % config.vocabSize]),
          positions: Array.from({ length: rows }, (_, r) => 16 + r + step),
        });
        cache = result.cache;
      }
    });
    decode[rows] = { cpuTokS: (rows * DECODE_STEPS) / t.cpuS, wallTokS: (rows * DECODE_STEPS) / t.wallS };
  }
  await session.release();
  const result: ChildResult = {
    format,
    rssMiB,
    prefill: { cpuTokS: PREFILL_TOKENS / best.cpuS, wallTokS: PREFILL_TOKENS / best.wallS },
    decode,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function initializerBytes(graph: ReturnType<typeof buildHfGraph>): number {
  let bytes = 0;
  for (const init of graph.graph?.initializer ?? []) bytes += init.rawData?.byteLength ?? 0;
  return bytes;
}

async function main(): Promise<void> {
  const spec = parseHfConfig(hfConfig);
  const generated = generateLlamaWeights(spec.llama, 7);
  const checkpoint = { name: "smollm2-135m-shape", spec, weights: { ...generated, lmHead: null } };
  const dir = await mkdtemp(join(tmpdir(), "int4-bench-"));
  const rows: { format: WeightFormat; weightBytes: number; result: ChildResult }[] = [];
  try {
    for (const format of WEIGHT_FORMATS) {
      const graph = buildHfGraph(checkpoint, undefined, format);
      const weightBytes = initializerBytes(graph);
      const path = join(dir, `${format}.onnx`);
      await writeFile(path, encodeModel(graph));
      const run = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), "--child", path, "--format", format],
        { env: { ...process.env, BENCH_LLAMA_CONFIG: JSON.stringify(spec.llama) }, encoding: "utf8" },
      );
      if (run.status !== 0) throw new Error(`${format}: ${run.stderr}`);
      const result = JSON.parse(run.stdout.trim().split("\n").at(-1) as string) as ChildResult;
      rows.push({ format, weightBytes, result });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const base = rows.find((r) => r.format === "f32") as (typeof rows)[number];
  const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}x`;
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    `SmolLM2-135M shape (${spec.llama.numLayers} layers, hidden ${spec.llama.hiddenSize}, vocabulary ${spec.llama.vocabSize}, tied), one ORT thread; tokens per CPU-second (wall clock in brackets); ratios against f32 in this run`,
  );
  const decodeHeads = DECODE_ROWS.map((r) => `decode ${r} row${r === 1 ? "" : "s"}`);
  console.log(
    `| weights | weight bytes | RSS | prefill ${PREFILL_TOKENS} tokens | ${decodeHeads.join(" | ")} |`,
  );
  console.log(`|---|---|---|---|${DECODE_ROWS.map(() => "---|").join("")}`);
  for (const { format, weightBytes, result } of rows) {
    const cells = [
      format,
      `${mib(weightBytes)} (${ratio(weightBytes, base.weightBytes)})`,
      `${mib(result.rssMiB * 2 ** 20)} (${ratio(result.rssMiB, base.result.rssMiB)})`,
      `${result.prefill.cpuTokS.toFixed(0)} tok/s [${result.prefill.wallTokS.toFixed(0)}] (${ratio(result.prefill.cpuTokS, base.result.prefill.cpuTokS)})`,
      ...DECODE_ROWS.map((r) => {
        const d = result.decode[r] as { cpuTokS: number; wallTokS: number };
        const b = base.result.decode[r] as { cpuTokS: number };
        return `${d.cpuTokS.toFixed(1)} tok/s [${d.wallTokS.toFixed(1)}] (${ratio(d.cpuTokS, b.cpuTokS)})`;
      }),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
}

if (values.child) await child(values.child, values.format as WeightFormat);
else await main();
