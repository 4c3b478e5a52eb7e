// Indexer benchmark: fills a fresh anvil with protocol activity through the real contracts,
// then measures (1) backfill throughput of `ponder start` against a baseline start on an empty
// deployment measured in the same run and (2) GraphQL latency of the contributor leaderboard.
// Writes bench/results.json. Usage: npm run bench -w indexer [-- --requests 400]
import { readdir, readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  type AttributionReport,
  agentRegistryAbi,
  contentHash,
  contributionVotesAbi,
  type Deployment,
  datanetRegistryAbi,
  defineRpcChain,
  inferenceMarketAbi,
  keeperRegistryAbi,
  modelRegistryAbi,
  openGovernorAbi,
  openTokenAbi,
  rewardVaultAbi,
  signAttributionReport,
  sortSignatures,
} from "@payable-ai/sdk";
import {
  anvilPrivateKeys,
  deployProtocol,
  freePort,
  removeDeployment,
  startAnvil,
} from "@payable-ai/sdk/testing";
import {
  type Abi,
  type AbiEvent,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  parseEther,
  toEventSelector,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startIndexer } from "../runner/index.js";

const { values: options } = parseArgs({
  options: {
    requests: { type: "string", default: "300" },
    contributions: { type: "string", default: "200" },
    attributions: { type: "string", default: "8" },
    queries: { type: "string", default: "300" },
  },
});
const requests = Number(options.requests);
// Postgres when DATABASE_URL is set (each run in schemas of its own), PGlite otherwise.
const databaseUrl = process.env.DATABASE_URL;
function database(chainId: number, run: string) {
  return databaseUrl ? { databaseUrl, schema: `bench_${chainId}_${run}` } : {};
}
const contributions = Number(options.contributions);
const attributionsPerReport = Number(options.attributions);
const queries = Number(options.queries);

function log(message: string) {
  console.log(`[bench] ${message}`);
}

async function main() {
  const chainId = 914_000 + Math.floor(Math.random() * 1000);
  const anvil = await startAnvil({ chainId });
  try {
    const deployment = await deployProtocol({ rpcUrl: anvil.rpcUrl, chainId });
    const baseline = await timeBackfill(anvil.rpcUrl, chainId);
    log(
      `baseline (empty deployment): ready in ${baseline.readyMs.toFixed(0)} ms, backfill ${baseline.backfillMs.toFixed(0)} ms`,
    );

    const generated = await generateActivity(anvil.rpcUrl, chainId, deployment);
    log(`generated ${generated.transactions} transactions`);

    const port = await freePort();
    const clock = backfillClock();
    const started = performance.now();
    const indexer = await startIndexer({
      rpcUrl: anvil.rpcUrl,
      chainId,
      port,
      timeoutMs: 600_000,
      onLog: clock.onLog,
      ...database(chainId, "loaded"),
    });
    await indexer.waitForBlock(await publicClientFor(anvil.rpcUrl).getBlockNumber(), 600_000);
    const loadedMs = performance.now() - started;
    try {
      const events = await countIndexedEvents(anvil.rpcUrl, chainId, deployment);
      const loadedBackfillMs = clock.elapsedMs();
      const backfillMs = Math.max(1, loadedBackfillMs - baseline.backfillMs);
      log(
        `indexed ${events} events: ready in ${loadedMs.toFixed(0)} ms, backfill ${loadedBackfillMs.toFixed(0)} ms ` +
          `(${backfillMs.toFixed(0)} ms over the baseline's ${baseline.backfillMs.toFixed(0)} ms)`,
      );
      const latencies = await measureLeaderboard(indexer.graphqlUrl, queries);
      const results = {
        events,
        transactions: generated.transactions,
        requests,
        contributions,
        attributions_per_report: attributionsPerReport,
        baseline_ready_ms: Math.round(baseline.readyMs),
        baseline_backfill_ms: Math.round(baseline.backfillMs),
        loaded_ready_ms: Math.round(loadedMs),
        loaded_backfill_ms: Math.round(loadedBackfillMs),
        backfill_ms: Math.round(backfillMs),
        backfill_events_per_s: Math.round((events / backfillMs) * 1000),
        graphql_queries: queries,
        graphql_p50_ms: percentile(latencies, 0.5),
        graphql_p95_ms: percentile(latencies, 0.95),
        graphql_p99_ms: percentile(latencies, 0.99),
        database: databaseUrl ? "postgres" : "pglite",
        node: process.version,
      };
      const file = databaseUrl ? "results.postgres.json" : "results.json";
      await writeFile(resolve(import.meta.dirname, file), `${JSON.stringify(results, null, 2)}\n`);
      console.log(JSON.stringify(results, null, 2));
    } finally {
      await indexer.stop();
    }
  } finally {
    await anvil.stop();
    await removeDeployment(chainId);
  }
}

