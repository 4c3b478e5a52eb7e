/**
 * The node beside llama.cpp (node-llama-cpp 3.21.1, CPU) on the same random weights: a
 * SmolLM2-135M-shaped Llama with the byte vocabulary, written once as ONNX for the node and as GGUF
 * (F32 and Q8_0) for llama.cpp, and the node also with its int4 weights (`MatMulNBits`, symmetric). Batch-1 decode and 16 concurrent streams, 1 and 2 threads, each
 * measurement in a fresh process (its RSS is reported). Ratios are against llama.cpp's best
 * configuration in this run.
 *
 *   npm run bench:llamacpp -w inference-node
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { quantizeDecoderGraph } from "../src/model/int4Graph.js";
import { buildLlamaGraph } from "../src/model/llamaGraph.js";
import { encodeModel } from "../src/model/onnxGraph.js";
import { countParameters, generateLlamaWeights } from "../src/model/weights.js";
import { writeLlamaGguf } from "./gguf.js";
import type { WorkerArgs, WorkerResult } from "./llamaCppWorker.js";
import { SMOLLM2_SHAPE } from "./shapes.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const PROMPT = 36;
const NEW_TOKENS = 96;
/** BENCH_THREADS=1 skips the 2-thread runs (on an oversubscribed machine they can take many minutes). */
const THREADS = (process.env.BENCH_THREADS ?? "1,2").split(",").map(Number);
/** A measurement that takes longer is recorded as timed out, not waited for. */
const WORKER_TIMEOUT_MS = Number(process.env.BENCH_WORKER_TIMEOUT_S ?? 600) * 1000;
const STREAMS = [1, 16];
const log = (m: string) => console.log(m);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

async function measure(args: WorkerArgs): Promise<WorkerResult | null> {
  const started = performance.now();
  try {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", join(here, "llamaCppWorker.ts"), JSON.stringify(args)],
      { maxBuffer: 1 << 20, timeout: WORKER_TIMEOUT_MS },
    );
    const line = stdout.trim().split("\n").at(-1) as string;
    const result = JSON.parse(line) as WorkerResult;
    log(
      `  ${args.engine} ${args.path.split("/").at(-1)} threads ${args.threads} streams ${args.streams}: ${result.endToEndTokensPerSecond.toFixed(1)} tok/s end to end, ${result.decodeTokensPerSecond.toFixed(1)} decode, RSS ${(result.rssBytes / 2 ** 20).toFixed(0)} MiB (load ${load()})`,
    );
    return result;
  } catch (error) {
    log(
      `  ${args.engine} ${args.path.split("/").at(-1)} threads ${args.threads} streams ${args.streams}: FAILED after ${((performance.now() - started) / 1000).toFixed(0)} s (${(error as Error).message.split("\n")[0]})`,
    );
    return null;
  }
}

interface Row {
  engine: string;
  weights: string;
  threads: number;
  streams: number;
  result: WorkerResult;
}

const push = (rows: Row[], row: Omit<Row, "result">, result: WorkerResult | null) => {
  if (result) rows.push({ ...row, result });
};

