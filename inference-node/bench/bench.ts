/**
 * Throughput, adapter-switching and memory benchmark of the inference node on the generated small
 * model. Every ratio is against a baseline measured in the same run. Writes bench/results.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AdapterCache } from "../src/adapters/adapterCache.js";
import { addAdapterToDir, BLOBS_DIR, REGISTRY_FILE } from "../src/adapters/adapterDir.js";
import { createAdapterLoader } from "../src/adapters/adapterLoader.js";
import { LocalBlobSource } from "../src/adapters/blobSource.js";
import { mergeAdapterIntoWeights } from "../src/adapters/lora.js";
import { StaticAdapterRegistry } from "../src/adapters/registry.js";
import { syntheticPeftAdapter } from "../src/adapters/synthetic.js";
import { LlamaSession } from "../src/engine/llamaSession.js";
import { LoraBank } from "../src/engine/loraBank.js";
import { Scheduler } from "../src/engine/scheduler.js";
import { addLoraInputs } from "../src/model/addLora.js";
import { ATTENTION_TARGETS, SMALL_CONFIG } from "../src/model/config.js";
import { buildLlamaGraph } from "../src/model/llamaGraph.js";
import { encodeModel } from "../src/model/onnxGraph.js";
import { ByteTokenizer } from "../src/model/tokenizer.js";
import { countParameters, generateLlamaWeights } from "../src/model/weights.js";
import { evictFromPageCache } from "./coldFiles.js";
import { decodeStepMs, decodeWeightBytes, readBandwidth } from "./decodeBound.js";
import { MergeSession, NaiveServer } from "./fairNaive.js";
import { SMOLLM2_SHAPE } from "./shapes.js";
import { StepTimer } from "./stepTimer.js";

const config = SMALL_CONFIG;
const RANK = 16;
const MAX_BATCH = 64;
/** BENCH_REQUESTS shrinks a run for a quick check; the README's figures use the default. */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 128);
/** What the keepers ask for per request. */
const NEW_TOKENS = 96;
/** One request per adapter over 64 adapters, every merge cached before timing starts. */
const NAIVE_ADAPTERS = 64;
const NAIVE_REQUESTS = 64;
const REGISTERED = 1000;
const BUDGET_BYTES = 48 << 20;
/** One ORT thread: on a shared 2-core machine this keeps timings steadier; ratios are what matter. */
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

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
const load1 = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