/** Wall-clock of Ponder's backfill phase, from its "Started/Completed backfill indexing" log lines. */
function backfillClock() {
  let startedAt: number | undefined;
  let completedAt: number | undefined;
  return {
    onLog(line: string) {
      if (line.includes("Started backfill indexing")) startedAt = performance.now();
      if (line.includes("Completed backfill indexing")) completedAt = performance.now();
    },
    elapsedMs(): number {
      if (startedAt === undefined || completedAt === undefined)
        throw new Error("no backfill in the indexer's log");
      return completedAt - startedAt;
    },
  };
}

function publicClientFor(rpcUrl: string) {
  return createPublicClient({ transport: http(rpcUrl) });
}

async function timeBackfill(
  rpcUrl: string,
  chainId: number,
): Promise<{ readyMs: number; backfillMs: number }> {
  await createTestClient({ transport: http(rpcUrl), mode: "anvil" }).mine({ blocks: 200 });
  const clock = backfillClock();
  const started = performance.now();
  const indexer = await startIndexer({
    rpcUrl,
    chainId,
    port: await freePort(),
    onLog: clock.onLog,
    ...database(chainId, "baseline"),
  });
  await indexer.waitForBlock(await publicClientFor(rpcUrl).getBlockNumber(), 600_000);
  const readyMs = performance.now() - started;
  await indexer.stop();
  return { readyMs, backfillMs: clock.elapsedMs() };
}

/** Events the indexer handles: one per handler in src/, matched on-chain by address and topic. */
async function countIndexedEvents(rpcUrl: string, chainId: number, deployment: Deployment): Promise<number> {
  const { contracts } = deployment;
  const watched: [Hex, Abi][] = [
    [contracts.DatanetRegistry, datanetRegistryAbi],
    [contracts.ModelRegistry, modelRegistryAbi],
    [contracts.InferenceMarket, inferenceMarketAbi],
    [contracts.KeeperRegistry, keeperRegistryAbi],
    [contracts.RewardVault, rewardVaultAbi],
    [contracts.AgentRegistry, agentRegistryAbi],
    [contracts.OpenGovernor, openGovernorAbi],
    [contracts.ContributionVotes, contributionVotesAbi],
  ];
  const handled = new Set(await handledEventNames());
  const client = createPublicClient({ transport: http(rpcUrl) });
  let events = 0;
  for (const [address, abi] of watched) {
    const name = Object.entries(contracts).find(([, a]) => a === address)?.[0];
    const topics = new Set(
      abi
        .filter((item) => item.type === "event" && handled.has(`${name}:${item.name}`))
        .map((item) => toEventSelector(item as AbiEvent)),
    );
    const logs = await client.getLogs({ address, fromBlock: BigInt(deployment.startBlock) });
    events += logs.filter((log) => log.topics[0] && topics.has(log.topics[0])).length;
  }
  void chainId;
  return events;
}

/** `Contract:Event` names registered with `ponder.on` in src/. */
async function handledEventNames(): Promise<string[]> {
  const dir = resolve(import.meta.dirname, "../src");
  const names: string[] = [];
  for (const file of await readdir(dir)) {
    if (!file.endsWith(".ts")) continue;
    const source = await readFile(resolve(dir, file), "utf8");
    for (const match of source.matchAll(/ponder\.on\("([A-Za-z]+:[A-Za-z]+)"/g))
      names.push(match[1] as string);
  }
  return names;
}

const leaderboardQuery = `query Leaderboard {
  accounts(orderBy: "earnedData", orderDirection: "desc", limit: 20, where: { earnedData_gt: "0" }) {
    items { address earnedData earnedTotal contributionCount acceptedCount }
  }
}`;

async function measureLeaderboard(graphqlUrl: string, count: number): Promise<number[]> {
  const run = async () => {
    const started = performance.now();
    const response = await fetch(graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: leaderboardQuery }),
    });
    const body = (await response.json()) as { data?: { accounts: { items: unknown[] } } };
    if (!body.data?.accounts.items.length) throw new Error("the leaderboard is empty");
    return performance.now() - started;
  };
  for (let i = 0; i < 20; i++) await run();
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) latencies.push(await run());
  return latencies;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
  return Math.round((sorted[index] ?? 0) * 100) / 100;
}

