/**
 * Per-answer benchmark: everything a keeper (or a co-signer) does for one request except
 * inference, at 10k / 100k / 1M accepted contributions: the context (accepted set already synced
 * from events and checked, indexes looked up by key), BM25 top-8, span search and attribution.
 * The baseline, measured in the same run, is the path before the event-kept set: a pass over
 * every contribution to gather texts, a sha256 over all of them to key the index cache, and
 * exhaustive BM25. Its chain reads (one `getContribution` per contribution ever made) are timed
 * on anvil at a small count and extrapolated. Writes `answer_path` into bench/results.json.
 *
 *   node --expose-gc --max-old-space-size=12288 --import tsx bench/answerPath.bench.ts [-- --sizes 10000,100000,1000000]
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Bm25Index } from "@payable-ai/attribution";
import { answerRecipe, computeAttribution } from "@payable-ai/attribution";
import { zipfText } from "@payable-ai/attribution/testing";
import { type GatewayClient, toJson } from "@payable-ai/sdk";
import { iDatanetRegistryAbi } from "@payable-ai/sdk/abis";
import { fmt, gc, percentile, startDatanetChain } from "@payable-ai/sdk/testing";
import { pino } from "pino";
import { createWalletClient, type Hex, http, numberToHex, sha256 } from "viem";
import { AcceptedContributionSet, scanAcceptedContributions } from "../src/acceptedSet.js";
import { AnswerBuilder } from "../src/answer.js";
import type { KeeperChain, RequestEvent } from "../src/chain.js";
import type { InferenceClient } from "../src/services.js";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "10000,100000,1000000" },
    queries: { type: "string", default: "60" },
    "anvil-contributions": { type: "string", default: "200" },
    seed: { type: "string", default: "20261124" },
    out: { type: "string", default: join(dirname(fileURLToPath(import.meta.url)), "results.json") },
  },
});
const SIZES = values.sizes.split(",").map(Number);
const QUERIES = Number(values.queries);
const VOCABULARY = 50_000;
const ANSWER_TOKENS = 256;
const encoder = new TextEncoder();
const text = zipfText(Number(values.seed), VOCABULARY);
const random = text.random;
const sentence = (n: number): string => text.sentence(n).join(" ");
const mib = (bytes: number) => bytes / 2 ** 20;
const retained = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** The chain reads of the old path and the new set's check, on anvil with the real registry. */
async function chainReads(count: number) {
  const chain = await startDatanetChain();
  try {
    const datanet = await chain.createDatanet();
    const owner = createWalletClient({
      account: chain.accounts.owner,
      chain: chain.publicClient.chain,
      transport: http(chain.anvil.rpcUrl),
    });
    for (let i = 0; i < count; i++) {
      const id = await chain.contribute(
        chain.accounts.contributor,
        datanet,
        sha256(encoder.encode(`c${i}`)),
        `blob:${i}`,
      );
      if (i % 2 === 0) {
        const hash = await owner.writeContract({
          address: chain.registry,
          abi: iDatanetRegistryAbi,
          functionName: "acceptContribution",
          args: [id],
        });
        await chain.publicClient.waitForTransactionReceipt({ hash });
      }
    }
    const block = (await chain.publicClient.getBlock({ blockTag: "latest" })).number as bigint;
    let t = performance.now();
    const scanned = await scanAcceptedContributions(chain.publicClient, chain.registry, [datanet], block);
    const scanMs = performance.now() - t;
    const set = new AcceptedContributionSet(chain.publicClient, chain.registry);
    await set.at([datanet], block);
    const checks: number[] = [];
    for (let i = 0; i < 30; i++) {
      t = performance.now();
      await set.at([datanet], block);
      checks.push(performance.now() - t);
    }
    checks.sort((a, b) => a - b);
    const agrees = toJson((await set.at([datanet], block)).contributions()) === toJson(scanned);
    return { count, usPerContribution: (scanMs * 1000) / count, checkP50Ms: percentile(checks, 50), agrees };
  } finally {
    await chain.stop();
  }
}

/** An RPC client in memory serving the registry's events for `n` contributions, all accepted. */
function memoryClient(n: number, perBlock: number) {
  const head = BigInt(Math.ceil(n / perBlock) + 1);
  const hashOf = (b: bigint) => numberToHex(b, { size: 32 });
  const blockOf = (i: number) => BigInt(1 + Math.floor(i / perBlock));
  return {
    head,
    client: {
      getBlock: async (args: { blockNumber?: bigint; blockTag?: string }) => {
        const number = args.blockNumber ?? head;
        return { number, hash: hashOf(number) };
      },
      getLogs: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => {
        const logs: unknown[] = [];
        const first = Math.max(0, Number(fromBlock - 1n) * perBlock);
        const last = Math.min(n, Number(toBlock) * perBlock);
        for (let i = first; i < last; i++) {
          const blockNumber = blockOf(i);
          const contributionId = BigInt(i + 1);
          logs.push({
            eventName: "ContributionSubmitted",
            blockNumber,
            blockHash: hashOf(blockNumber),
            args: {
              contributionId,
              datanetId: 1n,
              contentHash: numberToHex(contributionId, { size: 32 }),
              uri: `blob:${i + 1}`,
            },
          });
          logs.push({
            eventName: "ContributionAccepted",
            blockNumber,
            blockHash: hashOf(blockNumber),
            args: { contributionId, datanetId: 1n },
          });
        }
        return logs;
      },
      readContract: async ({ functionName }: { functionName: string }) =>
        functionName === "contributionCount" ? BigInt(n) : [1n, "0x", 2],
    },
  };
}

