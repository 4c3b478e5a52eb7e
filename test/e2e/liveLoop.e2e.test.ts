/**
 * The protocol's promise on the network `npm start` runs (startLocalNetwork, on free ports and
 * its own chain id): a model fine-tuned on its datanet answers from the data, the keepers
 * attribute the answer to the contributions it quotes, and the contributors are paid what the
 * contracts define.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEMO_BASE_MODEL,
  demoFacts,
  demoKeys,
  demoQuestions,
  FactoryClient,
  factContent,
  fundAccount,
  type LocalNetwork,
  startLocalNetwork,
  uploadBlob,
} from "@payable-ai/devnet";
import {
  acceptContribution,
  approveAccess,
  claimRewards,
  contribute,
  createDatanet,
  explainRequest,
  getKeeperRequest,
  inferenceMarketAbi,
  openTokenAbi,
  registerComposite,
  registerModel,
  requestAccess,
} from "@payable-ai/sdk";
import { removeDeployment } from "@payable-ai/sdk/testing";
import { type Hex, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { networkActions } from "./network.js";

const CHAIN_ID = 31_441;

/** New facts a new contributor brings; the answers are long enough for span attribution (8 words). */
const newFacts = [
  {
    question: "What is the tallest tree species?",
    answer: "The coast redwood is the tallest tree species, growing past one hundred metres.",
  },
  {
    question: "How do octopuses change colour?",
    answer: "Octopuses change colour with chromatophores, small skin sacs of pigment they squeeze open.",
  },
  {
    question: "Why do cats purr?",
    answer: "Cats purr by vibrating the muscles of the larynx while they breathe in and out.",
  },
];