async function generateActivity(rpcUrl: string, chainId: number, deployment: Deployment) {
  const { contracts } = deployment;
  const chain = defineRpcChain({ id: chainId, name: "bench", rpcUrl });
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 });
  const testClient = createTestClient({ chain, transport, mode: "anvil" });
  let transactions = 0;

  // Transactions are sent with explicit nonces and mined in batches: the bench measures the
  // indexer, not the round trips of one-at-a-time sending.
  const nonces = new Map<Hex, number>();
  async function send(
    key: Hex,
    to: Hex,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
    gas = 1_000_000n,
  ) {
    const account = privateKeyToAccount(key);
    const wallet = createWalletClient({ account, chain, transport });
    let nonce = nonces.get(key);
    if (nonce === undefined)
      nonce = await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
    nonces.set(key, nonce + 1);
    transactions++;
    return wallet.sendTransaction({
      to,
      data: encodeFunctionData({ abi, functionName, args } as never),
      nonce,
      gas,
    });
  }
  // A block holds 30M gas of transaction gas limits, so a batch may need several blocks.
  async function mineAll(hashes: Hex[]) {
    let pending = [...hashes];
    while (pending.length > 0) {
      await testClient.mine({ blocks: 1 });
      const receipts = await Promise.all(
        pending.map((hash) => publicClient.getTransactionReceipt({ hash }).catch(() => undefined)),
      );
      for (const receipt of receipts) {
        if (receipt && receipt.status !== "success")
          throw new Error(`transaction ${receipt.transactionHash} reverted`);
      }
      pending = pending.filter((_, i) => receipts[i] === undefined);
    }
  }

  const [deployer, owner, developer, user, ...rest] = anvilPrivateKeys;
  const keepers = rest.slice(0, 3);
  const contributorKeys = rest.slice(3);
  const minStake = await publicClient.readContract({
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName: "minStake",
  });
  const price = parseEther("1");
  // Every request is reported before any is finalized: the keepers' stake must back all the fees.
  const { maxReportedFeesBps } = await publicClient.readContract({
    address: contracts.InferenceMarket,
    abi: inferenceMarketAbi,
    functionName: "parameters",
  });
  const backing =
    (price * BigInt(requests) * 10_000n) / (BigInt(maxReportedFeesBps) * BigInt(keepers.length));
  const keeperStake = (backing > minStake ? backing : minStake) + parseEther("1");

  await testClient.setAutomine(false);
  let hashes: Hex[] = [];
  for (const key of [owner, developer, user, ...keepers, ...contributorKeys]) {
    const amount =
      key === user
        ? price * BigInt(requests) + parseEther("100")
        : ((keepers as readonly Hex[]).includes(key) ? keeperStake : minStake) + parseEther("1000");
    hashes.push(
      await send(deployer, contracts.OpenToken, openTokenAbi, "transfer", [
        privateKeyToAccount(key).address,
        amount,
      ]),
    );
  }
  await mineAll(hashes);
  hashes = [];
  for (const key of keepers) {
    hashes.push(
      await send(key, contracts.OpenToken, openTokenAbi, "approve", [contracts.KeeperRegistry, keeperStake]),
    );
    hashes.push(await send(key, contracts.KeeperRegistry, keeperRegistryAbi, "stake", [keeperStake]));
  }
  hashes.push(
    await send(owner, contracts.DatanetRegistry, datanetRegistryAbi, "createDatanet", [
      { metadataURI: "bench", contributionBond: 0n, accessFee: 0n, reviewTimeout: 86_400n },
      [],
    ]),
  );
  await mineAll(hashes);
  const datanetId = await publicClient.readContract({
    address: contracts.DatanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "datanetCount",
  });

  hashes = [];
  const contributionIds: bigint[] = [];
  const firstId =
    (await publicClient.readContract({
      address: contracts.DatanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "contributionCount",
    })) + 1n;
  for (let i = 0; i < contributions; i++) {
    const key = contributorKeys[i % contributorKeys.length] as Hex;
    hashes.push(
      await send(key, contracts.DatanetRegistry, datanetRegistryAbi, "contribute", [
        datanetId,
        contentHash(`bench contribution ${i}`),
        `bench:${i}`,
      ]),
    );
    contributionIds.push(firstId + BigInt(i));
  }
  await mineAll(hashes);
  hashes = [];
  for (const id of contributionIds) {
    hashes.push(await send(owner, contracts.DatanetRegistry, datanetRegistryAbi, "acceptContribution", [id]));
  }
  hashes.push(
    await send(developer, contracts.DatanetRegistry, datanetRegistryAbi, "requestAccess", [datanetId]),
  );
  await mineAll(hashes);
  hashes = [
    await send(owner, contracts.DatanetRegistry, datanetRegistryAbi, "approveAccess", [
      datanetId,
      privateKeyToAccount(developer).address,
    ]),
  ];
  await mineAll(hashes);
  hashes = [
    await send(developer, contracts.ModelRegistry, modelRegistryAbi, "registerModel", [
      {
        baseModelId: "bench",
        adapterHash: contentHash("bench adapter"),
        adapterURI: "bench",
        manifestRoot: contentHash("bench manifest"),
        datanetIds: [datanetId],
        pricePerRequest: price,
        metadataURI: "bench",
      },
    ]),
  ];
  await mineAll(hashes);
  const modelId = await publicClient.readContract({
    address: contracts.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "modelCount",
  });

  const firstRequest =
    (await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "requestCount",
    })) + 1n;
  hashes = [
    await send(user, contracts.OpenToken, openTokenAbi, "approve", [
      contracts.InferenceMarket,
      price * BigInt(requests),
    ]),
  ];
  for (let i = 0; i < requests; i++) {
    hashes.push(
      await send(user, contracts.InferenceMarket, inferenceMarketAbi, "requestInference", [
        modelId,
        contentHash(`bench input ${i}`),
        `bench:${i}`,
        price,
      ]),
    );
  }
  await mineAll(hashes);

  const submitterKey = keepers[0] as Hex;
  // All three keepers sign: the count quorum and two thirds of the (equal) bonded stake.
  const signerAccounts = keepers.map((k) => privateKeyToAccount(k));
  hashes = [];
  for (let i = 0; i < requests; i++) {
    const requestId = firstRequest + BigInt(i);
    const weight = Math.floor(9000 / attributionsPerReport);
    const [executor] = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "scheduledExecutor",
      args: [requestId],
    });
    const report: AttributionReport = {
      requestId,
      // A fresh request is in round 0.
      round: 0,
      modelId,
      outputHash: contentHash(`bench output ${i}`),
      outputURI: `bench:${i}`,
      executor,
      attributionVersion: 1,
      attributions: Array.from({ length: attributionsPerReport }, (_, j) => ({
        contributionId: contributionIds[(i * 7 + j * 13) % contributionIds.length] as bigint,
        weightBps: weight,
      }))
        .filter((a, j, all) => all.findIndex((b) => b.contributionId === a.contributionId) === j)
        .sort((a, b) => (a.contributionId < b.contributionId ? -1 : 1)),
    };
    const signatures = await Promise.all(
      signerAccounts.map((account) =>
        signAttributionReport(account, { chainId, market: contracts.InferenceMarket, report }),
      ),
    );
    hashes.push(
      await send(submitterKey, contracts.InferenceMarket, inferenceMarketAbi, "submitReport", [
        report,
        sortSignatures(signatures),
      ]),
    );
  }
  await mineAll(hashes);

  const window = await publicClient.readContract({
    address: contracts.InferenceMarket,
    abi: inferenceMarketAbi,
    functionName: "challengeWindow",
  });
  await testClient.increaseTime({ seconds: Number(window) + 1 });
  hashes = [];
  for (let i = 0; i < requests; i += 10) {
    const ids = Array.from({ length: Math.min(10, requests - i) }, (_, j) => firstRequest + BigInt(i + j));
    hashes.push(
      await send(user, contracts.InferenceMarket, inferenceMarketAbi, "finalize", [ids], 10_000_000n),
    );
  }
  await mineAll(hashes);
  // Bury the activity under empty blocks so the indexer treats all of it as finalized history
  // (backfill) rather than live blocks.
  await testClient.mine({ blocks: 200 });
  await testClient.setAutomine(true);
  return { transactions };
}

await main();