async function measure(n: number, usPerContribution: number, checkMs: number) {
  gc();
  const before = retained();
  const texts: string[] = Array.from({ length: n }, () => sentence(20 + Math.floor(random() * 31)));
  const { client, head } = memoryClient(n, 1000);
  const set = new AcceptedContributionSet(client as never, "0x00000000000000000000000000000000000000d1", {
    maxLogRange: 100n,
  });
  let t = performance.now();
  await set.sync();
  const syncSeconds = (performance.now() - t) / 1000;
  const blobs = new Map<Hex, Uint8Array>();
  const chain = {
    getModel: async (modelId: bigint) => ({
      modelId,
      adapterHash: `0x${"ad".repeat(32)}` as Hex,
      manifestRoot: `0x${"00".repeat(32)}` as Hex,
      metadataURI: "data:,",
      isComposite: false,
      datanetIds: [1n],
    }),
    maxAttributions: async () => 32,
    acceptedContributionSet: (datanetIds: readonly bigint[], block: bigint) => set.at(datanetIds, block),
  } as unknown as KeeperChain;
  const gateway = {
    getBlob: async (hash: Hex) => blobs.get(hash) as Uint8Array,
    readContribution: async (_: bigint, id: bigint) => ({
      bytes: encoder.encode(texts[Number(id) - 1] as string),
    }),
  } as unknown as GatewayClient;
  const answers = new AnswerBuilder(chain, gateway, {} as InferenceClient, pino({ level: "silent" }));
  const request = (q: number): RequestEvent => {
    const bytes = encoder.encode(sentence(12));
    const inputHash = sha256(bytes);
    blobs.set(inputHash, bytes);
    return {
      requestId: BigInt(q + 1),
      requester: "0x00000000000000000000000000000000000000cc",
      modelId: 1n,
      inputHash,
      inputURI: `blob:${inputHash}`,
      fee: 1n,
      deadline: 1n,
      blockNumber: head,
      blockHash: `0x${"22".repeat(32)}`,
    };
  };
  const output = () => {
    const parts: string[] = [];
    while (parts.length < ANSWER_TOKENS) {
      parts.push(...sentence(10 + Math.floor(random() * 30)).split(" "));
      const source = (texts[Math.floor(random() * n)] as string).split(" ");
      parts.push(...source.slice(0, 12 + Math.floor(random() * 20)));
    }
    return parts.slice(0, ANSWER_TOKENS).join(" ");
  };
  t = performance.now();
  const first = await answers.context(request(-1));
  const buildSeconds = (performance.now() - t) / 1000;
  gc();
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const memory = retained() - before;

  const newTimes: number[] = [];
  const oldTimes: number[] = [];
  const oldParts = { gather: 0, hash: 0, bm25: 0, count: 0 };
  const bm25 = first.bm25 as Bm25Index;
  const textByHash = new Map<string, string>();
  for (let i = 0; i < n; i++) textByHash.set(numberToHex(BigInt(i + 1), { size: 32 }), texts[i] as string);
  const contributions = (await set.at([1n], head)).contributions();
  // The old path costs seconds at 1M: fewer samples there.
  const oldQueries = n >= 1_000_000 ? 5 : n >= 100_000 ? 15 : QUERIES;
  let agree = true;
  for (let q = 0; q < QUERIES + 5; q++) {
    const req = request(q);
    const out = output();
    t = performance.now();
    const context = await answers.context(req);
    const result = answers.attribute(context, out);
    const ms = performance.now() - t;
    if (q >= 5) newTimes.push(ms);
    if (q >= 5 && q - 5 < oldQueries) {
      // Today's path before this change, chain reads aside: the same work on the same data.
      const t0 = performance.now();
      const passages = [];
      for (const c of contributions) {
        const text = textByHash.get(c.contentHash.toLowerCase()) as string;
        passages.push({ contributionId: c.contributionId, text, uri: c.uri });
      }
      const t1 = performance.now();
      sha256(encoder.encode(passages.map((p) => `${p.contributionId}\u00001\u0000${p.text}`).join("\u0001")));
      const t2 = performance.now();
      const retrieved = bm25.retrieveExhaustive(context.question, answerRecipe.ragTopK);
      const t3 = performance.now();
      const old = computeAttribution({
        output: out,
        spanIndex: context.spanIndex,
        rag: { index: bm25, passages: retrieved },
        options: { maxAttributions: context.maxAttributions },
      });
      const t4 = performance.now();
      oldTimes.push(t4 - t0);
      oldParts.gather += t1 - t0;
      oldParts.hash += t2 - t1;
      oldParts.bm25 += t3 - t2;
      oldParts.count++;
      agree &&= toJson(old) === toJson(result);
    }
  }
  newTimes.sort((a, b) => a - b);
  oldTimes.sort((a, b) => a - b);
  const oldP50 = percentile(oldTimes, 50);
  const chainMs = (usPerContribution * n) / 1000;
  return {
    contributions: n,
    sync_seconds: Number(syncSeconds.toFixed(2)),
    index_build_seconds: Number(buildSeconds.toFixed(2)),
    retained_mib: Math.round(mib(memory)),
    new_p50_ms: Number(percentile(newTimes, 50).toFixed(3)),
    new_p95_ms: Number(percentile(newTimes, 95).toFixed(3)),
    new_p50_with_anvil_check_ms: Number((percentile(newTimes, 50) + checkMs).toFixed(3)),
    old_p50_ms_without_chain_reads: Number(oldP50.toFixed(3)),
    old_gather_ms: Number((oldParts.gather / oldParts.count).toFixed(3)),
    old_key_hash_ms: Number((oldParts.hash / oldParts.count).toFixed(3)),
    old_bm25_exhaustive_ms: Number((oldParts.bm25 / oldParts.count).toFixed(3)),
    old_chain_reads_ms_extrapolated: Number(chainMs.toFixed(1)),
    old_total_p50_ms: Number((oldP50 + chainMs).toFixed(1)),
    ratio_without_chain_reads: Number((oldP50 / percentile(newTimes, 50)).toFixed(1)),
    ratio_total: Number(((oldP50 + chainMs) / (percentile(newTimes, 50) + checkMs)).toFixed(0)),
    same_attribution: agree,
  };
}

