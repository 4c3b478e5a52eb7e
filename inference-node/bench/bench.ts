/**
 * Throughput, adapter-switching and memory benchmark of the inference node on the generated small
 * model. Every ratio is against a baseline measured in the same run. Writes bench/results.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { AdapterCache } from "../src/adapters/adapterCache.js";
import { addAdapterToDir, BLOBS_DIR, REGISTRY_FILE } from "../src/adapters/adapterDir.js";
import { createAdapterLoader } from "../src/adapters/adapterLoader.js";
import { LocalBlobSource } from "../src/adapters/blobSource.js";
import { mergeAdapterIntoWeights } from "../src/adapters/lora.js";
import { StaticAdapterRegistry } from "../src/adapters/registry.js";
import { syntheticPeftAdapter } from "../src/adapters/synthetic.js";
import { emptyCache } from "../src/engine/kvCache.js";
import { LlamaSession, lastLogits } from "../src/engine/llamaSession.js";
import { LoraBank } from "../src/engine/loraBank.js";
import { argmax } from "../src/engine/sampling.js";
import { Scheduler } from "../src/engine/scheduler.js";
import { addLoraInputs } from "../src/model/addLora.js";
import { ATTENTION_TARGETS, SMALL_CONFIG } from "../src/model/config.js";
import { buildLlamaGraph } from "../src/model/llamaGraph.js";
import { encodeModel } from "../src/model/onnxGraph.js";
import { ByteTokenizer } from "../src/model/tokenizer.js";
import { countParameters, generateLlamaWeights } from "../src/model/weights.js";

const config = SMALL_CONFIG;
const RANK = 16;
const MAX_BATCH = 64;
const REQUESTS = 512;
const NEW_TOKENS = 24;
const NAIVE_REQUESTS = 48;
const REGISTERED = 1000;
const BUDGET_BYTES = 48 << 20;
/** One ORT thread: on a shared 2-core machine this keeps timings steadier; ratios are what matter. */
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const ROUNDS = 2;

const tokenizer = new ByteTokenizer();
const log = (message: string) => console.log(message);
const prompts = [
  "The keeper signs the attribution report",
  "Datanets collect curated contributions",
  "hello",
  "Explain low-rank adaptation in one sentence:",
  "A model is an ERC-721 asset; its holder earns",
  "tokens per second",
  "What did the contributors add?",
  "Proof of attribution pays data owners for",
].map((p) => tokenizer.encode(p));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