async function main() {
  const config = SMOLLM2_SHAPE;
  log(`load average at start: ${load()}`);
  log(
    `model: SmolLM2-135M shape (${config.numLayers} layers, hidden ${config.hiddenSize}, ${config.numHeads}/${config.numKvHeads} heads), byte vocabulary, ${countParameters(config).toLocaleString("en-US")} parameters, random weights (seed 7)`,
  );
  const dir = await mkdtemp(join(tmpdir(), "inference-node-llamacpp-"));
  try {
    const weights = generateLlamaWeights(config, 7);
    const onnxPath = join(dir, "model.onnx");
    await writeFile(onnxPath, encodeModel(buildLlamaGraph(config, weights)));
    // The node's own 4-bit weights (what `--weights int4-sym` serves), from the same matrices.
    const int4Path = join(dir, "model-int4-sym.onnx");
    const int4Graph = buildLlamaGraph(config, weights);
    quantizeDecoderGraph(int4Graph, "sym");
    await writeFile(int4Path, encodeModel(int4Graph));
    const ggufs: Record<string, string> = {
      F32: join(dir, "model-f32.gguf"),
      Q8_0: join(dir, "model-q8_0.gguf"),
    };
    for (const [type, path] of Object.entries(ggufs)) {
      const bytes = await writeLlamaGguf(path, config, weights, type as "F32" | "Q8_0");
      log(`wrote ${type} GGUF: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    }

    const rows: Row[] = [];
    for (const streams of STREAMS) {
      for (const threads of THREADS) {
        const common = { threads, streams, prompt: PROMPT, newTokens: NEW_TOKENS };
        push(
          rows,
          { engine: "node", weights: "F32", threads, streams },
          await measure({ engine: "node", path: onnxPath, ...common }),
        );
        push(
          rows,
          { engine: "node", weights: "INT4", threads, streams },
          await measure({ engine: "node", path: int4Path, ...common }),
        );
        for (const [type, path] of Object.entries(ggufs)) {
          push(
            rows,
            { engine: "llama.cpp", weights: type, threads, streams },
            await measure({ engine: "llama.cpp", path, ...common }),
          );
        }
        log(`  done: ${streams} stream(s), ${threads} thread(s); load ${load()}`);
      }
    }

    const nodeF32 = rows.find(
      (r) => r.engine === "node" && r.weights === "F32" && r.streams === 1 && r.threads === 1,
    ) as Row;
    const llamaF32 = rows.find(
      (r) => r.engine === "llama.cpp" && r.weights === "F32" && r.streams === 1 && r.threads === 1,
    ) as Row;
    const agree = nodeF32.result.firstStream.every((t, i) => t === llamaF32.result.firstStream[i]);
    log(
      `same weights check: first 16 greedy tokens, node F32 vs llama.cpp F32: ${agree ? "identical" : "DIFFERENT"}`,
    );
    log(`  node      ${nodeF32.result.firstStream.join(",")}`);
    log(`  llama.cpp ${llamaF32.result.firstStream.join(",")}`);

    const best = (engine: string, streams: number, filter: (r: Row) => boolean = () => true) =>
      rows
        .filter((r) => r.engine === engine && r.streams === streams && filter(r))
        .reduce((a, b) => (b.result.endToEndTokensPerSecond > a.result.endToEndTokensPerSecond ? b : a));
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    const lines = [
      "| engine    | weights | threads | streams | end to end  | decode only | RSS      |",
      "|-----------|---------|---------|---------|-------------|-------------|----------|",
      ...rows.map(
        (r) =>
          `| ${r.engine.padEnd(9)} | ${r.weights.padEnd(7)} | ${String(r.threads).padEnd(7)} | ${String(r.streams).padEnd(7)} | ${`${r.result.endToEndTokensPerSecond.toFixed(0)} tok/s`.padEnd(11)} | ${`${r.result.decodeTokensPerSecond.toFixed(0)} tok/s`.padEnd(11)} | ${mib(r.result.rssBytes).padEnd(8)} |`,
      ),
    ];
    log("");
    for (const l of lines) log(l);
    log("");
    const summary: Record<string, unknown> = {};
    for (const streams of STREAMS) {
      const ours = best("node", streams);
      const theirs = best("llama.cpp", streams);
      const theirsQ = best("llama.cpp", streams, (r) => r.weights === "Q8_0");
      const ratio = ours.result.endToEndTokensPerSecond / theirs.result.endToEndTokensPerSecond;
      log(
        `${streams} stream(s): node best ${ours.result.endToEndTokensPerSecond.toFixed(0)} tok/s (${ours.weights}, ${ours.threads} thr) vs llama.cpp best ${theirs.result.endToEndTokensPerSecond.toFixed(0)} tok/s (${theirs.weights}, ${theirs.threads} thr): ${ratio.toFixed(2)}x (goal ${streams === 1 ? ">= 1.0x" : ">= 3x"}); RSS node / llama.cpp Q8_0 = ${(ours.result.rssBytes / theirsQ.result.rssBytes).toFixed(2)}x (goal <= 1.5x)`,
      );
      summary[`streams_${streams}`] = {
        node_best: { weights: ours.weights, threads: ours.threads, ...ours.result },
        llama_cpp_best: { weights: theirs.weights, threads: theirs.threads, ...theirs.result },
        ratio: Number(ratio.toFixed(3)),
        rss_vs_llama_cpp_q8_0: Number((ours.result.rssBytes / theirsQ.result.rssBytes).toFixed(3)),
      };
    }
    log(`load average at end: ${load()}`);
    await writeFile(
      join(here, "llamacpp-results.json"),
      `${JSON.stringify({ load_average_end: loadavg(), same_weights_tokens_identical: agree, rows, summary }, null, 2)}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
