import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Bm25Index,
  computeAttribution,
  type Passage,
  SpanIndexBuilder,
  tokenize,
} from "@payable-ai/keepers/attribution";
import {
  answerRecipe,
  fitPrompt,
  reportToJson,
  scheduleExecutor,
  sortKeepers,
} from "@payable-ai/keepers/node";
import {
  type AttributionReport,
  acceptContribution,
  approveAccess,
  contentHash,
  contribute,
  createDatanet,
  createTrainingManifest,
  type Deployment,
  inferenceMarketAbi,
  keeperRegistryAbi,
  openTokenAbi,
  registerModel,
  requestAccess,
  requestInference,
  rewardVaultAbi,
  signAttributionReport,
  stakeKeeper,
} from "@payable-ai/sdk";
import {
  type Anvil,
  anvilPrivateKeys,
  deployProtocol,
  freePort,
  removeDeployment,
  startAnvil,
} from "@payable-ai/sdk/testing";
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeFunctionData,
  defineChain,
  getAddress,
  type Hex,
  http,
  parseEther,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScript, type Service, startService, until, waitForHttp } from "./processes.js";

const CHAIN_ID = 913_406;
/** Chain seconds before the next keeper takes over a request. */
const FALLBACK_SECONDS = 20;

const keys = {
  datanetOwner: anvilPrivateKeys[1],
  curator: anvilPrivateKeys[2],
  contributorA: anvilPrivateKeys[3],
  contributorB: anvilPrivateKeys[4],
  developer: anvilPrivateKeys[5],
  user: anvilPrivateKeys[6],
  keepers: [anvilPrivateKeys[7], anvilPrivateKeys[8], anvilPrivateKeys[9]],
} as const;

const texts = [
  "Photosynthesis converts light energy into chemical energy stored in glucose.",
  "Mitochondria are the site of cellular respiration, producing ATP from glucose and oxygen.",
  "The Calvin cycle fixes carbon dioxide into sugars using ATP and NADPH.",
];