async function main() {
  const started = performance.now();
  const workDir = await mkdtemp(join(tmpdir(), "inference-node-bench-"));
  try {
    log(
      `model: Llama ${config.numLayers} layers, hidden ${config.hiddenSize}, ${config.numHeads} heads / ${config.numKvHeads} KV heads, ${countParameters(config).toLocaleString("en-US")} parameters; LoRA rank ${RANK} on q,k,v,o`,
    );
    const weights = generateLlamaWeights(config, 42);
    const plainGraph = buildLlamaGraph(config, weights);
    const options = { intraOpThreads: THREADS };
    const baseSession = await LlamaSession.create(encodeModel(plainGraph), config, options);
    const loraSession = await LlamaSession.create(
      encodeModel(addLoraInputs(plainGraph, ATTENTION_TARGETS).model),
      config,
      options,
    );
    const naiveSession = await LlamaSession.create(
      encodeModel(buildLlamaGraph(config, weights, { weightInputs: ATTENTION_TARGETS })),
      config,
      options,
    );

    // 1,000 registered adapters: the first 512 rank 16, the rest rank 8 (mixed ranks share one bank).
    const t0 = performance.now();
    for (let i = 0; i < REGISTERED; i++) {
      const rank = i < REQUESTS ? RANK : 8;
      const adapter = syntheticPeftAdapter(config, {
        rank,
        seed: 1000 + i,
        dtype: i % 3 === 2 ? "BF16" : "F32",
      });
      await addAdapterToDir(workDir, `adapter-${i}`, adapter.package);
    }
    log(`generated ${REGISTERED} PEFT adapters in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const registry = await StaticAdapterRegistry.fromFile(join(workDir, REGISTRY_FILE));
    const source = new LocalBlobSource(join(workDir, BLOBS_DIR));
    const load = createAdapterLoader({ registry, source, model: config });

    // Cold load (blob → verified → parsed → ready), rank 16.
    const cold: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      await load(`adapter-${i}`);
      cold.push(performance.now() - t);
    }

    // Throughput: same prompts, same new-token count, continuous batching of up to 64 rows.
    const warmCache = new AdapterCache({ budgetBytes: 1 << 30, load });
    for (let i = 0; i < REQUESTS; i++) await warmCache.get(`adapter-${i}`);
    const throughput = async (session: LlamaSession, distinct: number) => {
      const scheduler = new Scheduler({
        session,
        tokenizer,
        adapters: warmCache,
        maxBatch: MAX_BATCH,
        maxQueue: REQUESTS,
        bankRank: RANK,
      });
      const submitAll = (count: number) =>
        Array.from({ length: count }, (_, i) =>
          scheduler.submit({
            adapter: distinct === 0 ? { kind: "base" } : { kind: "adapter", id: `adapter-${i % distinct}` },
            prompt: prompts[i % prompts.length] as number[],
            sampling: { temperature: 0, topP: 1, topK: 0 },
            maxTokens: NEW_TOKENS,
            ignoreEos: true,
          }),
        );
      await Promise.all(submitAll(MAX_BATCH).map((g) => g.done));
      const t = performance.now();
      const cpu = process.cpuUsage();
      const outputs = await Promise.all(submitAll(REQUESTS).map((g) => g.done));
      const seconds = (performance.now() - t) / 1000;
      const used = process.cpuUsage(cpu);
      await scheduler.stop();
      const tokens = outputs.reduce((n, o) => n + o.completionTokens, 0);
      return {
        tokensPerSecond: tokens / seconds,
        tokensPerCpuSecond: tokens / ((used.user + used.system) / 1e6),
      };
    };
    type Throughput = Awaited<ReturnType<typeof throughput>>;
    // Scenarios interleaved over rounds, best of each kept: other load on the machine hits them alike.
    // The headline ratios (base, 64, 512) run every round; the others once.
    const scenarios: [string, LlamaSession, number, number][] = [
      ["base", baseSession, 0, ROUNDS],
      ["64", loraSession, 64, ROUNDS],
      ["512", loraSession, 512, ROUNDS],
      ["loraBase", loraSession, 0, 1],
      ["1", loraSession, 1, 1],
      ["8", loraSession, 8, 1],
    ];
    const best = new Map<string, Throughput>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, session, distinct, rounds] of scenarios) {
        if (round >= rounds) continue;
        const result = await throughput(session, distinct);
        const previous = best.get(name);
        best.set(name, {
          tokensPerSecond: Math.max(result.tokensPerSecond, previous?.tokensPerSecond ?? 0),
          tokensPerCpuSecond: Math.max(result.tokensPerCpuSecond, previous?.tokensPerCpuSecond ?? 0),
        });
      }
      log(
        `round ${round + 1}/${ROUNDS}: ${[...best].map(([k, v]) => `${k} ${v.tokensPerSecond.toFixed(0)}`).join(", ")} tok/s`,
      );
    }
    const base = best.get("base") as Throughput;
    const loraBase = best.get("loraBase") as Throughput;
    const hetero: Record<number, Throughput> = {
      1: best.get("1") as Throughput,
      8: best.get("8") as Throughput,
      64: best.get("64") as Throughput,
      512: best.get("512") as Throughput,
    };

    // Naive server: merge the request's adapter into the weights, then run the request alone.
    const naiveStart = performance.now();
    const naiveCpu = process.cpuUsage();
    let naiveTokens = 0;
    for (let i = 0; i < NAIVE_REQUESTS; i++) {
      const adapter = await warmCache.get(`adapter-${i % 64}`);
      const merged = mergeAdapterIntoWeights(weights, adapter);
      const extraFeeds: Record<string, ort.Tensor> = {};
      merged.layers.forEach((layer, l) => {
        for (const target of ATTENTION_TARGETS) {
          const [inDim, outDim] =
            target === "k_proj" || target === "v_proj"
              ? [config.hiddenSize, config.numKvHeads * (config.hiddenSize / config.numHeads)]
              : [config.hiddenSize, config.hiddenSize];
          extraFeeds[`weight.${l}.${target}`] = new ort.Tensor("float32", layer.proj[target], [
            inDim,
            outDim,
          ]);
        }
      });
      const prompt = prompts[i % prompts.length] as number[];
      let step = await naiveSession.forward({
        cache: emptyCache(config, 1),
        tokens: [prompt],
        positions: [0],
        extraFeeds,
      });
      let position = prompt.length;
      for (let t = 0; t < NEW_TOKENS; t++) {
        const token = argmax(lastLogits(step, config.vocabSize)[0] as Float32Array);
        naiveTokens += 1;
        if (t === NEW_TOKENS - 1) break;
        step = await naiveSession.forward({
          cache: step.cache,
          tokens: [[token]],
          positions: [position],
          extraFeeds,
        });
        position += 1;
      }
    }
    const naiveTps = naiveTokens / ((performance.now() - naiveStart) / 1000);
    const naiveCpuUsed = process.cpuUsage(naiveCpu);
    const naivePerCpu = naiveTokens / ((naiveCpuUsed.user + naiveCpuUsed.system) / 1e6);

    // Hot switch: adapter already resident; cache hit + write into a bank slot (what admission does).
    const bank = new LoraBank(loraSession.modules, 2, RANK);
    const hot: number[] = [];
    const slotHit: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      bank.write(1, await warmCache.get(`adapter-${i % REQUESTS}`));
      hot.push(performance.now() - t);
      const t2 = performance.now();
      await warmCache.get(`adapter-${i % REQUESTS}`);
      slotHit.push(performance.now() - t2);
    }

    // Memory: every registered adapter requested once through a cache with a fixed budget.
    const budgeted = new AdapterCache({ budgetBytes: BUDGET_BYTES, load });
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    for (let i = 0; i < REGISTERED; i++) {
      await budgeted.get(`adapter-${i}`);
      if (i % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }

    // Primary measure: tokens per CPU-second of the process. With one ORT thread the process computes
    // on one core at a time, so this is the tokens/s of a dedicated core, and other processes on a
    // shared machine disturb it far less than wall-clock time. Wall-clock figures are kept beside it.
    const scenario = {
      base,
      loraBase,
      hetero1: hetero[1] as Throughput,
      hetero8: hetero[8] as Throughput,
      hetero64: hetero[64] as Throughput,
      hetero512: hetero[512] as Throughput,
    };
    const rate = (x: Throughput) => x.tokensPerCpuSecond;
    const vsBase = (x: Throughput) => round(rate(x) / rate(base), 3);
    const results = {
      model: {
        layers: config.numLayers,
        hidden: config.hiddenSize,
        parameters: countParameters(config),
        lora_rank: RANK,
      },
      workload: {
        requests: REQUESTS,
        new_tokens: NEW_TOKENS,
        max_batch: MAX_BATCH,
        naive_requests: NAIVE_REQUESTS,
        ort_threads: THREADS,
        rounds: ROUNDS,
        throughput_measure: "tokens per CPU-second (= tokens/s on one dedicated core)",
      },
      tokens_per_s_base: round(rate(base), 1),
      tokens_per_s_lora_graph_base: round(rate(loraBase), 1),
      tokens_per_s_hetero1: round(rate(scenario.hetero1), 1),
      tokens_per_s_hetero8: round(rate(scenario.hetero8), 1),
      tokens_per_s_hetero64: round(rate(scenario.hetero64), 1),
      tokens_per_s_hetero512: round(rate(scenario.hetero512), 1),
      tokens_per_s_naive: round(naivePerCpu, 1),
      lora_graph_base_vs_base: vsBase(loraBase),
      hetero1_vs_base: vsBase(scenario.hetero1),
      hetero8_vs_base: vsBase(scenario.hetero8),
      hetero64_vs_base: vsBase(scenario.hetero64),
      hetero512_vs_base: vsBase(scenario.hetero512),
      batched_vs_naive: round(rate(scenario.hetero64) / naivePerCpu, 2),
      wall_clock: {
        tokens_per_s_base: round(base.tokensPerSecond, 1),
        tokens_per_s_hetero64: round(scenario.hetero64.tokensPerSecond, 1),
        tokens_per_s_hetero512: round(scenario.hetero512.tokensPerSecond, 1),
        tokens_per_s_naive: round(naiveTps, 1),
        hetero64_vs_base: round(scenario.hetero64.tokensPerSecond / base.tokensPerSecond, 3),
        hetero512_vs_base: round(scenario.hetero512.tokensPerSecond / base.tokensPerSecond, 3),
        batched_vs_naive: round(scenario.hetero64.tokensPerSecond / naiveTps, 2),
      },
      cold_load_p50_ms: round(percentile(cold, 50)),
      cold_load_p95_ms: round(percentile(cold, 95)),
      hot_switch_p50_ms: round(percentile(hot, 50), 3),
      hot_switch_p95_ms: round(percentile(hot, 95), 3),
      resident_hit_p50_ms: round(percentile(slotHit, 50), 4),
      adapters_registered: REGISTERED,
      adapters_evicted: budgeted.evictions,
      peak_adapter_bytes: budgeted.peakBytes,
      budget_bytes: BUDGET_BYTES,
      within_budget: budgeted.peakBytes <= BUDGET_BYTES,
      rss_growth_bytes: peakRss - rssBefore,
      bench_seconds: round((performance.now() - started) / 1000, 1),
    };

    const tps = (x: number) => `${x.toFixed(0)} tok/s`;
    const rows: [string, string, string, string][] = [
      ["base model alone (plain graph)", tps(rate(base)), "1.00x", tps(base.tokensPerSecond)],
      [
        "base through the LoRA graph (slot 0)",
        tps(rate(loraBase)),
        `${results.lora_graph_base_vs_base}x`,
        tps(loraBase.tokensPerSecond),
      ],
      [
        "1 adapter in flight",
        tps(rate(scenario.hetero1)),
        `${results.hetero1_vs_base}x`,
        tps(scenario.hetero1.tokensPerSecond),
      ],
      [
        "8 distinct adapters",
        tps(rate(scenario.hetero8)),
        `${results.hetero8_vs_base}x`,
        tps(scenario.hetero8.tokensPerSecond),
      ],
      [
        "64 distinct adapters",
        tps(rate(scenario.hetero64)),
        `${results.hetero64_vs_base}x (goal >= 0.75x)`,
        tps(scenario.hetero64.tokensPerSecond),
      ],
      [
        "512 distinct adapters",
        tps(rate(scenario.hetero512)),
        `${results.hetero512_vs_base}x`,
        tps(scenario.hetero512.tokensPerSecond),
      ],
      [
        "naive: merge per request, one at a time",
        tps(naivePerCpu),
        `64 batched / naive = ${results.batched_vs_naive}x (goal >= 4x)`,
        tps(naiveTps),
      ],
      [
        "cold adapter load p50 / p95 (rank 16)",
        `${results.cold_load_p50_ms} / ${results.cold_load_p95_ms} ms`,
        "goal < 50 ms",
        "",
      ],
      [
        "hot switch p50 / p95 (resident -> slot)",
        `${results.hot_switch_p50_ms} / ${results.hot_switch_p95_ms} ms`,
        `already in a slot: ${results.resident_hit_p50_ms} ms`,
        "",
      ],
      [
        `${REGISTERED} registered adapters, ${(BUDGET_BYTES / 2 ** 20).toFixed(0)} MiB budget`,
        `peak ${(results.peak_adapter_bytes / 2 ** 20).toFixed(1)} MiB`,
        `${results.within_budget ? "within budget" : "OVER BUDGET"}, ${results.adapters_evicted} evictions`,
        "",
      ],
    ];
    const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0), 10));
    const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] as number)).join(" | ")} |`;
    log("");
    log(line(["measure", "per CPU-second", "ratio / note", "wall clock"]));
    log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const r of rows) log(line(r));
    log("");
    const out = join(dirname(fileURLToPath(import.meta.url)), "results.json");
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    log(`wrote ${out} (${results.bench_seconds} s)`);
    await Promise.all([baseSession.release(), loraSession.release(), naiveSession.release()]);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
