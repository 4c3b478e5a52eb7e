import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, demoFacts, demoKeys, factContent, startDevnet } from "@payable-ai/devnet";
import {
  type AttributionReport,
  agentRegistryAbi,
  castVote,
  challengeReport,
  claimRewards,
  contentHash,
  createTrainingManifest,
  delegateVotes,
  executeProposal,
  finalizeRequests,
  getAccountEarnings,
  getContributorLeaderboard,
  getDatanetStats,
  getModelStats,
  getRequest,
  getScheduledExecutor,
  IndexerRequestError,
  inferenceMarketAbi,
  keeperRegistryAbi,
  openGovernorAbi,
  propose,
  queueProposal,
  refundRequest,
  registerAgent,
  registerModel,
  requestInference,
  requestInferenceWithPermit,
  rewardVaultAbi,
  signAttributionReport,
  submitReport,
} from "@payable-ai/sdk";
import { removeDeployment } from "@payable-ai/sdk/testing";
import { type Address, encodeFunctionData, getAddress, parseEther, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

// One protocol round trip through the SDK (datanet, contributions, review, access, model,
// paid request, quorum-signed report, finalize, claim), then every indexed row and amount is
// compared with the chain. The chain part of `npm start`'s composition (startDevnet: deploy,
// seedDemo, indexer) without its services: the events here are scripted, so every row has an
// exact expected value, and no keeper races the reports and challenges made below.
const chainId = 913_370 + Math.floor(Math.random() * 1000);
let devnet: Devnet;
let dataDir: string;
let round: Awaited<ReturnType<typeof scriptedRound>>;
let extra: Awaited<ReturnType<typeof moreFlows>>;

const passTime = async (network: Devnet, seconds: bigint) => {
  await network.clients.testClient.increaseTime({ seconds: Number(seconds) });
  await network.clients.testClient.mine({ blocks: 1 });
};

/**
 * On the seeded datanet: the developer registers a model trained on it, a requester pays for a
 * request that two keepers report (quorum-signed), it is finalized after the challenge window
 * and the second contributor claims; a second request is paid (with a permit) and left open.
 */
async function scriptedRound(network: Devnet) {
  const { contracts } = network.deployment;
  const { wallet, publicClient } = network.clients;
  const { datanetId, contributionIds } = seeded(network);
  const manifest = createTrainingManifest(
    contributionIds.map((contributionId, i) => ({
      contributionId,
      contentHash: contentHash(factContent(demoFacts[i] as (typeof demoFacts)[number])),
    })),
  );
  // Nothing runs the model here: the adapter hash only has to be registered.
  const adapterHash = contentHash("demo adapter weights");
  const { modelId } = await registerModel(wallet(demoKeys.developer), {
    contracts,
    baseModelId: "llama-demo",
    adapterHash,
    adapterURI: `blob:${adapterHash}`,
    manifestRoot: manifest.root,
    datanetIds: [datanetId],
    pricePerRequest: parseEther("2"),
    metadataURI: 'data:application/json,{"name":"Biology tutor"}',
  });

  const user = wallet(demoKeys.user);
  const question = demoFacts[0]?.question as string;
  const { requestId: settledRequestId } = await requestInference(user, {
    contracts,
    modelId,
    inputHash: contentHash(question),
    inputURI: `blob:${contentHash(question)}`,
    maxFee: parseEther("2"),
  });
  const output = demoFacts[0]?.answer as string;
  // The market names the executor; the report answers the request's current round.
  const { executor } = await getScheduledExecutor(publicClient, { contracts, requestId: settledRequestId });
  const report: AttributionReport = {
    requestId: settledRequestId,
    round: 0,
    modelId,
    outputHash: contentHash(output),
    outputURI: `blob:${contentHash(output)}`,
    executor,
    attributionVersion: 1,
    attributions: [
      // Ascending contribution ids, one of each contributor, part of the data share unattributed.
      { contributionId: contributionIds[0] as bigint, weightBps: 2500 },
      { contributionId: contributionIds[2] as bigint, weightBps: 6000 },
    ],
  };
  const signatures = await Promise.all(
    // Every demo keeper signs: the signers must number `quorum` and hold two thirds of the bonded stake.
    demoKeys.keepers.map((k) =>
      signAttributionReport(privateKeyToAccount(k), {
        chainId: network.chainId,
        market: contracts.InferenceMarket,
        report,
      }),
    ),
  );
  const { digest: reportDigest, challengeEndsAt } = await submitReport(wallet(demoKeys.keepers[0]), {
    contracts,
    report,
    signatures,
  });
  await passTime(network, challengeEndsAt - (await publicClient.getBlock()).timestamp + 1n);
  await finalizeRequests(user, { contracts, requestIds: [settledRequestId] });
  const contributor = wallet(demoKeys.contributors[1]);
  const { amount } = await claimRewards(contributor, { contracts });

  const open = demoFacts[2]?.question as string;
  const { requestId: openRequestId } = await requestInferenceWithPermit(user, {
    contracts,
    modelId,
    inputHash: contentHash(open),
    inputURI: `blob:${contentHash(open)}`,
    maxFee: parseEther("2"),
  });
  return {
    modelId,
    settledRequestId,
    openRequestId,
    reportDigest,
    executor,
    claimed: { account: contributor.account.address, amount },
  };
}

/**
 * After the round trip: an agent, an equivocation proved by a challenge (two keepers slashed),
 * a refund of the open request, and a governance proposal carried out.
 */
async function moreFlows(network: Devnet) {
  const { contracts } = network.deployment;
  const { wallet, publicClient } = network.clients;
  const demo = { ...seeded(network), ...round };
  const user = wallet(demoKeys.user);

  const { agentId } = await registerAgent(user, {
    contracts,
    modelIds: [demo.modelId],
    metadataURI: "ipfs://agent",
    stake: parseEther("20"),
  });

  // Keepers 8 and 9 sign two different reports for one request.
  const { requestId: challengedRequestId } = await requestInference(user, {
    contracts,
    modelId: demo.modelId,
    inputHash: contentHash("challenged"),
    inputURI: "blob:challenged",
    maxFee: parseEther("2"),
  });
  // The scheduled executor and one more keeper hold two thirds of the stake together.
  const scheduled = (await getScheduledExecutor(publicClient, { contracts, requestId: challengedRequestId }))
    .executor;
  const keeperAccounts = demoKeys.keepers.map((k) => privateKeyToAccount(k));
  const equivocators = [
    keeperAccounts.find((a) => a.address === scheduled),
    keeperAccounts.find((a) => a.address !== scheduled),
  ].filter((a) => a !== undefined);
  const report = (weightBps: number): AttributionReport => ({
    requestId: challengedRequestId,
    round: 0,
    modelId: demo.modelId,
    outputHash: contentHash(`answer ${weightBps}`),
    outputURI: "blob:answer",
    executor: equivocators[0]?.address ?? zeroAddress,
    attributionVersion: 1,
    attributions: [{ contributionId: demo.contributionIds[0] ?? 0n, weightBps }],
  });
  const sign = (r: AttributionReport) =>
    Promise.all(
      equivocators.map((a) =>
        signAttributionReport(a, { chainId: network.chainId, market: contracts.InferenceMarket, report: r }),
      ),
    );
  const accepted = report(9000);
  const { digest: voidedDigest } = await submitReport(wallet(demoKeys.keepers[1]), {
    contracts,
    report: accepted,
    signatures: await sign(accepted),
  });
  const conflicting = report(1000);
  const { slashedKeepers } = await challengeReport(user, {
    contracts,
    conflictingReport: conflicting,
    signatures: await sign(conflicting),
  });

  // The open request expires unreported and is refunded.
  const open = await getRequest(publicClient, { contracts, requestId: demo.openRequestId });
  await passTime(network, open.deadline - (await publicClient.getBlock()).timestamp + 1n);
  await refundRequest(user, { contracts, requestId: demo.openRequestId });

  // The model developer, who earned votes, changes the challenge window through governance.
  const developer = wallet(demoKeys.developer);
  await delegateVotes(developer, { contracts, delegatee: developer.account.address });
  await passTime(network, 2n);
  const calls = {
    targets: [contracts.InferenceMarket],
    values: [0n],
    calldatas: [
      encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setChallengeWindow", args: [45n] }),
    ],
    description: "Challenge window 45 s",
  };
  const { proposalId, voteStart, voteEnd } = await propose(developer, { contracts, ...calls });
  await passTime(network, voteStart - (await publicClient.getBlock()).timestamp + 1n);
  await castVote(developer, { contracts, proposalId, support: "for", reason: "faster settlement" });
  await passTime(network, voteEnd - (await publicClient.getBlock()).timestamp + 1n);
  await queueProposal(developer, { contracts, ...calls });
  await passTime(network, 61n);
  await executeProposal(developer, { contracts, ...calls });

  return { agentId, challengedRequestId, voidedDigest, slashedKeepers, proposalId };
}

async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(devnet.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data as T;
}

const lower = (address: string) => address.toLowerCase();

function seeded(network: Devnet = devnet) {
  if (!network.demo) throw new Error("the devnet was started without demo data");
  return network.demo;
}

/** The seeded datanet and keepers with the scripted round's model and requests. */
function demoRound() {
  return { ...seeded(), ...round };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "payable-e2e-"));
  devnet = await startDevnet({ chainId, dataDir, seed: true });
  round = await scriptedRound(devnet);
  extra = await moreFlows(devnet);
  await devnet.waitForIndexer();
});