describe("live loop on the npm start network", () => {
  let network: LocalNetwork;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "live-loop-"));
    network = await startLocalNetwork({ chainId: CHAIN_ID, dataDir, demo: "live" });
  }, 15 * 60_000);

  afterAll(async () => {
    await network?.stop();
    await removeDeployment(CHAIN_ID);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const contracts = () => network.deployment.contracts;
  const {
    waitForStatus,
    ask,
    recordedAttributions,
    outputOf: output,
    vaultBalance,
  } = networkActions(() => network);
  const attributions = async (requestId: bigint) =>
    (await recordedAttributions(requestId)).map((r) => ({
      contributionId: r.contributionId,
      weightBps: Number(r.weightBps),
    }));

  /** A contributor's share of a fee for `weightBps`, exactly as InferenceMarket._split computes it. */
  async function contributorShare(fee: bigint, weightBps: number): Promise<bigint> {
    const p = await network.clients.publicClient.readContract({
      address: contracts().InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "parameters",
    });
    const dataBps = 10_000n - BigInt(p.protocolFeeBps) - BigInt(p.executorFeeBps) - BigInt(p.modelFeeBps);
    const dataShare = (fee * dataBps) / 10_000n;
    return (dataShare * BigInt(weightBps)) / 10_000n;
  }

  it("answers the demo questions from the datanet and credits the contributions they quote", async () => {
    expect(network.demoModel).toBeDefined();
    expect(network.demoRequestIds).toHaveLength(demoQuestions.length);
    const [ownFact, otherFact, sharedFact, outside] = network.demoRequestIds as [
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    for (const id of network.demoRequestIds) await waitForStatus(id, "finalized");
    const ids = network.demo?.contributionIds ?? [];
    const factIndex = (question: string) => demoFacts.findIndex((f) => f.question === question);

    // One contributor's fact: the answer is the fact, credited in full to its contribution.
    expect(await output(ownFact)).toBe(demoFacts[0]?.answer);
    expect(await attributions(ownFact)).toEqual([{ contributionId: ids[0], weightBps: 10_000 }]);
    expect(await output(otherFact)).toBe(demoFacts[2]?.answer);
    expect(await attributions(otherFact)).toEqual([{ contributionId: ids[2], weightBps: 10_000 }]);

    // The same answer given by both contributors: the data share is split between them.
    const shared = demoFacts
      .map((f, i) => ({ f, id: ids[i] }))
      .filter(({ f }) => f.answer === demoFacts[factIndex(demoQuestions[2] as string)]?.answer);
    expect(shared).toHaveLength(2);
    expect(await output(sharedFact)).toBe(shared[0]?.f.answer);
    expect(await attributions(sharedFact)).toEqual(
      shared.map(({ id }) => ({ contributionId: id, weightBps: 5_000 })),
    );

    // A question the datanet does not answer: whatever the model says shares no 8-word span
    // with any contribution, so nobody is credited.
    const answer = await output(outside);
    for (const fact of demoFacts) expect(answer).not.toContain(fact.answer);
    expect(await attributions(outside)).toEqual([]);

    // Who gets paid, in one call: the SDK's explainRequest and the indexer's /requests/:id agree
    // with the chain on the answer, the contributions and payees, the spans and the split.
    const contributorOf = (i: number) =>
      privateKeyToAccount(demoKeys.contributors[demoFacts[i]?.contributor ?? 0]).address;
    const explained = await explainRequest(network.clients.publicClient, {
      contracts: contracts(),
      requestId: sharedFact,
      gatewayUrl: network.gatewayUrl,
      keeperUrl: network.keeperUrls[0],
    });
    expect(explained.input).toBe(demoQuestions[2]);
    expect(explained.output).toBe(shared[0]?.f.answer);
    const sharedShare = await contributorShare(explained.fee, 5_000);
    expect(explained.split?.contributors).toEqual(
      shared.map(({ f, id }) => ({
        contributionId: id,
        payee: contributorOf(demoFacts.indexOf(f)),
        weightBps: 5_000,
        amount: sharedShare,
      })),
    );
    expect(explained.split?.settlement).toBe("credited");
    const spans = explained.attribution?.spans ?? [];
    expect(spans.length).toBeGreaterThan(0);
    for (const span of spans) {
      expect(explained.output?.slice(span.charStart, span.charEnd)).toBe(span.text);
      expect(span.contributionIds.map(BigInt).sort()).toEqual(shared.map(({ id }) => id));
    }
    expect(explained.attribution?.passages.length).toBeGreaterThan(0);

    await network.waitForIndexer();
    const indexed = (await (await fetch(`${network.indexerUrl}/requests/${sharedFact}`)).json()) as {
      output: string | null;
      spans: { text: string }[] | null;
      split: { contributors: { contributionId: string; payee: string; amount: { wei: string } }[] } | null;
    };
    expect(indexed.output).toBe(explained.output);
    expect(indexed.spans?.map((x) => x.text)).toEqual(spans.map((x) => x.text));
    expect(
      indexed.split?.contributors.map((c) => [
        BigInt(c.contributionId),
        c.payee.toLowerCase(),
        BigInt(c.amount.wei),
      ]),
    ).toEqual(explained.split?.contributors.map((c) => [c.contributionId, c.payee.toLowerCase(), c.amount]));

    // The contributors, not the datanet owner, lead the indexer's leaderboard.
    const board = (await (await fetch(`${network.indexerUrl}/leaderboard/contributors`)).json()) as {
      contributors: { address: string; earnedData: string }[];
    };
    const contributors = demoKeys.contributors.map((k) => privateKeyToAccount(k).address.toLowerCase());
    expect(
      board.contributors
        .slice(0, 2)
        .map((c) => c.address)
        .sort(),
    ).toEqual([...contributors].sort());
  });

  it("runs the whole loop for a new contributor: contribute, curate, grant, fine-tune, register, ask, pay, claim", async () => {
    const { clients } = network;
    const { publicClient, wallet } = clients;
    // A new contributor with OPEN for the bonds.
    const contributorKey = generatePrivateKey();
    const contributor = wallet(contributorKey);
    await fundAccount(clients, network.deployment, contributor.account.address);

    // The datanet owner opens a datanet; the contributor uploads through the gateway and
    // contributes on-chain; the curator accepts.
    const owner = wallet(demoKeys.datanetOwner);
    const { datanetId } = await createDatanet(owner, {
      contracts: contracts(),
      metadataURI: 'data:application/json,{"name":"Nature facts"}',
      contributionBond: parseEther("1"),
      accessFee: parseEther("5"),
      reviewTimeout: 86_400n,
      curators: [privateKeyToAccount(demoKeys.curator).address],
    });
    const contributionIds: bigint[] = [];
    for (const fact of newFacts) {
      const content = factContent({ contributor: 0, ...fact });
      const hash = await uploadBlob(network.gatewayUrl, content, "datanet");
      const { contributionId } = await contribute(contributor, {
        contracts: contracts(),
        datanetId,
        contentHash: hash,
        uri: `blob:${hash}`,
      });
      await acceptContribution(wallet(demoKeys.curator), { contracts: contracts(), contributionId });
      contributionIds.push(contributionId);
    }

    // The developer asks for access and the owner approves it.
    const developer = wallet(demoKeys.developer);
    await requestAccess(developer, { contracts: contracts(), datanetId });
    await approveAccess(owner, { contracts: contracts(), datanetId, account: developer.account.address });

    // The Model Factory fine-tunes on the accepted contributions through its API.
    const factory = new FactoryClient(network.factoryUrl);
    const created = await factory.fineTune({
      account: developer.account,
      chainId: CHAIN_ID,
      datanetRegistry: contracts().DatanetRegistry,
      datanetId,
      contributionIds,
      baseModel: DEMO_BASE_MODEL,
      name: "Nature tutor",
      preset: "memorize",
    });
    const job = await factory.waitForJob(created.id, () => {}, 10 * 60_000);
    expect(job.status, job.error ?? "").toBe("completed");
    const trained = job.output as NonNullable<typeof job.output>;
    expect(trained.manifestURI).toMatch(/^blob:0x[0-9a-f]{64}$/);

    // The developer registers it with the manifest the factory published.
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

    // A requester pays for a question; the keepers answer it with the new adapter.
    const user = wallet(demoKeys.user);
    const before = await vaultBalance(contributor.account.address);
    const quoted = await ask(newFacts[1]?.question as string, modelId);
    const unknown = await ask("What is the capital of Peru?", modelId);
    const settled = await waitForStatus(quoted, "finalized");
    await waitForStatus(unknown, "finalized");

    expect(await output(quoted)).toBe(newFacts[1]?.answer);
    const credited = await attributions(quoted);
    expect(credited).toEqual([{ contributionId: contributionIds[1], weightBps: 10_000 }]);
    const owed = await contributorShare(settled.fee, 10_000);
    expect(owed).toBeGreaterThan(0n);

    // Nobody is credited for spans that do not exist: every credited contribution shares an
    // 8-word run with the answer, and an answer that quotes none credits nobody.
    const unknownAnswer = await output(unknown);
    const unknownCredits = await attributions(unknown);
    for (const { contributionId } of unknownCredits) {
      const fact = newFacts[contributionIds.indexOf(contributionId)];
      expect(fact, `contribution ${contributionId} is not one of this model's`).toBeDefined();
      expect(sharesRun(unknownAnswer, fact?.answer ?? "", 8)).toBe(true);
    }
    if (!newFacts.some((f) => sharesRun(unknownAnswer, f.answer, 8))) expect(unknownCredits).toEqual([]);

    const after = await vaultBalance(contributor.account.address);
    const unknownShare = unknownCredits
      .filter((a) => contributionIds.includes(a.contributionId))
      .reduce(
        async (sum, a) => (await sum) + (await contributorShare(settled.fee, a.weightBps)),
        Promise.resolve(0n),
      );
    expect(after - before).toBe(owed + (await unknownShare));

    // A request the keepers cannot answer (they serve plain adapter models, not composites) is
    // declined by a quorum and refunded once the challenge window passes, not at the deadline;
    // the keeper, the SDK and the indexer say why.
    const { modelId: compositeId } = await registerComposite(developer, {
      contracts: contracts(),
      parts: [
        { modelId, weightBps: 5_000n },
        { modelId: network.demoModel?.modelId as bigint, weightBps: 5_000n },
      ],
      pricePerRequest: parseEther("4"),
      metadataURI: 'data:application/json,{"name":"Tutor ensemble"}',
    });
    const userBalance = async () =>
      publicClient.readContract({
        address: contracts().OpenToken,
        abi: openTokenAbi,
        functionName: "balanceOf",
        args: [user.account.address],
      });
    const declined = await ask("Why do cats purr?", compositeId, parseEther("4"));
    const paid = await userBalance();
    const refunded = await waitForStatus(declined, "refunded");
    expect(BigInt(Math.floor(Date.now() / 1000))).toBeLessThan(refunded.deadline);
    expect(await userBalance()).toBe(paid + refunded.fee);
    const why = await explainRequest(publicClient, {
      contracts: contracts(),
      requestId: declined,
      gatewayUrl: network.gatewayUrl,
    });
    expect(why.declined?.reason).toMatch(/composite/);
    expect(why.split).toBeUndefined();
    const keeperViews = await Promise.all(
      network.keeperUrls.map((url) => getKeeperRequest({ url, requestId: declined }).catch(() => undefined)),
    );
    expect(keeperViews.some((v) => /composite/.test(v?.unanswerable?.reason ?? ""))).toBe(true);
    await network.waitForIndexer();
    const indexedDecline = (await (await fetch(`${network.indexerUrl}/requests/${declined}`)).json()) as {
      request: { status: string };
      unanswerable: { reason: string } | null;
    };
    expect(indexedDecline.request.status).toBe("refunded");
    expect(indexedDecline.unanswerable?.reason).toMatch(/composite/);

    // The contributor claims it.
    const { amount } = await claimRewards(contributor, { contracts: contracts() });
    expect(amount).toBe(after);
    expect(await vaultBalance(contributor.account.address)).toBe(0n);
  }, 900_000);
});

/** Whether `a` and `b` share a run of `n` words (lower case, letters and digits), as span attribution counts them. */
function sharesRun(a: string, b: string, n: number): boolean {
  const words = (s: string) =>
    s
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  const runs = (w: string[]) =>
    new Set(w.slice(0, Math.max(0, w.length - n + 1)).map((_, i) => w.slice(i, i + n).join(" ")));
  const left = runs(words(a));
  for (const run of runs(words(b))) if (left.has(run)) return true;
  return false;
}
