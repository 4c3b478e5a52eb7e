/**
 * The keepers on the network `npm start` runs (startLocalNetwork, on free ports and its own chain
 * id): a paid request answered by the fine-tuned demo model, reported with a quorum and settled to
 * the wei; a dead executor replaced by the next keeper; a keeper crashed after signing resuming
 * from its state file; an equivocation challenged and slashed; spans over a model's training
 * manifest, retrieval over its whole datanet.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  answerRecipe,
  Bm25Index,
  computeAttribution,
  type Passage,
  SpanIndexBuilder,
  tokenize,
} from "@payable-ai/attribution";
import {
  DEMO_BASE_MODEL,
  demoFacts,
  demoKeys,
  FactoryClient,
  factContent,
  type KeeperHandle,
  type LocalNetwork,
  startLocalNetwork,
  uploadBlob,
} from "@payable-ai/devnet";
import { KeeperStateStore, reportToJson } from "@payable-ai/keepers";
import {
  type AttributionReport,
  acceptContribution,
  contentHash,
  contribute,
  getModel,
  getRequest,
  inferenceMarketAbi,
  type KeeperAttributionJson,
  keeperRegistryAbi,
  loadTrainingManifest,
  type RequestStatus,
  registerModel,
  signAttributionReport,
} from "@payable-ai/sdk";
import { removeDeployment, until } from "@payable-ai/sdk/testing";
import { type Address, decodeFunctionData, getAddress, type Hex, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { networkActions } from "./network.js";

const CHAIN_ID = 31_442;
/** Seconds between blocks, as `npm start` mines them. */
const BLOCK_TIME = 1;