const reads = await chainReads(Number(values["anvil-contributions"]));
const rows = [];
for (const n of SIZES) {
  rows.push(await measure(n, reads.usPerContribution, reads.checkP50Ms));
  gc();
}
const result = {
  goal_p50_ms_at_1m: 100,
  anvil_get_contribution_us: Number(reads.usPerContribution.toFixed(1)),
  anvil_contributions_scanned: reads.count,
  anvil_accepted_set_check_p50_ms: Number(reads.checkP50Ms.toFixed(3)),
  anvil_set_equals_scan: reads.agrees,
  sizes: rows,
  peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  cpus: cpus().length,
  load_average_1m_at_end: Number((loadavg()[0] as number).toFixed(2)),
  node: process.version,
};

console.log(`\nPer-answer path without inference (${process.version}, ${cpus().length} cpus)`);
console.log(
  `chain reads before: getContribution ${fmt(result.anvil_get_contribution_us, 1)} µs each on anvil (${reads.count} scanned, extrapolated); accepted-set check now ${fmt(reads.checkP50Ms, 3)} ms p50 (3 reads); set equals scan: ${reads.agrees}`,
);
const header = [
  "contributions",
  "now p50",
  "now p95",
  "now p50 + anvil check",
  "before p50 (no chain)",
  "before incl. chain",
  "ratio",
  "ratio incl. chain",
  "index build",
  "sync",
  "retained",
  "same attribution",
];
console.log(header.join(" | "));
for (const r of rows) {
  console.log(
    [
      fmt(r.contributions, 0),
      `${fmt(r.new_p50_ms, 3)} ms`,
      `${fmt(r.new_p95_ms, 3)} ms`,
      `${fmt(r.new_p50_with_anvil_check_ms, 3)} ms`,
      `${fmt(r.old_p50_ms_without_chain_reads, 1)} ms (gather ${fmt(r.old_gather_ms, 1)}, hash ${fmt(r.old_key_hash_ms, 1)}, bm25 ${fmt(r.old_bm25_exhaustive_ms, 1)})`,
      `${fmt(r.old_total_p50_ms, 0)} ms`,
      `${r.ratio_without_chain_reads}x`,
      `${r.ratio_total}x`,
      `${fmt(r.index_build_seconds)} s`,
      `${fmt(r.sync_seconds)} s`,
      `${fmt(r.retained_mib, 0)} MiB`,
      String(r.same_attribution),
    ].join(" | "),
  );
}
console.log(`peak RSS ${fmt(result.peak_rss_mib, 0)} MiB`);
const previous = existsSync(values.out) ? JSON.parse(readFileSync(values.out, "utf8")) : {};
writeFileSync(values.out, `${JSON.stringify({ ...previous, answer_path: result }, null, 2)}\n`);
console.log(`wrote answer_path to ${values.out}`);
if (!reads.agrees || rows.some((r) => !r.same_attribution)) process.exitCode = 1;
