/**
 * Attribution benchmark: span attribution of 256-token answers against an index
 * of 1,000,000 synthetic contributions (Zipf-distributed words, 20–50 tokens
 * each). Prints a table and writes bench/results.json. A brute-force matcher on a
 * small sample is the baseline measured in the same run (and a correctness check).
 *
 *   npm run bench -w attribution [-- --contributions 1000000 --queries 200]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { toJson } from "@payable-ai/sdk";
import { fmt, gc, percentile } from "@payable-ai/sdk/testing";
import { computeAttribution } from "../src/attribute.js";
import { Bm25Index } from "../src/bm25.js";
import { prepareRag } from "../src/rag.js";
import { SpanIndexBuilder } from "../src/spanIndex.js";
import { loadSpanIndex, saveSpanIndex } from "../src/spanIndexFile.js";
import { zipfText } from "../src/testing.js";
import { tokenize } from "../src/tokenizer.js";
import { ATTRIBUTION_VERSION } from "../src/version.js";
import { naiveMaximalSpans } from "../test/support/naiveSpans.js";

const { values } = parseArgs({
  options: {
    contributions: { type: "string", default: "1000000" },
    queries: { type: "string", default: "200" },
    "vocabulary-size": { type: "string", default: "50000" },
    "rag-passages": { type: "string", default: "100000" },
    seed: { type: "string", default: "20261123" },
    out: { type: "string", default: join(dirname(fileURLToPath(import.meta.url)), "results.json") },
  },
});
const CONTRIBUTIONS = Number(values.contributions);
const QUERIES = Number(values.queries);
const VOCABULARY = Number(values["vocabulary-size"]);
const ANSWER_TOKENS = 256;
const MIN_SPAN = 8;

const { random, sentence } = zipfText(Number(values.seed), VOCABULARY);

// ---- Baseline: brute force vs the index on a small sample, same answers ----
function baseline(): { naiveMs: number; indexMs: number; agree: boolean } {
  const docs = Array.from({ length: 1000 }, (_, i) => ({
    id: BigInt(i + 1),
    tokens: sentence(20 + (i % 31)),
  }));
  const builder = new SpanIndexBuilder();
  for (const d of docs) builder.add(d.id, d.tokens.join(" "));
  const index = builder.build();
  const options = { minSpanTokens: MIN_SPAN, maxSpanOccurrences: 64 };
  let naiveMs = 0;
  let indexMs = 0;
  let agree = true;
  for (let q = 0; q < 5; q++) {
    const answer = [...sentence(100), ...(docs[q * 7]?.tokens ?? []), ...sentence(120)].slice(
      0,
      ANSWER_TOKENS,
    );
    let t = performance.now();
    const expected = naiveMaximalSpans(docs, answer, MIN_SPAN, 64);
    naiveMs += performance.now() - t;
    t = performance.now();
    const actual = index.maximalSpans(index.encode(answer.join(" ")), options);
    indexMs += performance.now() - t;
    agree &&= toJson(actual) === toJson(expected);
  }
  return { naiveMs: naiveMs / 5, indexMs: indexMs / 5, agree };
}

// ---- Build the 1M-contribution index ----
gc();
const before = process.memoryUsage();
const builder = new SpanIndexBuilder();
const sampleSources: { id: bigint; tokens: string[] }[] = [];
const tAdd = performance.now();
for (let i = 0; i < CONTRIBUTIONS; i++) {
  const tokens = sentence(20 + Math.floor(random() * 31));
  const id = BigInt(i + 1);
  builder.add(id, tokens.join(" "));
  if (i % Math.max(1, Math.floor(CONTRIBUTIONS / 4096)) === 0) sampleSources.push({ id, tokens });
}
const addSeconds = (performance.now() - tAdd) / 1000;
const tBuild = performance.now();
const index = builder.build();
const buildSeconds = (performance.now() - tBuild) / 1000;
const tokens = index.tokenCount;
const indexBytes = index.byteLength;
// Backing stores of dropped typed arrays are released off-thread: collect, wait, collect.
gc();
await new Promise((r) => setTimeout(r, 200));
gc();
const after = process.memoryUsage();
// Typed arrays of the index plus the vocabulary and whatever else the index keeps alive.
const retainedBytes = after.arrayBuffers - before.arrayBuffers + (after.heapUsed - before.heapUsed);

// ---- Persistence: what a restarted keeper pays instead of a rebuild ----
async function persistence(): Promise<{ saveSeconds: number; loadSeconds: number; agrees: boolean }> {
  const saveDir = mkdtempSync(join(tmpdir(), "span-index-bench-"));
  try {
    const tSave = performance.now();
    await saveSpanIndex(index, join(saveDir, "index"));
    const saveSeconds = (performance.now() - tSave) / 1000;
    const tLoad = performance.now();
    const reloaded = await loadSpanIndex(join(saveDir, "index"));
    const loadSeconds = (performance.now() - tLoad) / 1000;
    return { saveSeconds, loadSeconds, agrees: reloaded.tokenCount === index.tokenCount };
  } finally {
    rmSync(saveDir, { recursive: true, force: true });
  }
}
const { saveSeconds, loadSeconds, agrees: reloadAgrees } = await persistence();
gc();

// ---- Answers: four copied spans of 12–40 tokens among Zipf filler ----
function answer(): { text: string; sources: bigint[] } {
  const parts: string[] = [];
  const sources: bigint[] = [];
  while (parts.length < ANSWER_TOKENS) {
    parts.push(...sentence(10 + Math.floor(random() * 30)));
    if (sources.length < 4) {
      const src = sampleSources[Math.floor(random() * sampleSources.length)] as {
        id: bigint;
        tokens: string[];
      };
      const len = Math.min(src.tokens.length, 12 + Math.floor(random() * 29));
      const at = Math.floor(random() * (src.tokens.length - len + 1));
      parts.push(...src.tokens.slice(at, at + len));
      sources.push(src.id);
    }
  }
  return { text: parts.slice(0, ANSWER_TOKENS).join(" "), sources };
}
const answers = Array.from({ length: QUERIES + 20 }, answer);
const times: number[] = [];
let recovered = 0;
let expectedSources = 0;
for (let q = 0; q < answers.length; q++) {
  const { text, sources } = answers[q] as { text: string; sources: bigint[] };
  const t = performance.now();
  const result = computeAttribution({ output: text, spanIndex: index, options: { minSpanTokens: MIN_SPAN } });
  const ms = performance.now() - t;
  if (q < 20) continue; // warm-up
  times.push(ms);
  const credited = new Set(result.attributions.map((a) => a.contributionId));
  for (const s of new Set(sources)) {
    expectedSources++;
    if (credited.has(s)) recovered++;
  }
}
times.sort((a, b) => a - b);
const p50 = percentile(times, 50);
const p95 = percentile(times, 95);
const base = baseline();

// ---- RAG: BM25 top-8 retrieval and prompt building over a smaller passage set ----
function rag(): { passages: number; buildSeconds: number; p50: number; p95: number } {
  const count = Number(values["rag-passages"]);
  const tBuild = performance.now();
  const bm25 = new Bm25Index(
    Array.from({ length: count }, (_, i) => ({
      contributionId: BigInt(i + 1),
      text: sentence(20 + Math.floor(random() * 31)).join(" "),
      uri: `gw://${i + 1}`,
    })),
  );
  const buildSeconds = (performance.now() - tBuild) / 1000;
  const samples: number[] = [];
  for (let q = 0; q < 120; q++) {
    const question = sentence(12).join(" ");
    const t = performance.now();
    prepareRag(bm25, question, 8);
    if (q >= 20) samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { passages: count, buildSeconds, p50: percentile(samples, 50), p95: percentile(samples, 95) };
}
const ragResult = rag();

const results = {
  attribution_version: ATTRIBUTION_VERSION,
  contributions_indexed: index.contributionCount,
  tokens_indexed: tokens,
  vocabulary_size: index.vocabulary.size,
  answer_tokens: tokenize(answers[20]?.text ?? "").length,
  queries: times.length,
  min_span_tokens: MIN_SPAN,
  attribution_p50_ms: Number(p50.toFixed(3)),
  attribution_p95_ms: Number(p95.toFixed(3)),
  attribution_max_ms: Number((times[times.length - 1] as number).toFixed(3)),
  goal_p50_ms: 5,
  goal_ratio: Number((5 / p50).toFixed(2)),
  source_recall: Number((recovered / expectedSources).toFixed(4)),
  index_tokenize_seconds: Number(addSeconds.toFixed(2)),
  index_suffix_array_seconds: Number(buildSeconds.toFixed(2)),
  index_build_tokens_per_s: Math.round(tokens / (addSeconds + buildSeconds)),
  index_suffix_array_tokens_per_s: Math.round(tokens / buildSeconds),
  index_bytes: indexBytes,
  index_bytes_per_token: Number((indexBytes / tokens).toFixed(3)),
  rag_passages_indexed: ragResult.passages,
  rag_bm25_build_seconds: Number(ragResult.buildSeconds.toFixed(2)),
  rag_retrieve_top8_p50_ms: Number(ragResult.p50.toFixed(3)),
  rag_retrieve_top8_p95_ms: Number(ragResult.p95.toFixed(3)),
  index_save_seconds: Number(saveSeconds.toFixed(2)),
  index_load_seconds: Number(loadSeconds.toFixed(2)),
  retained_bytes_per_token: Number((retainedBytes / tokens).toFixed(3)),
  peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  baseline_bruteforce_ms_1k_contributions: Number(base.naiveMs.toFixed(3)),
  index_ms_1k_contributions: Number(base.indexMs.toFixed(3)),
  speedup_vs_bruteforce_1k: Number((base.naiveMs / base.indexMs).toFixed(1)),
  baseline_agrees: base.agree,
  cpus: cpus().length,
  load_average_1m_at_end: Number((loadavg()[0] as number).toFixed(2)),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
};

const rows: [string, string][] = [
  ["contributions indexed", fmt(results.contributions_indexed, 0)],
  ["tokens indexed", fmt(tokens, 0)],
  ["index build: tokenize + intern", `${fmt(addSeconds)} s`],
  ["index build: suffix array", `${fmt(buildSeconds)} s`],
  ["index build throughput", `${fmt(results.index_build_tokens_per_s, 0)} tokens/s`],
  ["index memory", `${fmt(indexBytes / 2 ** 20, 1)} MiB (${results.index_bytes_per_token} B/token)`],
  ["index save / load (disk)", `${fmt(saveSeconds)} s / ${fmt(loadSeconds)} s`],
  ["retained after build (incl. vocabulary)", `${results.retained_bytes_per_token} B/token`],
  ["peak RSS of the run", `${fmt(results.peak_rss_mib, 0)} MiB`],
  [
    `attribution p50 (${ANSWER_TOKENS}-token answer)`,
    `${fmt(p50, 3)} ms (goal 5 ms: ${results.goal_ratio}x)`,
  ],
  ["attribution p95", `${fmt(p95, 3)} ms`],
  [
    `BM25 top-8 + prompt, ${fmt(ragResult.passages, 0)} passages`,
    `p50 ${fmt(ragResult.p50, 3)} ms, p95 ${fmt(ragResult.p95, 3)} ms (index ${fmt(ragResult.buildSeconds)} s)`,
  ],
  ["copied sources credited", `${fmt(results.source_recall * 100, 1)} %`],
  ["baseline: brute force, 1k contributions", `${fmt(base.naiveMs, 1)} ms / answer`],
  [
    "suffix array, same 1k contributions",
    `${fmt(base.indexMs, 3)} ms / answer (${results.speedup_vs_bruteforce_1k}x)`,
  ],
  ["brute force and index agree", String(base.agree)],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`\nProof of Attribution v${ATTRIBUTION_VERSION} benchmark (${process.version})`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${values.out}`);
if (!base.agree || !reloadAgrees) process.exitCode = 1;