async function main() {
  const started = performance.now();
  const loadAtStart = loadavg();
  log(`load average at start: ${load1()} (${process.platform}, ${THREADS} ORT thread(s))`);
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
    // The bank layout before per-row banks: the whole bank fed each step, gathered in the graph.
    const gatherSession = await LlamaSession.create(
      encodeModel(addLoraInputs(plainGraph, ATTENTION_TARGETS, "slots").model),
      config,
      options,
    );
    const naiveSession = await LlamaSession.create(
      encodeModel(buildLlamaGraph(config, weights, { weightInputs: ATTENTION_TARGETS })),
      config,
      options,
    );

    // 1,000 registered adapters: the first REQUESTS rank 16, the rest rank 8 (mixed ranks share one bank).
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

    // Cold load (blob → verified → parsed → ready), rank 16, each blob evicted from the page cache first.
    const coldPaths: string[] = [];
    for (let i = 0; i < 100; i++) {
      const record = await registry.lookup(`adapter-${i}`);
      coldPaths.push(join(workDir, BLOBS_DIR, record?.sha256 as string));
    }
    const eviction = evictFromPageCache(coldPaths);
    log(
      `cold blobs: ${eviction.method}; resident bytes of the ${eviction.files} files afterwards: ${eviction.residentBytesAfter ?? "unknown (no fincore)"}`,
    );
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
      await Promise.all(submitAll(8).map((g) => g.done));
      const timer = new StepTimer(session);
      const t = performance.now();
      const cpu = process.cpuUsage();
      const outputs = await Promise.all(submitAll(REQUESTS).map((g) => g.done));
      const seconds = (performance.now() - t) / 1000;
      const used = process.cpuUsage(cpu);
      timer.restore();
      await scheduler.stop();
      const tokens = outputs.reduce((n, o) => n + o.completionTokens, 0);
      return {
        tokensPerSecond: tokens / seconds,
        tokensPerCpuSecond: tokens / ((used.user + used.system) / 1e6),
        decodeTokensPerCpuSecond: timer.decodeRate(),
      };
    };
    type Throughput = Awaited<ReturnType<typeof throughput>>;
    // Scenarios interleaved over rounds, best of each kept: other load on the machine hits them alike.
    // The headline ratios (base, 64, every request its own adapter) run every round; the others once.
    const scenarios: [string, LlamaSession, number, number][] = [
      ["base", baseSession, 0, ROUNDS],
      ["64", loraSession, 64, ROUNDS],
      ["all", loraSession, REQUESTS, ROUNDS],
      ["64gather", gatherSession, 64, ROUNDS],
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
          decodeTokensPerCpuSecond: Math.max(
            result.decodeTokensPerCpuSecond,
            previous?.decodeTokensPerCpuSecond ?? 0,
          ),
        });
      }
      log(
        `round ${round + 1}/${ROUNDS}: ${[...best].map(([k, v]) => `${k} ${v.tokensPerSecond.toFixed(0)}`).join(", ")} tok/s`,
      );
    }
    const base = best.get("base") as Throughput;
    const loraBase = best.get("loraBase") as Throughput;
    const hetero: Record<string, Throughput> = {
      1: best.get("1") as Throughput,
      8: best.get("8") as Throughput,
      64: best.get("64") as Throughput,
      all: best.get("all") as Throughput,
    };

    // Naive server, made fair: each adapter merged once into the weights (ORT MatMul) and cached;
    // every request then runs alone at batch 1. Merges happen before the clock starts, so the figure
    // is the naive server at its best (all adapters already merged); merge cost is reported apart.
    const merger = await MergeSession.create(THREADS);
    const naive = new NaiveServer({ session: naiveSession, weights, targets: ATTENTION_TARGETS, merger });
    for (let i = 0; i < NAIVE_ADAPTERS; i++) await naive.feedsFor(await warmCache.get(`adapter-${i}`));
    const fastMergeMs = naive.mergeMs / NAIVE_ADAPTERS;
    const scalarStart = performance.now();
    for (let i = 0; i < 4; i++) mergeAdapterIntoWeights(weights, await warmCache.get(`adapter-${i}`));
    const scalarMergeMs = (performance.now() - scalarStart) / 4;
    await naive.generate(await warmCache.get("adapter-0"), prompts[0] as number[], 8);
    const naiveTimer = new StepTimer(naiveSession);
    const naiveStart = performance.now();
    const naiveCpu = process.cpuUsage();
    let naiveTokens = 0;
    for (let i = 0; i < NAIVE_REQUESTS; i++) {
      const adapter = await warmCache.get(`adapter-${i % NAIVE_ADAPTERS}`);
      naiveTokens += await naive.generate(adapter, prompts[i % prompts.length] as number[], NEW_TOKENS);
    }
    const naiveTps = naiveTokens / ((performance.now() - naiveStart) / 1000);
    const naiveCpuUsed = process.cpuUsage(naiveCpu);
    const naivePerCpu = naiveTokens / ((naiveCpuUsed.user + naiveCpuUsed.system) / 1e6);
    const naiveDecodePerCpu = naiveTimer.decodeRate();
    naiveTimer.restore();
    await merger.release();

    // Decode against the bandwidth bound on the largest shape (batch 1), and the cost of a growing
    // KV cache at batch 64 on the small model.
    const bandwidth = await readBandwidth(THREADS);
    const bigWeights = generateLlamaWeights(SMOLLM2_SHAPE, 7);
    const bigSession = await LlamaSession.create(
      encodeModel(buildLlamaGraph(SMOLLM2_SHAPE, bigWeights)),
      SMOLLM2_SHAPE,
      options,
    );
    const bigBytes = decodeWeightBytes(SMOLLM2_SHAPE);
    const boundMs = (bigBytes / bandwidth) * 1000;
    const bigSteps = await decodeStepMs(bigSession, 1, 36, [36, 128]);
    await bigSession.release();
    const kvSteps = await decodeStepMs(baseSession, 64, 36, [36, 216]);

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
      gather64: best.get("64gather") as Throughput,
      hetero512: hetero.all as Throughput,
    };
    const rate = (x: Throughput) => x.tokensPerCpuSecond;
    const decodeRate = (x: Throughput) => x.decodeTokensPerCpuSecond;
    const vsBase = (x: Throughput) => round(rate(x) / rate(base), 3);
    const decodeVsBase = (x: Throughput) => round(decodeRate(x) / decodeRate(base), 3);
    const bigStep36 = bigSteps.get(36) as number;
    const bigStep128 = bigSteps.get(128) as number;
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
        naive_adapters: NAIVE_ADAPTERS,
        ort_threads: THREADS,
        rounds: ROUNDS,
        throughput_measure: "tokens per CPU-second (= tokens/s on one dedicated core)",
        decode_measure: "decode-step tokens per CPU-second of the decode steps alone",
      },
      load_average_start: loadAtStart.map((x) => round(x)),
      load_average_end: loadavg().map((x) => round(x)),
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
      gather64_vs_base: vsBase(scenario.gather64),
      hetero512_vs_base: vsBase(scenario.hetero512),
      batched_vs_naive: round(rate(scenario.hetero64) / naivePerCpu, 2),
      decode: {
        tokens_per_s_base: round(decodeRate(base), 1),
        tokens_per_s_hetero64: round(decodeRate(scenario.hetero64), 1),
        tokens_per_s_hetero512: round(decodeRate(scenario.hetero512), 1),
        tokens_per_s_naive: round(naiveDecodePerCpu, 1),
        lora_graph_base_vs_base: decodeVsBase(loraBase),
        hetero64_vs_base: decodeVsBase(scenario.hetero64),
        gather64_vs_base: decodeVsBase(scenario.gather64),
        hetero512_vs_base: decodeVsBase(scenario.hetero512),
        batched_vs_naive: round(decodeRate(scenario.hetero64) / naiveDecodePerCpu, 2),
      },
      naive_merge_ms_per_adapter: round(fastMergeMs, 2),
      scalar_js_merge_ms_per_adapter: round(scalarMergeMs, 2),
      bandwidth_bound: {
        shape: "SmolLM2-135M shape, byte vocabulary",
        parameters: countParameters(SMOLLM2_SHAPE),
        weight_bytes: bigBytes,
        read_bandwidth_gb_s: round(bandwidth / 1e9, 2),
        bound_ms: round(boundMs, 2),
        step_ms_batch1_past36: round(bigStep36, 2),
        step_ms_batch1_past128: round(bigStep128, 2),
        fraction_of_bound_past36: round(boundMs / bigStep36, 3),
      },
      kv_growth_small_batch64: {
        step_ms_past36: round(kvSteps.get(36) as number, 2),
        step_ms_past216: round(kvSteps.get(216) as number, 2),
      },
      wall_clock: {
        tokens_per_s_base: round(base.tokensPerSecond, 1),
        tokens_per_s_hetero64: round(scenario.hetero64.tokensPerSecond, 1),
        tokens_per_s_hetero512: round(scenario.hetero512.tokensPerSecond, 1),
        tokens_per_s_naive: round(naiveTps, 1),
        hetero64_vs_base: round(scenario.hetero64.tokensPerSecond / base.tokensPerSecond, 3),
        hetero512_vs_base: round(scenario.hetero512.tokensPerSecond / base.tokensPerSecond, 3),
        batched_vs_naive: round(scenario.hetero64.tokensPerSecond / naiveTps, 2),
      },
      cold_load_method: eviction.method,
      cold_load_resident_bytes_after_eviction: eviction.residentBytesAfter,
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
    const d = results.decode;
    const rows: [string, string, string, string, string][] = [
      ["base model alone (plain graph)", tps(rate(base)), "1.00x", tps(decodeRate(base)), "1.00x"],
      [
        "base through the LoRA graph (slot 0)",
        tps(rate(loraBase)),
        `${results.lora_graph_base_vs_base}x`,
        tps(decodeRate(loraBase)),
        `${d.lora_graph_base_vs_base}x`,
      ],
      [
        "1 adapter in flight",
        tps(rate(scenario.hetero1)),
        `${results.hetero1_vs_base}x`,
        tps(decodeRate(scenario.hetero1)),
        `${decodeVsBase(scenario.hetero1)}x`,
      ],
      [
        "8 distinct adapters",
        tps(rate(scenario.hetero8)),
        `${results.hetero8_vs_base}x`,
        tps(decodeRate(scenario.hetero8)),
        `${decodeVsBase(scenario.hetero8)}x`,
      ],
      [
        "64 distinct adapters",
        tps(rate(scenario.hetero64)),
        `${results.hetero64_vs_base}x (goal >= 0.9x)`,
        tps(decodeRate(scenario.hetero64)),
        `${d.hetero64_vs_base}x (goal >= 0.85x)`,
      ],
      [
        "64 distinct adapters, bank gathered in graph",
        tps(rate(scenario.gather64)),
        `${results.gather64_vs_base}x (the layout before per-row banks)`,
        tps(decodeRate(scenario.gather64)),
        `${d.gather64_vs_base}x`,
      ],
      [
        `${REQUESTS} distinct adapters (one per request)`,
        tps(rate(scenario.hetero512)),
        `${results.hetero512_vs_base}x`,
        tps(decodeRate(scenario.hetero512)),
        `${d.hetero512_vs_base}x`,
      ],
      [
        "naive: cached merges, one request at a time",
        tps(naivePerCpu),
        `64 batched / naive = ${results.batched_vs_naive}x (goal >= 4x)`,
        tps(naiveDecodePerCpu),
        `${d.batched_vs_naive}x`,
      ],
      [
        "merge of one adapter (q,k,v,o, 4 layers)",
        `${results.naive_merge_ms_per_adapter} ms`,
        `ORT MatMul; scalar JS loop: ${results.scalar_js_merge_ms_per_adapter} ms`,
        "",
        "",
      ],
      [
        `decode step, ${SMOLLM2_SHAPE.numLayers}-layer ${(countParameters(SMOLLM2_SHAPE) / 1e6).toFixed(0)} M shape, batch 1`,
        `${results.bandwidth_bound.step_ms_batch1_past36} ms`,
        `bound ${results.bandwidth_bound.bound_ms} ms = ${(bigBytes / 2 ** 20).toFixed(0)} MiB / ${results.bandwidth_bound.read_bandwidth_gb_s} GB/s: ${(100 * results.bandwidth_bound.fraction_of_bound_past36).toFixed(0)} % of bound (goal >= 80 %)`,
        `${results.bandwidth_bound.step_ms_batch1_past128} ms at 128 past`,
        "",
      ],
      [
        "decode step, small model, batch 64",
        `${results.kv_growth_small_batch64.step_ms_past36} ms at 36 past`,
        `${results.kv_growth_small_batch64.step_ms_past216} ms at 216 past`,
        "",
        "",
      ],
      [
        "cold adapter load p50 / p95 (rank 16)",
        `${results.cold_load_p50_ms} / ${results.cold_load_p95_ms} ms`,
        `goal < 50 ms; blobs evicted first (${eviction.residentBytesAfter ?? "?"} B resident)`,
        "",
        "",
      ],
      [
        "hot switch p50 / p95 (resident -> slot)",
        `${results.hot_switch_p50_ms} / ${results.hot_switch_p95_ms} ms`,
        `already in a slot: ${results.resident_hit_p50_ms} ms`,
        "",
        "",
      ],
      [
        `${REGISTERED} registered adapters, ${(BUDGET_BYTES / 2 ** 20).toFixed(0)} MiB budget`,
        `peak ${(results.peak_adapter_bytes / 2 ** 20).toFixed(1)} MiB`,
        `${results.within_budget ? "within budget" : "OVER BUDGET"}, ${results.adapters_evicted} evictions`,
        "",
        "",
      ],
    ];
    const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0), 10));
    const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] as number)).join(" | ")} |`;
    log("");
    log(line(["measure", "end to end (CPU-s)", "ratio / note", "decode only (CPU-s)", "decode ratio"]));
    log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const r of rows) log(line(r));
    log("");
    const out = join(dirname(fileURLToPath(import.meta.url)), "results.json");
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    log(`load average at end: ${load1()}`);
    log(
      `wall clock: base ${tps(base.tokensPerSecond)}, 64 adapters ${tps(scenario.hetero64.tokensPerSecond)}, naive ${tps(naiveTps)}`,
    );
    log(`wrote ${out} (${results.bench_seconds} s)`);
    await Promise.all([
      baseSession.release(),
      loraSession.release(),
      gatherSession.release(),
      naiveSession.release(),
    ]);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