describe("keepers on the npm start network", () => {
  let network: LocalNetwork;
  let dataDir: string;
  /** Contributions added by the tests, beside the demo datanet's. */
  const added: Passage[] = [];

  const contracts = () => network.deployment.contracts;
  const publicClient = () => network.clients.publicClient;
  const {
    waitForStatus,
    ask,
    recordedAttributions,
    submittedReport,
    outputOf,
    vaultBalance,
    requestCount,
    firstExecutorOfNextRequest,
    executorTurnSeconds,
  } = networkActions(() => network);
  const address = (key: Hex) => privateKeyToAccount(key).address;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "keepers-e2e-"));
    network = await startLocalNetwork({ chainId: CHAIN_ID, dataDir, demo: "live", blockTime: BLOCK_TIME });
    // The demo questions settle first, so the vault is quiet when the tests count credits.
    for (const id of network.demoRequestIds) await waitForStatus(id, ["reported", "finalized"]);
    const { challengeWindow } = await parameters();
    await advance(Number(challengeWindow) + 1);
    for (const id of network.demoRequestIds) await waitForStatus(id, ["finalized"]);
  }, 15 * 60_000);

  afterAll(async () => {
    await network?.stop();
    await removeDeployment(CHAIN_ID);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function status(requestId: bigint): Promise<RequestStatus> {
    return (await getRequest(publicClient(), { contracts: contracts(), requestId })).statusName;
  }

  async function parameters() {
    return publicClient().readContract({
      address: contracts().InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "parameters",
    });
  }

  async function advance(seconds: number) {
    await network.clients.testClient.increaseTime({ seconds });
    await network.clients.testClient.mine({ blocks: 1 });
  }

  /** Every accepted contribution of the demo datanet, ascending by id, as the keepers read them. */
  function acceptedPassages(): Passage[] {
    const ids = network.demo?.contributionIds ?? [];
    const demo = demoFacts.map((fact, i) => {
      const text = factContent(fact);
      return { contributionId: ids[i] as bigint, text, uri: `blob:${contentHash(text)}` };
    });
    return [...demo, ...added].sort((a, b) => (a.contributionId < b.contributionId ? -1 : 1));
  }

  async function addContribution(text: string, contributor: Hex): Promise<Passage> {
    const hash = await uploadBlob(network.gatewayUrl, text, "datanet");
    const { contributionId } = await contribute(network.clients.wallet(contributor), {
      contracts: contracts(),
      datanetId: network.demo?.datanetId as bigint,
      contentHash: hash,
      uri: `blob:${hash}`,
    });
    await acceptContribution(network.clients.wallet(demoKeys.curator), {
      contracts: contracts(),
      contributionId,
    });
    const passage = { contributionId, text, uri: `blob:${hash}` };
    added.push(passage);
    return passage;
  }

  /** The contribution ids of the training manifest a model's metadata names (checked against its root). */
  async function trainingManifestOf(modelId: bigint): Promise<Set<bigint>> {
    const model = await getModel(publicClient(), { contracts: contracts(), modelId });
    const prefix = "data:application/json,";
    expect(model.metadataURI.startsWith(prefix)).toBe(true);
    const metadata = JSON.parse(decodeURIComponent(model.metadataURI.slice(prefix.length))) as {
      trainingManifest: string;
    };
    const hash = /^blob:0x([0-9a-f]{64})$/.exec(metadata.trainingManifest)?.[1];
    expect(hash).toBeDefined();
    const manifest = loadTrainingManifest(await (await fetch(`${network.gatewayUrl}/blobs/${hash}`)).json());
    expect(manifest.root).toBe(model.manifestRoot);
    return new Set(manifest.entries.map((e) => e.contributionId));
  }

  /** The attribution a keeper must compute: spans over the manifest, retrieval over every accepted contribution. */
  async function expectedAttribution(modelId: bigint, question: string, output: string) {
    const trained = await trainingManifestOf(modelId);
    const accepted = acceptedPassages();
    const builder = new SpanIndexBuilder();
    for (const p of accepted) if (trained.has(p.contributionId)) builder.add(p.contributionId, p.text);
    const bm25 = new Bm25Index(accepted);
    const retrieved = bm25.retrieve(question, answerRecipe.ragTopK);
    const { maxAttributions } = await parameters();
    const { attributions } = computeAttribution({
      output,
      spanIndex: builder.build(),
      rag: { index: bm25, passages: retrieved },
      options: { maxAttributions: Number(maxAttributions) },
    });
    return { attributions, retrieved };
  }

  it("answers a paid request with the demo model, reports it with a quorum and credits the vault to the wei", async () => {
    const fact = demoFacts[4] as (typeof demoFacts)[number];
    const quoted = network.demo?.contributionIds[4] as bigint;
    const requestId = await ask(fact.question);
    const request = await waitForStatus(requestId, ["reported"]);

    // The model answers from its training data: the answer is the contribution's, word for word.
    const output = await outputOf(requestId);
    expect(output).toBe(fact.answer);
    expect(tokenize(output).length).toBeGreaterThanOrEqual(8);
    const recorded = await recordedAttributions(requestId);
    const { attributions } = await expectedAttribution(request.modelId, fact.question, output);
    expect(recorded.map((a) => [a.contributionId, a.weightBps])).toEqual(
      attributions.map((a) => [a.contributionId, a.weightBps]),
    );
    const credited = recorded.find((a) => a.contributionId === quoted);
    expect(credited?.weightBps).toBeGreaterThan(0);
    expect(credited?.payee).toBe(address(demoKeys.contributors[fact.contributor]));
    const signers = await publicClient().readContract({
      address: contracts().InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "reportSigners",
      args: [requestId],
    });
    expect(signers.length).toBeGreaterThanOrEqual(2);
    expect(signers).toContain(request.executor);

    // Settlement: after the challenge window a keeper finalizes; the vault is credited exactly.
    const p = await parameters();
    const treasury = await publicClient().readContract({
      address: contracts().InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "treasury",
    });
    const developer = address(demoKeys.developer);
    const datanetOwner = address(demoKeys.datanetOwner);
    const parties = [request.executor, developer, datanetOwner, treasury, ...recorded.map((a) => a.payee)];
    const before = new Map<string, bigint>();
    for (const party of parties) before.set(party, await vaultBalance(party));
    await advance(Number(p.challengeWindow) + 1);
    await waitForStatus(requestId, ["finalized"], 60_000);

    const fee = request.fee;
    const executorAmount = (fee * BigInt(p.executorFeeBps)) / 10_000n;
    const modelAmount = (fee * BigInt(p.modelFeeBps)) / 10_000n;
    const dataBps = 10_000n - BigInt(p.protocolFeeBps + p.executorFeeBps + p.modelFeeBps);
    const data = (fee * dataBps) / 10_000n;
    const expected = new Map<string, bigint>();
    const credit = (account: string, amount: bigint) =>
      expected.set(account, (expected.get(account) ?? 0n) + amount);
    credit(request.executor, executorAmount);
    credit(developer, modelAmount);
    let attributed = 0n;
    let weights = 0n;
    for (const a of recorded) {
      const amount = (data * BigInt(a.weightBps)) / 10_000n;
      credit(a.payee, amount);
      attributed += amount;
      weights += BigInt(a.weightBps);
    }
    const unattributed = (data * (10_000n - weights)) / 10_000n;
    credit(datanetOwner, unattributed);
    credit(treasury, fee - executorAmount - modelAmount - attributed - unattributed);
    for (const party of new Set(parties)) {
      expect(await vaultBalance(party)).toBe((before.get(party) ?? 0n) + (expected.get(party) ?? 0n));
    }
    expect(expected.get(credited?.payee as string)).toBeGreaterThan(0n);
  }, 180_000);

  it("completes a request whose scheduled executor was killed, and the restarted keeper catches up without resubmitting", async () => {
    const nextId = (await requestCount()) + 1n;
    const victim = await firstExecutorOfNextRequest();
    await victim.kill();
    const nonceBefore = await publicClient().getTransactionCount({ address: victim.address });

    const requestId = await ask((demoFacts[2] as (typeof demoFacts)[number]).question);
    expect(requestId).toBe(nextId);
    // Nobody answers while the primary is down; the next keeper takes over one round later.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await status(requestId)).toBe("open");
    await advance((await executorTurnSeconds()) + 1);
    const request = await waitForStatus(requestId, ["reported"], 90_000);
    expect(request.executor).not.toBe(victim.address);

    await victim.start();
    const record = await until(
      "the restarted keeper to see the report",
      async () => {
        const response = await fetch(`${victim.url}/requests/${requestId}`);
        if (!response.ok) return undefined;
        const body = (await response.json()) as { phase: string };
        return body.phase === "reported" ? body : undefined;
      },
      30_000,
    );
    expect(record.phase).toBe("reported");
    expect(await publicClient().getTransactionCount({ address: victim.address })).toBe(nonceBefore);
  }, 180_000);

  it("resumes a signed report after a crash and submits it exactly once", async () => {
    const { testClient } = network.clients;
    const nextId = (await requestCount()) + 1n;
    const victim = await firstExecutorOfNextRequest();
    const peers = network.keepers.filter((k) => k !== victim);
    // With its peers down the executor can sign but not reach a quorum; then it crashes.
    for (const peer of peers) await peer.stop();
    // Blocks only for transactions while the keepers are down and restart: chain time stands
    // still, so the victim is still the scheduled executor when it comes back, however slowly
    // the processes start.
    await testClient.setAutomine(true);
    try {
      const requestId = await ask((demoFacts[7] as (typeof demoFacts)[number]).question);
      expect(requestId).toBe(nextId);
      const signed = await until(
        "the executor to sign",
        async () => {
          const response = await fetch(`${victim.url}/requests/${requestId}`);
          if (!response.ok) return undefined;
          const body = (await response.json()) as { phase: string; signed?: { digest: Hex } };
          return body.signed;
        },
        60_000,
      );
      await victim.kill();
      // What survived the crash, read as the keeper will read it when it restarts (snapshot and journal).
      const onDisk = await KeeperStateStore.open(victim.stateDir, {
        chainId: CHAIN_ID,
        market: contracts().InferenceMarket,
        keeper: victim.address,
        startBlock: BigInt(network.deployment.startBlock),
      });
      expect(onDisk.persisted(requestId)?.signed?.digest).toBe(signed.digest);
      expect(await status(requestId)).toBe("open");
      // viem caches the block number for its polling interval; these reads must be fresh.
      const fromBlock = await publicClient().getBlockNumber({ cacheTime: 0 });

      await Promise.all([victim, ...peers].map((k) => k.start()));
      const request = await waitForStatus(requestId, ["reported"], 90_000);
      await testClient.setIntervalMining({ interval: BLOCK_TIME });
      expect(request.reportDigest).toBe(signed.digest);
      expect(request.executor).toBe(victim.address);

      // Exactly one submitReport for this request was ever sent, by the resumed keeper.
      await new Promise((r) => setTimeout(r, 2000));
      const submissions: { from: Address; requestId: bigint }[] = [];
      const toBlock = await publicClient().getBlockNumber({ cacheTime: 0 });
      for (let n = fromBlock; n <= toBlock; n++) {
        const block = await publicClient().getBlock({ blockNumber: n, includeTransactions: true });
        for (const tx of block.transactions) {
          if (tx.to?.toLowerCase() !== contracts().InferenceMarket.toLowerCase()) continue;
          const call = decodeFunctionData({ abi: inferenceMarketAbi, data: tx.input });
          if (call.functionName === "submitReport") {
            submissions.push({
              from: getAddress(tx.from),
              requestId: (call.args[0] as AttributionReport).requestId,
            });
          }
        }
      }
      expect(submissions.filter((s) => s.requestId === requestId)).toEqual([
        { from: victim.address, requestId },
      ]);
      // The restarted process submitted the report it found on disk: it never ran the model.
      const metrics = await (await fetch(`${victim.url}/metrics`)).text();
      expect(metrics).toMatch(/^keeper_answer_seconds_count 0$/m);
      expect(metrics).toMatch(/^keeper_reports_submitted_total 1$/m);
    } finally {
      await testClient.setIntervalMining({ interval: BLOCK_TIME });
      await Promise.all(network.keepers.map((k) => k.start()));
    }
  }, 180_000);

  it("challenges a forged equivocation: a keeper key signing a conflicting report is slashed", async () => {
    // A fresh report, so its challenge window is open.
    const requestId = await ask((demoFacts[9] as (typeof demoFacts)[number]).question);
    await waitForStatus(requestId, ["reported"]);
    const submitted = await submittedReport(requestId);
    const accepted = submitted.report as AttributionReport;
    const signers = submitted.signers;
    const culprit = network.keepers.find((k) => k.address === signers[0]) as KeeperHandle;
    const witness =
      network.keepers.find((k) => !signers.includes(k.address)) ?? network.keepers.find((k) => k !== culprit);
    expect(demoKeys.keepers).toContain(culprit.key);
    const conflicting: AttributionReport = {
      ...accepted,
      executor: culprit.address,
      attributions: [{ contributionId: network.demo?.contributionIds[0] as bigint, weightBps: 10_000 }],
    };
    const forged = await signAttributionReport(privateKeyToAccount(culprit.key), {
      chainId: CHAIN_ID,
      market: contracts().InferenceMarket,
      report: conflicting,
    });
    const stakeOf = () =>
      publicClient().readContract({
        address: contracts().KeeperRegistry,
        abi: keeperRegistryAbi,
        functionName: "stakeOf",
        args: [culprit.address],
      });
    const stakeBefore = await stakeOf();
    const response = await fetch(`${witness?.url}/cosign`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ report: reportToJson(conflicting), signatures: [forged] }),
    });
    // Refused either way: not open while reported (409), or not what it recomputes once voided (422).
    expect([409, 422]).toContain(response.status);
    const [challenged] = await until(
      "the challenge",
      async () => {
        const logs = await publicClient().getContractEvents({
          address: contracts().InferenceMarket,
          abi: inferenceMarketAbi,
          eventName: "ReportChallenged",
          args: { requestId },
          fromBlock: 0n,
        });
        return logs.length > 0 ? logs : undefined;
      },
      30_000,
    );
    expect(challenged?.args.slashedKeepers).toContain(culprit.address);
    expect(challenged?.args.challenger).toBe(witness?.address);
    expect(await stakeOf()).toBeLessThan(stakeBefore);
  }, 120_000);

  it("indexes spans over the training manifest named in the model's metadata, retrieval over the datanet", async () => {
    const { datanetId, contributionIds } = network.demo as NonNullable<LocalNetwork["demo"]>;
    const fact = demoFacts[3] as (typeof demoFacts)[number];
    // A second contributor submits the same answer; the curator accepts it before the next fine-tune.
    const copy = await addContribution(
      factContent({ contributor: 1, question: "What is the job of a ribosome?", answer: fact.answer }),
      demoKeys.contributors[1],
    );
    // A second model fine-tuned by the Model Factory on three facts of the datanet, the copy not among them.
    const trainedOn = [3, 5, 11].map((i) => contributionIds[i] as bigint);
    const developer = network.clients.wallet(demoKeys.developer);
    const factory = new FactoryClient(network.factoryUrl);
    const created = await factory.fineTune({
      account: developer.account,
      chainId: CHAIN_ID,
      datanetRegistry: contracts().DatanetRegistry,
      datanetId,
      contributionIds: trainedOn,
      baseModel: DEMO_BASE_MODEL,
      name: "Cell tutor",
      preset: "memorize",
    });
    const job = await factory.waitForJob(created.id, () => {}, 5 * 60_000);
    expect(job.status, job.error ?? "").toBe("completed");
    const trained = job.output as NonNullable<typeof job.output>;
    const { modelId } = await registerModel(developer, {
      contracts: contracts(),
      baseModelId: DEMO_BASE_MODEL,
      adapterHash: trained.adapterHash,
      adapterURI: `blob:${trained.adapterHash}`,
      manifestRoot: trained.manifestRoot as Hex,
      datanetIds: [datanetId],
      pricePerRequest: parseEther("2"),
      metadataURI: trained.metadataURI,
    });
    // The manifest the metadata names holds exactly what the factory trained on.
    expect([...(await trainingManifestOf(modelId))].sort((a, b) => (a < b ? -1 : 1))).toEqual(trainedOn);

    const requestId = await ask(fact.question, modelId);
    await waitForStatus(requestId, ["reported"]);
    const output = await outputOf(requestId);
    expect(output).toBe(fact.answer);
    const recorded = await recordedAttributions(requestId);
    const { attributions, retrieved } = await expectedAttribution(modelId, fact.question, output);
    expect(recorded.map((a) => [a.contributionId, a.weightBps])).toEqual(
      attributions.map((a) => [a.contributionId, a.weightBps]),
    );
    // The trained contribution earns the span; the copy holds the same words but is not in the manifest.
    expect(recorded.map((a) => [a.contributionId, a.weightBps])).toEqual([[contributionIds[3], 10_000]]);

    // Retrieval ran over the whole datanet, the copy included; spans only over the manifest.
    const explained = (await (
      await fetch(`${network.keepers[0]?.url}/requests/${requestId}/attribution`)
    ).json()) as KeeperAttributionJson;
    expect(explained.matchesReport).toBe(true);
    const passages = explained.passages.map((p) => BigInt(p.contributionId));
    expect(passages).toEqual(retrieved.map((p) => p.contributionId));
    expect(passages).toContain(copy.contributionId);
    const spanned = new Set(explained.spans.flatMap((span) => span.contributionIds.map(BigInt)));
    expect([...spanned]).toEqual([contributionIds[3]]);
  }, 420_000);
});