afterAll(async () => {
  await devnet?.stop();
  await removeDeployment(chainId);
  await rm(dataDir, { recursive: true, force: true });
});

describe("protocol round trip, indexed", () => {
  test("the datanet, its contributions and the access grant", async () => {
    const demo = seeded();
    const data = await graphql<{
      datanet: {
        owner: string;
        contributionCount: number;
        acceptedCount: number;
        accessGrantCount: number;
        accessRevenue: string;
      };
      contributions: { items: { id: string; status: string; contributor: string }[] };
      accessGrants: { items: { status: string; fee: string }[] };
    }>(
      `query ($id: BigInt!) {
        datanet(id: $id) { owner contributionCount acceptedCount accessGrantCount accessRevenue }
        contributions(where: { datanetId: $id }, orderBy: "id") { items { id status contributor } }
        accessGrants(where: { datanetId: $id }) { items { status fee } }
      }`,
      { id: demo.datanetId.toString() },
    );
    expect(data.datanet.contributionCount).toBe(demo.contributionIds.length);
    expect(data.datanet.acceptedCount).toBe(demo.contributionIds.length);
    expect(data.contributions.items.map((c) => BigInt(c.id))).toEqual(demo.contributionIds);
    expect(data.contributions.items.every((c) => c.status === "accepted")).toBe(true);
    expect(data.accessGrants.items).toEqual([{ status: "granted", fee: data.datanet.accessRevenue }]);
    expect(data.datanet.accessGrantCount).toBe(1);
  });

  test("requests, the report and the fee split match the chain's events", async () => {
    const demo = demoRound();
    const { publicClient } = devnet.clients;
    const { InferenceMarket: market } = devnet.deployment.contracts;
    const [finalized] = await publicClient.getContractEvents({
      address: market,
      abi: inferenceMarketAbi,
      eventName: "RequestFinalized",
      fromBlock: 0n,
      strict: true,
    });
    const paid = await publicClient.getContractEvents({
      address: market,
      abi: inferenceMarketAbi,
      eventName: "AttributionPaid",
      fromBlock: 0n,
      strict: true,
    });
    expect(finalized).toBeDefined();
    const data = await graphql<{
      settled: Record<string, string | null>;
      open: { status: string; fee: string };
      report: { signers: string[]; status: string; executor: string };
      attributions: { items: { contributionId: string; weightBps: number; amount: string; payee: string }[] };
      model: { requestCount: number; finalizedCount: number; feeVolume: string };
    }>(
      `query ($settled: BigInt!, $open: BigInt!, $digest: String!, $model: BigInt!) {
        settled: inferenceRequest(id: $settled) {
          status fee executor treasuryAmount executorAmount modelAmount attributedAmount unattributedAmount
        }
        open: inferenceRequest(id: $open) { status fee }
        report(digest: $digest) { signers status executor }
        attributions(where: { reportDigest: $digest }, orderBy: "contributionId") {
          items { contributionId weightBps amount payee }
        }
        model(id: $model) { requestCount finalizedCount feeVolume }
      }`,
      {
        settled: demo.settledRequestId.toString(),
        open: demo.openRequestId.toString(),
        digest: demo.reportDigest,
        model: demo.modelId.toString(),
      },
    );
    if (!finalized) throw new Error("no RequestFinalized event");
    const args = finalized.args;
    expect(data.settled).toEqual({
      status: "finalized",
      fee: args.fee.toString(),
      executor: lower(args.executor),
      treasuryAmount: args.treasuryAmount.toString(),
      executorAmount: args.executorAmount.toString(),
      modelAmount: args.modelAmount.toString(),
      attributedAmount: args.attributedAmount.toString(),
      unattributedAmount: args.unattributedAmount.toString(),
    });
    expect(data.open.status).toBe("refunded");
    expect(data.report.status).toBe("finalized");
    expect(data.report.executor).toBe(lower(demo.executor));
    const signers = await publicClient.readContract({
      address: market,
      abi: inferenceMarketAbi,
      functionName: "reportSigners",
      args: [demo.settledRequestId],
    });
    expect(data.report.signers).toEqual(signers.map(lower));
    expect(
      data.attributions.items.map((a) => ({
        id: BigInt(a.contributionId),
        amount: BigInt(a.amount),
        payee: a.payee,
      })),
    ).toEqual(
      paid
        .map((e) => ({ id: e.args.contributionId, amount: e.args.amount, payee: lower(e.args.payee) }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(data.model.requestCount).toBe(3);
    expect(data.model.finalizedCount).toBe(1);
    expect(BigInt(data.model.feeVolume)).toBe(args.fee);
  });

  test("every account's credited, claimed and claimable amounts equal the RewardVault's", async () => {
    const { publicClient } = devnet.clients;
    const { RewardVault: vault } = devnet.deployment.contracts;
    const data = await graphql<{
      accounts: { items: { address: Address; credited: string; claimed: string; earnedTotal: string }[] };
    }>(
      `{ accounts(where: { credited_gt: "0" }, limit: 100) { items { address credited claimed earnedTotal } } }`,
    );
    expect(data.accounts.items.length).toBeGreaterThanOrEqual(3);
    for (const row of data.accounts.items) {
      const account = getAddress(row.address);
      const read = (functionName: "totalCreditedTo" | "totalClaimedBy" | "balanceOf") =>
        publicClient.readContract({ address: vault, abi: rewardVaultAbi, functionName, args: [account] });
      const [credited, claimed, claimable] = await Promise.all([
        read("totalCreditedTo"),
        read("totalClaimedBy"),
        read("balanceOf"),
      ]);
      expect({ account, credited: BigInt(row.credited), claimed: BigInt(row.claimed) }).toEqual({
        account,
        credited,
        claimed,
      });
      expect(credited - claimed).toBe(claimable);
      // Every credit is attributed to a source (data, model, keeper or protocol).
      expect(BigInt(row.earnedTotal)).toBe(credited);
    }
    const claimer = round.claimed;
    const claimerRow = data.accounts.items.find((r) => r.address === lower(claimer.account));
    expect(BigInt(claimerRow?.claimed ?? -1)).toBe(claimer.amount);
  });

  test("keepers' stakes, signer-set membership and slashes equal the KeeperRegistry's", async () => {
    const { publicClient } = devnet.clients;
    const registry = devnet.deployment.contracts.KeeperRegistry;
    const data = await graphql<{
      keepers: {
        items: { address: Address; stake: string; status: string; active: boolean; slashedTotal: string }[];
      };
      slashs: { items: { keeper: string; amount: string; challenger: string; challengerReward: string }[] };
    }>(
      `{
        keepers { items { address stake status active slashedTotal } }
        slashs(orderBy: "keeper") { items { keeper amount challenger challengerReward } }
      }`,
    );
    expect(data.keepers.items.map((k) => k.address).sort()).toEqual(seeded().keepers.map(lower).sort());
    for (const keeper of data.keepers.items) {
      const account = getAddress(keeper.address);
      const [stake, active] = await Promise.all([
        publicClient.readContract({
          address: registry,
          abi: keeperRegistryAbi,
          functionName: "stakeOf",
          args: [account],
        }),
        publicClient.readContract({
          address: registry,
          abi: keeperRegistryAbi,
          functionName: "isActive",
          args: [account],
        }),
      ]);
      expect({ account, stake: BigInt(keeper.stake), active: keeper.active }).toEqual({
        account,
        stake,
        active,
      });
      expect(keeper.status).toBe("staked");
    }
    const slashed = await publicClient.getContractEvents({
      address: registry,
      abi: keeperRegistryAbi,
      eventName: "KeeperSlashed",
      fromBlock: 0n,
      strict: true,
    });
    expect(slashed.map((e) => lower(e.args.keeper)).sort()).toEqual(extra.slashedKeepers.map(lower).sort());
    expect(data.slashs.items).toEqual(
      slashed
        .map((e) => ({
          keeper: lower(e.args.keeper),
          amount: e.args.amount.toString(),
          challenger: lower(e.args.challenger),
          challengerReward: e.args.challengerReward.toString(),
        }))
        .sort((a, b) => (a.keeper < b.keeper ? -1 : 1)),
    );
  });

  test("the challenged report is voided, the request reopened; the agent, refund and proposal are indexed", async () => {
    const { publicClient } = devnet.clients;
    const { contracts } = devnet.deployment;
    const demo = demoRound();
    const data = await graphql<{
      voided: { status: string; challenger: string; requestId: string };
      challenged: { status: string; reportDigest: string | null };
      refunded: { status: string };
      agent: { owner: string; stake: string; status: string; modelIds: string[] };
      proposal: { executedAt: string | null; forVotes: string; proposer: string };
      votes: { items: { voter: string; support: number; weight: string; reason: string }[] };
      model: { requestCount: number; refundedCount: number };
    }>(
      `query ($digest: String!, $challenged: BigInt!, $refunded: BigInt!, $agent: BigInt!, $proposal: BigInt!, $model: BigInt!) {
        voided: report(digest: $digest) { status challenger requestId }
        challenged: inferenceRequest(id: $challenged) { status reportDigest }
        refunded: inferenceRequest(id: $refunded) { status }
        agent(id: $agent) { owner stake status modelIds }
        proposal(id: $proposal) { executedAt forVotes proposer }
        votes(where: { proposalId: $proposal }) { items { voter support weight reason } }
        model(id: $model) { requestCount refundedCount }
      }`,
      {
        digest: extra.voidedDigest,
        challenged: extra.challengedRequestId.toString(),
        refunded: demo.openRequestId.toString(),
        agent: extra.agentId.toString(),
        proposal: extra.proposalId.toString(),
        model: demo.modelId.toString(),
      },
    );
    expect(data.voided).toEqual({
      status: "voided",
      challenger: lower(privateKeyToAccount(demoKeys.user).address),
      requestId: extra.challengedRequestId.toString(),
    });
    expect(data.challenged).toEqual({ status: "open", reportDigest: null });
    expect(data.refunded.status).toBe("refunded");
    expect(data.model).toEqual({ requestCount: 3, refundedCount: 1 });

    const agent = await publicClient.readContract({
      address: contracts.AgentRegistry,
      abi: agentRegistryAbi,
      functionName: "getAgent",
      args: [extra.agentId],
    });
    expect(data.agent).toEqual({
      owner: lower(agent.owner),
      stake: agent.stake.toString(),
      status: "active",
      modelIds: agent.modelIds.map(String),
    });

    const [, forVotes] = await publicClient.readContract({
      address: contracts.OpenGovernor,
      abi: openGovernorAbi,
      functionName: "proposalVotes",
      args: [extra.proposalId],
    });
    expect(data.proposal.executedAt).not.toBeNull();
    // The governor's state, through the API (it reads time-dependent states from the chain).
    const proposal = (await (await fetch(`${devnet.indexerUrl}/proposals/${extra.proposalId}`)).json()) as {
      status: string;
    };
    expect(proposal.status).toBe("executed");
    expect(BigInt(data.proposal.forVotes)).toBe(forVotes);
    expect(data.votes.items).toEqual([
      { voter: data.proposal.proposer, support: 1, weight: forVotes.toString(), reason: "faster settlement" },
    ]);
  });

  test("the API through the SDK's indexer helpers: leaderboard, earnings by source, model and datanet stats", async () => {
    const demo = demoRound();
    const url = devnet.indexerUrl;
    const leaderboard = await getContributorLeaderboard({ url, limit: 10 });
    const earned = leaderboard.map((c) => c.earnedData);
    expect(earned.length).toBeGreaterThan(0);
    expect([...earned].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(earned);
    expect(leaderboard.map((c) => c.rank)).toEqual(leaderboard.map((_, i) => i + 1));

    const [top] = leaderboard;
    if (!top) throw new Error("empty leaderboard");
    const earnings = await getAccountEarnings({ url, account: top.address });
    expect(earnings.data).toBe(top.earnedData);
    expect(earnings.total).toBe(earnings.data + earnings.model + earnings.keeper + earnings.protocol);

    const claimer = await getAccountEarnings({ url, account: demo.claimed.account });
    expect(claimer.claimed).toBe(demo.claimed.amount);
    expect(claimer.unclaimed).toBe(claimer.credited - claimer.claimed);

    const executor = await getAccountEarnings({ url, account: demo.executor });
    expect(executor.keeper).toBeGreaterThan(0n);

    const model = await getModelStats({ url, modelId: demo.modelId });
    expect(model.requestCount).toBe(3);
    expect(model.finalizedCount).toBe(1);
    const datanet = await getDatanetStats({ url, datanetId: demo.datanetId });
    expect(datanet.dataRevenue).toBe(model.split.attributed + model.split.unattributed);
    expect(datanet.topContributors[0]?.payee).toBe(top.address);

    const status = (promise: Promise<unknown>) =>
      promise.then(
        () => 200,
        (error: unknown) => (error instanceof IndexerRequestError ? error.status : -1),
      );
    expect(await status(getAccountEarnings({ url, account: "0x1234" }))).toBe(400);
    expect(await status(getModelStats({ url, modelId: 999_999n }))).toBe(404);
    expect(await status(getContributorLeaderboard({ url, limit: 0 }))).toBe(400);
    expect((await fetch(`${url}/datanets/abc/stats`)).status).toBe(400);
  });
});