describe("keepers end to end (anvil, gateway, inference node, three keepers)", () => {
  let anvil: Anvil;
  let deployment: Deployment;
  let dir: string;
  let gateway: Service;
  let gatewayUrl: string;
  let inference: Service;
  let inferenceUrl: string;
  const keepers: {
    key: Hex;
    address: Address;
    port: number;
    url: string;
    stateDir: string;
    service?: Service;
  }[] = [];
  let datanetId: bigint;
  let modelId: bigint;
  const passages: Passage[] = [];

  const chain = defineChain({
    id: CHAIN_ID,
    name: "keepers e2e",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: ["http://127.0.0.1"] } },
  });
  let publicClient: ReturnType<typeof createPublicClient>;
  let testClient: ReturnType<typeof createTestClient>;
  const wallet = (key: Hex) =>
    createWalletClient({
      account: privateKeyToAccount(key),
      chain,
      transport: http(anvil.rpcUrl),
      pollingInterval: 100,
    });

  async function upload(content: string, visibility: "public" | "datanet"): Promise<Hex> {
    const response = await fetch(`${gatewayUrl}/blobs?visibility=${visibility}`, {
      method: "POST",
      body: content,
    });
    expect(response.status).toBeLessThan(300);
    return contentHash(content);
  }

  function startKeeper(index: number): Service {
    const k = keepers[index] as (typeof keepers)[number];
    const peers = keepers.filter((_, i) => i !== index).map((p) => p.url);
    const service = startService(`keeper-${index}`, "keepers/src/node/cli.ts", [
      "--rpc-url",
      anvil.rpcUrl,
      "--private-key",
      k.key,
      "--inference-url",
      inferenceUrl,
      "--gateway-url",
      gatewayUrl,
      "--peers",
      peers.join(","),
      "--port",
      String(k.port),
      "--state-dir",
      k.stateDir,
      "--confirmations",
      "0",
      "--poll-interval-ms",
      "200",
      "--fallback-after-seconds",
      String(FALLBACK_SECONDS),
      "--log-level",
      "info",
    ]);
    k.service = service;
    return service;
  }

  async function status(requestId: bigint): Promise<number> {
    const request = await publicClient.readContract({
      address: deployment.contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "getRequest",
      args: [requestId],
    });
    return request.status;
  }

  async function requestCount(): Promise<bigint> {
    return publicClient.readContract({
      address: deployment.contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "requestCount",
    });
  }

  /** The keeper scheduled first to execute the next request (round 0 of the rotation). */
  async function firstExecutorOfNextRequest() {
    const executor = scheduleExecutor({
      requestId: (await requestCount()) + 1n,
      activeKeepers: sortKeepers(keepers.map((k) => k.address)),
      requestedAt: 0n,
      now: 0n,
      fallbackAfterSeconds: BigInt(FALLBACK_SECONDS),
    }).executor;
    return keepers.find((k) => k.address === executor) as (typeof keepers)[number];
  }

  async function vaultBalance(account: Address): Promise<bigint> {
    return publicClient.readContract({
      address: deployment.contracts.RewardVault,
      abi: rewardVaultAbi,
      functionName: "balanceOf",
      args: [account],
    });
  }

  async function advance(seconds: number) {
    await testClient.increaseTime({ seconds });
    await testClient.mine({ blocks: 1 });
  }

  async function ask(question: string, model?: bigint): Promise<bigint> {
    const inputHash = await upload(question, "public");
    const { requestId } = await requestInference(wallet(keys.user), {
      contracts: deployment.contracts,
      modelId: model ?? modelId,
      inputHash,
      inputURI: `blob:${inputHash}`,
      maxFee: parseEther("2"),
    });
    return requestId;
  }

  /** Every accepted contribution of the datanet so far, as the keepers read them. */
  const extra: Passage[] = [];
  async function acceptedPassages(): Promise<Passage[]> {
    return [...passages, ...extra];
  }

  async function addContribution(text: string): Promise<Passage> {
    const hash = await upload(text, "datanet");
    const { contributionId } = await contribute(wallet(keys.contributorA), {
      contracts: deployment.contracts,
      datanetId,
      contentHash: hash,
      uri: `blob:${hash}`,
    });
    await acceptContribution(wallet(keys.curator), { contracts: deployment.contracts, contributionId });
    const passage = { contributionId, text, uri: `blob:${hash}` };
    extra.push(passage);
    return passage;
  }

  async function complete(model: string, prompt: string): Promise<string> {
    const response = await fetch(`${inferenceUrl}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model,
        prompt,
        max_tokens: answerRecipe.maxOutputTokens,
        temperature: answerRecipe.temperature,
        seed: answerRecipe.seed,
      }),
    });
    return ((await response.json()) as { choices: { text: string }[] }).choices[0]?.text as string;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keepers-e2e-"));
    anvil = await startAnvil({ chainId: CHAIN_ID });
    publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    testClient = createTestClient({ chain, mode: "anvil", transport: http(anvil.rpcUrl) });
    deployment = await deployProtocol({
      rpcUrl: anvil.rpcUrl,
      chainId: CHAIN_ID,
      env: { LOCAL_NETWORK: "true" },
    });
    const { contracts } = deployment;

    // A generated model and one adapter, served by the inference node's own CLI.
    const modelDir = join(dir, "model");
    const adaptersDir = join(dir, "adapters");
    await runScript("inference-node/src/cli/generateModel.ts", [
      "--model-dir",
      modelDir,
      "--adapters-dir",
      adaptersDir,
      "--adapters",
      "2",
      "--layers",
      "2",
      "--hidden",
      "128",
      "--intermediate",
      "256",
    ]);
    const registry = JSON.parse(await readFile(join(adaptersDir, "registry.json"), "utf8")) as {
      adapters: Record<string, { sha256: string }>;
    };
    const adapterHash = `0x${registry.adapters["demo-0"]?.sha256}` as Hex;
    const inferencePort = await freePort();
    inferenceUrl = `http://127.0.0.1:${inferencePort}`;
    inference = startService("inference-node", "inference-node/src/cli/start.ts", [
      "--model-dir",
      modelDir,
      "--adapters-dir",
      adaptersDir,
      "--port",
      String(inferencePort),
      "--log-level",
      "warn",
    ]);
    const gatewayPort = await freePort();
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    gateway = startService("gateway", "keepers/src/gateway/cli.ts", [
      "--rpc-url",
      anvil.rpcUrl,
      "--data-dir",
      join(dir, "gateway"),
      "--port",
      String(gatewayPort),
      "--sync-interval-ms",
      "500",
      "--log-level",
      "warn",
    ]);
    await waitForHttp(inference, `${inferenceUrl}/health`);
    await waitForHttp(gateway, `${gatewayUrl}/health`);

    // Accounts, keepers, a datanet with accepted contributions readable by the keepers.
    const deployer = wallet(anvilPrivateKeys[0]);
    const minStake = await publicClient.readContract({
      address: contracts.KeeperRegistry,
      abi: keeperRegistryAbi,
      functionName: "minStake",
    });
    for (const key of [...Object.values(keys).flat()] as Hex[]) {
      const hash = await deployer.writeContract({
        address: contracts.OpenToken,
        abi: openTokenAbi,
        functionName: "transfer",
        args: [privateKeyToAccount(key).address, parseEther("1000") + minStake],
      });
      await publicClient.waitForTransactionReceipt({ hash });
    }
    for (const key of keys.keepers) {
      await stakeKeeper(wallet(key), { contracts, amount: minStake });
      keepers.push({
        key,
        address: privateKeyToAccount(key).address,
        port: await freePort(),
        url: "",
        stateDir: join(dir, `keeper-${keepers.length}`),
      });
    }
    for (const k of keepers) k.url = `http://127.0.0.1:${k.port}`;

    const owner = wallet(keys.datanetOwner);
    ({ datanetId } = await createDatanet(owner, {
      contracts,
      metadataURI: "data:application/json,{}",
      contributionBond: parseEther("1"),
      accessFee: parseEther("5"),
      reviewTimeout: 86_400n,
      curators: [privateKeyToAccount(keys.curator).address],
    }));
    for (const [i, text] of texts.entries()) {
      const hash = await upload(text, "datanet");
      const { contributionId } = await contribute(wallet(i === 1 ? keys.contributorB : keys.contributorA), {
        contracts,
        datanetId,
        contentHash: hash,
        uri: `blob:${hash}`,
      });
      await acceptContribution(wallet(keys.curator), { contracts, contributionId });
      passages.push({ contributionId, text, uri: `blob:${hash}` });
    }
    for (const key of [...keys.keepers, keys.developer]) {
      await requestAccess(wallet(key), { contracts, datanetId });
      await approveAccess(owner, { contracts, datanetId, account: privateKeyToAccount(key).address });
    }
    ({ modelId } = await registerModel(wallet(keys.developer), {
      contracts,
      baseModelId: "llama-small",
      adapterHash,
      adapterURI: `blob:${adapterHash}`,
      manifestRoot: createTrainingManifest(
        passages.map((p) => ({ contributionId: p.contributionId, contentHash: contentHash(p.text) })),
      ).root,
      datanetIds: [datanetId],
      pricePerRequest: parseEther("2"),
      metadataURI: "data:application/json,{}",
    }));

    for (const [i] of keepers.entries()) startKeeper(i);
    for (const k of keepers) await waitForHttp(k.service as Service, `${k.url}/health`);
  }, 240_000);

  afterAll(async () => {
    for (const k of keepers) await k.service?.stop();
    // KEEPER_E2E_LOGS=<dir> keeps every process's output for debugging.
    const logs = process.env.KEEPER_E2E_LOGS;
    if (logs) {
      await mkdir(logs, { recursive: true });
      for (const s of [gateway, inference, ...keepers.map((k) => k.service)]) {
        if (s) await writeFile(join(logs, `${s.name}.log`), s.output());
      }
    }
    await gateway?.stop();
    await inference?.stop();
    await anvil?.stop();
    await removeDeployment(CHAIN_ID);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answers a paid request, reports it with a quorum and pays the contributor whose text the answer reproduces", async () => {
    const { contracts } = deployment;
    const question = "Where is ATP produced?";
    // What the keepers will ask the model: the RAG prompt over the accepted contributions.
    const before = fitPrompt(question, new Bm25Index(passages).retrieve(question, answerRecipe.ragTopK));
    const completion = await fetch(`${inferenceUrl}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "demo-0",
        prompt: before.prompt,
        max_tokens: answerRecipe.maxOutputTokens,
        temperature: answerRecipe.temperature,
        seed: answerRecipe.seed,
      }),
    });
    const answer = ((await completion.json()) as { choices: { text: string }[] }).choices[0]?.text as string;
    expect(tokenize(answer).length).toBeGreaterThanOrEqual(8);
    // A contribution the answer reproduces verbatim (as memorised training data would be). Its
    // bytes differ from the answer's: datanet content is never served publicly, outputs are.
    const reproducedText = `Field notes: ${answer} (end of notes)`;
    const hash = await upload(reproducedText, "datanet");
    const { contributionId: reproducedId } = await contribute(wallet(keys.contributorB), {
      contracts,
      datanetId,
      contentHash: hash,
      uri: `blob:${hash}`,
    });
    await acceptContribution(wallet(keys.curator), { contracts, contributionId: reproducedId });
    const reproducedPassage = { contributionId: reproducedId, text: reproducedText, uri: `blob:${hash}` };
    extra.push(reproducedPassage);
    const all = [...passages, reproducedPassage];
    const bm25 = new Bm25Index(all);
    const after = fitPrompt(question, bm25.retrieve(question, answerRecipe.ragTopK));
    expect(after.prompt).toBe(before.prompt);

    const requestId = await ask(question);
    await until("the report", async () => (await status(requestId)) === 2, 40_000);

    const request = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "getRequest",
      args: [requestId],
    });
    const recorded = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "reportAttributions",
      args: [requestId],
    });
    const builder = new SpanIndexBuilder();
    for (const p of all) builder.add(p.contributionId, p.text);
    const expected = computeAttribution({
      output: answer,
      spanIndex: builder.build(),
      rag: { index: bm25, passages: after.used },
      options: { maxAttributions: 32 },
    });
    expect(recorded.map((a) => [a.contributionId, a.weightBps])).toEqual(
      expected.attributions.map((a) => [a.contributionId, a.weightBps]),
    );
    const reproduced = recorded.find((a) => a.contributionId === reproducedId);
    expect(reproduced?.weightBps).toBeGreaterThan(0);
    expect(reproduced?.payee).toBe(privateKeyToAccount(keys.contributorB).address);
    const signers = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "reportSigners",
      args: [requestId],
    });
    expect(signers.length).toBeGreaterThanOrEqual(2);
    expect(signers).toContain(request.executor);

    // Settlement: after the challenge window a keeper finalizes; the vault is credited exactly.
    const parameters = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "parameters",
    });
    const treasury = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "treasury",
    });
    const developer = privateKeyToAccount(keys.developer).address;
    const datanetOwner = privateKeyToAccount(keys.datanetOwner).address;
    const parties = [request.executor, developer, datanetOwner, treasury, ...recorded.map((a) => a.payee)];
    const before2 = new Map<string, bigint>();
    for (const p of parties) before2.set(p, await vaultBalance(p));
    await advance(Number(parameters.challengeWindow) + 1);
    await until("finalization", async () => (await status(requestId)) === 3, 60_000);

    const fee = request.fee;
    const executorAmount = (fee * BigInt(parameters.executorFeeBps)) / 10_000n;
    const modelAmount = (fee * BigInt(parameters.modelFeeBps)) / 10_000n;
    const dataBps =
      10_000n - BigInt(parameters.protocolFeeBps + parameters.executorFeeBps + parameters.modelFeeBps);
    const data = (fee * dataBps) / 10_000n;
    const expectedCredit = new Map<string, bigint>();
    const credit = (account: string, amount: bigint) =>
      expectedCredit.set(account, (expectedCredit.get(account) ?? 0n) + amount);
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
    for (const p of new Set(parties)) {
      expect(await vaultBalance(p)).toBe((before2.get(p) ?? 0n) + (expectedCredit.get(p) ?? 0n));
    }
    expect(
      (await vaultBalance(privateKeyToAccount(keys.contributorB).address)) -
        (before2.get(privateKeyToAccount(keys.contributorB).address) ?? 0n),
    ).toBeGreaterThanOrEqual((data * BigInt(reproduced?.weightBps ?? 0)) / 10_000n);
  }, 180_000);

  it("completes a request whose scheduled executor was killed, and the restarted keeper catches up without resubmitting", async () => {
    const { contracts } = deployment;
    const nextId = (await requestCount()) + 1n;
    const victim = await firstExecutorOfNextRequest();
    await victim.service?.kill();
    const nonceBefore = await publicClient.getTransactionCount({ address: victim.address });

    const requestId = await ask("What does the Calvin cycle produce?");
    expect(requestId).toBe(nextId);
    // Nobody answers while the primary is down; the next keeper takes over one round later.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await status(requestId)).toBe(1);
    await advance(FALLBACK_SECONDS + 1);
    await until("the fallback report", async () => (await status(requestId)) === 2, 90_000);
    const request = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "getRequest",
      args: [requestId],
    });
    expect(request.executor).not.toBe(victim.address);

    const restarted = startKeeper(keepers.indexOf(victim));
    await waitForHttp(restarted, `${victim.url}/health`);
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
    expect(await publicClient.getTransactionCount({ address: victim.address })).toBe(nonceBefore);
  }, 180_000);

  it("resumes a signed report after a crash and submits it exactly once", async () => {
    const { contracts } = deployment;
    const nextId = (await requestCount()) + 1n;
    const victim = await firstExecutorOfNextRequest();
    const peers = keepers.filter((k) => k !== victim);
    // With its peers down the executor can sign but not reach a quorum; then it crashes.
    for (const p of peers) await p.service?.stop();
    const requestId = await ask("How is carbon dioxide fixed into sugars?");
    expect(requestId).toBe(nextId);
    const signed = await until(
      "the executor to sign",
      async () => {
        const response = await fetch(`${victim.url}/requests/${requestId}`);
        if (!response.ok) return undefined;
        const body = (await response.json()) as { phase: string; signed?: { digest: Hex } };
        return body.signed;
      },
      30_000,
    );
    await victim.service?.kill();
    const onDisk = JSON.parse(await readFile(join(victim.stateDir, "state.json"), "utf8"));
    expect(onDisk.requests[String(requestId)].signed.digest).toBe(signed.digest);
    expect(await status(requestId)).toBe(1);
    // viem caches the block number for its polling interval; these reads must be fresh.
    const fromBlock = await publicClient.getBlockNumber({ cacheTime: 0 });

    for (const k of [victim, ...peers]) startKeeper(keepers.indexOf(k));
    for (const k of keepers) await waitForHttp(k.service as Service, `${k.url}/health`);
    await until("the resumed report", async () => (await status(requestId)) === 2, 60_000);
    const request = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "getRequest",
      args: [requestId],
    });
    expect(request.reportDigest).toBe(signed.digest);
    expect(request.executor).toBe(victim.address);
    // Exactly one submitReport for this request was ever sent, by the resumed keeper.
    await new Promise((r) => setTimeout(r, 1000));
    const submissions: { from: Address; requestId: bigint }[] = [];
    const toBlock = await publicClient.getBlockNumber({ cacheTime: 0 });
    for (let n = fromBlock; n <= toBlock; n++) {
      const block = await publicClient.getBlock({ blockNumber: n, includeTransactions: true });
      for (const tx of block.transactions) {
        if (tx.to?.toLowerCase() !== contracts.InferenceMarket.toLowerCase()) continue;
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
  }, 180_000);

  it("challenges a forged equivocation: a keeper key signing a conflicting report is slashed", async () => {
    const { contracts } = deployment;
    const requestId = await requestCount();
    expect(await status(requestId)).toBe(2);
    const [submitted] = await publicClient.getContractEvents({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      eventName: "ReportSubmitted",
      args: { requestId },
      fromBlock: 0n,
    });
    const accepted = submitted?.args.report as AttributionReport;
    const signers = submitted?.args.signers as readonly Address[];
    const culprit = keepers.find((k) => k.address === signers[0]) as (typeof keepers)[number];
    const witness = keepers.find((k) => !signers.includes(k.address)) ?? keepers.find((k) => k !== culprit);
    const conflicting: AttributionReport = {
      ...accepted,
      executor: culprit.address,
      attributions: [{ contributionId: passages[0]?.contributionId as bigint, weightBps: 10_000 }],
    };
    const forged = await signAttributionReport(privateKeyToAccount(culprit.key), {
      chainId: CHAIN_ID,
      market: contracts.InferenceMarket,
      report: conflicting,
    });
    const stakeBefore = await publicClient.readContract({
      address: contracts.KeeperRegistry,
      abi: keeperRegistryAbi,
      functionName: "stakeOf",
      args: [culprit.address],
    });
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
        const logs = await publicClient.getContractEvents({
          address: contracts.InferenceMarket,
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
    const stakeAfter = await publicClient.readContract({
      address: contracts.KeeperRegistry,
      abi: keeperRegistryAbi,
      functionName: "stakeOf",
      args: [culprit.address],
    });
    expect(stakeAfter).toBeLessThan(stakeBefore);
  }, 120_000);
  it("indexes spans over the training manifest named in the model's metadata, retrieval over the datanets", async () => {
    const { contracts } = deployment;
    const question = "Which molecule stores light energy?";
    const accepted = await acceptedPassages();
    const prompt = fitPrompt(question, new Bm25Index(accepted).retrieve(question, answerRecipe.ragTopK));
    const answer = await complete("demo-1", prompt.prompt);
    expect(tokenize(answer).length).toBeGreaterThanOrEqual(8);
    // Two contributions hold the answer; only the first is in the second model's training manifest.
    const trained = await addContribution(`Lab notes: ${answer} (first copy)`);
    const untrained = await addContribution(`Copied: ${answer} (second copy)`);
    const all = [...accepted, trained, untrained];
    const bm25 = new Bm25Index(all);
    const after = fitPrompt(question, bm25.retrieve(question, answerRecipe.ragTopK));
    expect(after.prompt).toBe(prompt.prompt);

    const manifest = createTrainingManifest(
      [...passages, trained].map((p) => ({
        contributionId: p.contributionId,
        contentHash: contentHash(p.text),
      })),
    );
    const manifestHash = await upload(JSON.stringify(manifest.toJSON()), "public");
    const registry = JSON.parse(await readFile(join(dir, "adapters", "registry.json"), "utf8")) as {
      adapters: Record<string, { sha256: string }>;
    };
    const { modelId: trainedModel } = await registerModel(wallet(keys.developer), {
      contracts,
      baseModelId: "llama-small",
      adapterHash: `0x${registry.adapters["demo-1"]?.sha256}`,
      adapterURI: "blob:demo-1",
      manifestRoot: manifest.root,
      datanetIds: [datanetId],
      pricePerRequest: parseEther("2"),
      metadataURI: `data:application/json,${encodeURIComponent(JSON.stringify({ trainingManifest: `blob:${manifestHash}` }))}`,
    });
    const requestId = await ask(question, trainedModel);
    await until("the report", async () => (await status(requestId)) === 2, 40_000);
    const recorded = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "reportAttributions",
      args: [requestId],
    });
    const builder = new SpanIndexBuilder();
    for (const p of [...passages, trained]) builder.add(p.contributionId, p.text);
    const expected = computeAttribution({
      output: answer,
      spanIndex: builder.build(),
      rag: { index: bm25, passages: after.used },
      options: { maxAttributions: 32 },
    });
    expect(recorded.map((a) => [a.contributionId, a.weightBps])).toEqual(
      expected.attributions.map((a) => [a.contributionId, a.weightBps]),
    );
    expect(recorded.find((a) => a.contributionId === trained.contributionId)?.weightBps).toBeGreaterThan(0);
    expect(recorded.find((a) => a.contributionId === untrained.contributionId)).toBeUndefined();
  }, 120_000);
});
