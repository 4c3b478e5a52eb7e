import { resolve } from "node:path";
import {
  type AttributionReport,
  acceptContribution,
  aggregateEpoch,
  approveAccess,
  castVote,
  claimEarnings,
  claimRewards,
  contentHash,
  contribute,
  createDatanet,
  createTrainingManifest,
  defineRpcChain,
  delegateVotes,
  depositToLedger,
  executeProposal,
  finalizeRequests,
  getContributorLeaderboard,
  getScheduledExecutor,
  inferenceMarketAbi,
  keeperRegistryAbi,
  openGovernorAbi,
  openTokenAbi,
  type ProposalCalls,
  proposalArgs,
  propose,
  queryIndexer,
  queueProposal,
  registerModel,
  rejectContribution,
  requestAccess,
  requestInference,
  setLedgerPrice,
  setPayee,
  signAttributionReport,
  signEpochReport,
  signVoucher,
  sortSignatures,
  stakeKeeper,
  submitEpoch,
  submitReport,
} from "@payable-ai/sdk";
import {
  type Anvil,
  anvilPrivateKeys,
  deployProtocol,
  freePort,
  removeDeployment,
  repositoryRoot,
  startAnvil,
} from "@payable-ai/sdk/testing";
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  parseEther,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Indexer, startIndexer } from "../runner/index.js";
import { type Postgres, postgresBinaries, startPostgres } from "./postgres.js";

// The real indexer (`ponder start`, through the runner the local network uses) against anvil
// with the protocol deployed: events are made with the SDK's actions, then the API routes and
// GraphQL are asked for exact values. One chain and one indexer for the file. The file runs twice
// (vitest.config.ts): on PGlite, and on a Postgres cluster of its own when the binaries exist.

const database = process.env.INDEXER_TEST_DATABASE === "postgres" ? "postgres" : "pglite";
const binaries = database === "postgres" ? postgresBinaries() : undefined;
const skip = database === "postgres" && binaries === undefined;
if (skip) console.warn("indexer on Postgres: skipped, no initdb/pg_ctl found (apt-get install postgresql)");

const chainId = 914_370 + Math.floor(Math.random() * 1000);
// A voting delay long enough to see a proposal pending while the test moves on in real time.
const votingDelay = 60n;
const keys = {
  deployer: anvilPrivateKeys[0],
  owner: anvilPrivateKeys[1],
  curator: anvilPrivateKeys[2],
  contributorA: anvilPrivateKeys[3],
  contributorB: anvilPrivateKeys[4],
  developer: anvilPrivateKeys[5],
  user: anvilPrivateKeys[6],
  keepers: [anvilPrivateKeys[7], anvilPrivateKeys[8], anvilPrivateKeys[9]],
} as const;
const addressOf = (key: Hex) => privateKeyToAccount(key).address.toLowerCase() as Address;
/** Contributor A's payouts for its first contribution go here: an account with no contribution. */
const payee = "0x1111111111111111111111111111111111111111";
const wei = (open: string) => parseEther(open).toString();

let anvil: Anvil;
let indexer: Indexer;
let postgres: Postgres | undefined;
let clients: ReturnType<typeof createClients>;
let contracts: Awaited<ReturnType<typeof deployProtocol>>["contracts"];
let world: Awaited<ReturnType<typeof makeActivity>>;

function createClients(rpcUrl: string) {
  const chain = defineRpcChain({ id: chainId, name: "indexer-test", rpcUrl });
  const transport = http(rpcUrl, { retryCount: 0 });
  return {
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
    testClient: createTestClient({ chain, transport, mode: "anvil" }),
    wallet: (key: Hex) =>
      createWalletClient({ account: privateKeyToAccount(key), chain, transport, pollingInterval: 50 }),
  };
}

/** Moves the chain's clock `seconds` forward and mines a block at the new time. */
async function passTime(seconds: bigint) {
  await clients.testClient.increaseTime({ seconds: Number(seconds) });
  await clients.testClient.mine({ blocks: 1 });
}

async function latestTimestamp() {
  return (await clients.publicClient.getBlock()).timestamp;
}

async function indexed() {
  await indexer.waitForBlock(await clients.publicClient.getBlockNumber());
}

async function get(path: string) {
  const response = await fetch(`${indexer.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const graphql = <T>(query: string, variables: Record<string, unknown> = {}) =>
  queryIndexer<T>({ url: indexer.url }, { query, variables });

/**
 * A datanet (owner, one curator) with four contributions: A's first accepted with its payouts
 * sent to `payee`, A's second rejected, B's first accepted, B's second left pending; the
 * developer's paid access and a model on the two accepted ones; one request, reported by the
 * three keepers (25 % to A's, 60 % to B's, 15 % unattributed) and finalized; B claims.
 */
async function makeActivity() {
  const { publicClient, wallet } = clients;
  const minStake = await publicClient.readContract({
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName: "minStake",
  });
  for (const key of [
    keys.owner,
    keys.curator,
    keys.contributorA,
    keys.contributorB,
    keys.developer,
    keys.user,
    ...keys.keepers,
  ]) {
    const hash = await wallet(keys.deployer).writeContract({
      address: contracts.OpenToken,
      abi: openTokenAbi,
      functionName: "transfer",
      args: [privateKeyToAccount(key).address, parseEther("1000") + minStake],
    });
    await publicClient.waitForTransactionReceipt({ hash });
  }
  for (const key of keys.keepers) await stakeKeeper(wallet(key), { contracts, amount: minStake });

  const { datanetId } = await createDatanet(wallet(keys.owner), {
    contracts,
    metadataURI: "ipfs://datanet",
    contributionBond: parseEther("10"),
    accessFee: parseEther("50"),
    reviewTimeout: 86_400n,
    curators: [privateKeyToAccount(keys.curator).address],
  });
  const texts = ["A: cells", "A: rejected", "B: plants", "B: pending"];
  const [a1, a2, b1, b2] = texts.map((text) => contentHash(text));
  const submit = async (key: Hex, hash: Hex, uri: string) =>
    (await contribute(wallet(key), { contracts, datanetId, contentHash: hash, uri })).contributionId;
  const contributionA = await submit(keys.contributorA, a1, "blob:a1");
  const rejectedA = await submit(keys.contributorA, a2, "blob:a2");
  const contributionB = await submit(keys.contributorB, b1, "blob:b1");
  const pendingB = await submit(keys.contributorB, b2, "blob:b2");
  const curator = wallet(keys.curator);
  await acceptContribution(curator, { contracts, contributionId: contributionA });
  await rejectContribution(curator, { contracts, contributionId: rejectedA });
  await acceptContribution(curator, { contracts, contributionId: contributionB });
  await setPayee(wallet(keys.contributorA), { contracts, contributionId: contributionA, newPayee: payee });

  const developer = wallet(keys.developer);
  await requestAccess(developer, { contracts, datanetId });
  await approveAccess(wallet(keys.owner), { contracts, datanetId, account: developer.account.address });
  const manifest = createTrainingManifest([
    { contributionId: contributionA, contentHash: a1 },
    { contributionId: contributionB, contentHash: b1 },
  ]);
  const { modelId } = await registerModel(developer, {
    contracts,
    baseModelId: "payable-llama-tiny",
    adapterHash: contentHash("adapter"),
    adapterURI: "blob:adapter",
    manifestRoot: manifest.root,
    datanetIds: [datanetId],
    pricePerRequest: parseEther("2"),
    metadataURI: "ipfs://model",
  });

  const user = wallet(keys.user);
  const { requestId } = await requestInference(user, {
    contracts,
    modelId,
    inputHash: contentHash("question"),
    inputURI: "blob:question",
    maxFee: parseEther("2"),
  });
  const { executor } = await getScheduledExecutor(publicClient, { contracts, requestId });
  const report: AttributionReport = {
    requestId,
    round: 0,
    modelId,
    outputHash: contentHash("answer"),
    outputURI: "blob:answer",
    executor,
    attributionVersion: 1,
    attributions: [
      { contributionId: contributionA, weightBps: 2500 },
      { contributionId: contributionB, weightBps: 6000 },
    ],
  };
  const signatures = await Promise.all(
    keys.keepers.map((key) =>
      signAttributionReport(privateKeyToAccount(key), {
        chainId,
        market: contracts.InferenceMarket,
        report,
      }),
    ),
  );
  const { digest, challengeEndsAt } = await submitReport(wallet(keys.keepers[0]), {
    contracts,
    report,
    signatures,
  });
  await passTime(challengeEndsAt - (await latestTimestamp()) + 1n);
  await finalizeRequests(user, { contracts, requestIds: [requestId] });
  await claimRewards(wallet(keys.contributorB), { contracts });
  const treasury = await publicClient.readContract({
    address: contracts.InferenceMarket,
    abi: inferenceMarketAbi,
    functionName: "treasury",
  });
  const ledger = await meteredActivity({ modelId, contributionB, treasury, datanetId });
  return {
    datanetId,
    contributions: { contributionA, rejectedA, contributionB, pendingB },
    modelId,
    requestId,
    digest,
    executor: executor.toLowerCase() as Address,
    treasury: treasury.toLowerCase() as Address,
    ledger,
  };
}

/**
 * Metered billing on the UsageLedger: the model priced per request, the user deposits 3 OPEN
 * and pays keeper 1 for two calls crediting B's contribution in full; the three keepers submit
 * the epoch, and after its window B claims its share.
 */
async function meteredActivity({
  modelId,
  contributionB,
  treasury,
  datanetId,
}: {
  modelId: bigint;
  contributionB: bigint;
  treasury: Address;
  datanetId: bigint;
}) {
  const { publicClient, wallet } = clients;
  const price = parseEther("0.5");
  await setLedgerPrice(wallet(keys.developer), {
    contracts,
    modelId,
    perRequest: price,
    perInputToken: 0n,
    perOutputToken: 0n,
  });
  await depositToLedger(wallet(keys.user), { contracts, amount: parseEther("3") });
  const keeper = privateKeyToAccount(keys.keepers[0]).address;
  const voucher = {
    requester: privateKeyToAccount(keys.user).address,
    keeper,
    cumulativeSpend: 2n * price,
    expiry: (await latestTimestamp()) + 3600n,
  };
  const signature = await signVoucher(privateKeyToAccount(keys.user), {
    chainId,
    ledger: contracts.UsageLedger,
    voucher,
  });
  const parameters = await publicClient.readContract({
    address: contracts.InferenceMarket,
    abi: inferenceMarketAbi,
    functionName: "parameters",
  });
  const call = {
    requester: voucher.requester,
    keeper,
    cost: price,
    modelRecipients: [{ account: privateKeyToAccount(keys.developer).address, weightBps: 10_000n }],
    attributions: [
      {
        contributionId: contributionB,
        weightBps: 10_000,
        payee: privateKeyToAccount(keys.contributorB).address,
        datanetId,
      },
    ],
    datanets: [{ datanetId, owner: privateKeyToAccount(keys.owner).address }],
  };
  const epoch = aggregateEpoch({
    epoch: 1n,
    totalSpent: 0n,
    calls: [call, call],
    channels: [{ voucher, signature, settledSpend: 0n }],
    balances: new Map([[voucher.requester, parseEther("3")]]),
    split: { ...parameters, treasury },
    dataURI: "blob:0x00",
  });
  const signatures = sortSignatures(
    await Promise.all(
      keys.keepers.map((key) =>
        signEpochReport(privateKeyToAccount(key), {
          chainId,
          ledger: contracts.UsageLedger,
          report: epoch.report,
        }),
      ),
    ),
  );
  const { challengeEndsAt } = await submitEpoch(wallet(keys.keepers[0]), {
    contracts,
    report: epoch.report,
    voucherSignatures: epoch.voucherSignatures,
    signatures,
  });
  await passTime(challengeEndsAt - (await latestTimestamp()) + 1n);
  const contributor = privateKeyToAccount(keys.contributorB).address;
  const earned = epoch.tree.cumulativeOf(contributor);
  await claimEarnings(wallet(keys.contributorB), {
    contracts,
    account: contributor,
    cumulative: earned,
    proof: epoch.tree.proof(contributor),
  });
  return { report: epoch.report, earned, keeper: keeper.toLowerCase() as Address, spend: 2n * price, price };
}

beforeAll(async () => {
  if (skip) return;
  if (binaries) postgres = await startPostgres(binaries);
  anvil = await startAnvil({ chainId });
  clients = createClients(anvil.rpcUrl);
  contracts = (
    await deployProtocol({
      rpcUrl: anvil.rpcUrl,
      chainId,
      env: { GOVERNOR_VOTING_DELAY: String(votingDelay) },
    })
  ).contracts;
  // Ponder's start (build, database) takes longer than the transactions: run them side by side,
  // part is then backfilled and the rest followed live.
  const starting = startIndexer({
    rpcUrl: anvil.rpcUrl,
    chainId,
    port: await freePort(),
    deploymentsDir: resolve(repositoryRoot, "deployments"),
    databaseUrl: postgres?.url,
  });
  const [started, activity] = await Promise.allSettled([starting, makeActivity()]);
  if (started.status === "fulfilled") indexer = started.value;
  if (started.status === "rejected") throw started.reason;
  if (activity.status === "rejected") throw activity.reason;
  world = activity.value;
  await indexed();
});

afterAll(async () => {
  await indexer?.stop();
  await anvil?.stop();
  await postgres?.stop();
  if (!skip) await removeDeployment(chainId);
});

describe.skipIf(skip)("datanets and contributions", () => {
  test("the datanet's and contributions' rows follow the registry's events", async () => {
    const { datanetId, contributions: ids } = world;
    const data = await graphql<{
      datanet: Record<string, unknown>;
      contributions: { items: Record<string, unknown>[] };
      accessGrants: { items: Record<string, unknown>[] };
      curators: { items: Record<string, unknown>[] };
    }>(
      `query ($id: BigInt!) {
        datanet(id: $id) {
          owner metadataUri contributionBond accessFee reviewTimeout curatorCount contributionCount
          acceptedCount accessGrantCount accessRevenue attributedRevenue remainderRevenue
        }
        contributions(where: { datanetId: $id }, orderBy: "id") {
          items { id contributor payee uri bond status reviewedBy slashedBond attributionCount earned }
        }
        accessGrants(where: { datanetId: $id }) { items { account status fee } }
        curators(where: { datanetId: $id }) { items { account active } }
      }`,
      { id: datanetId.toString() },
    );
    expect(data.datanet).toEqual({
      owner: addressOf(keys.owner),
      metadataUri: "ipfs://datanet",
      contributionBond: wei("10"),
      accessFee: wei("50"),
      reviewTimeout: "86400",
      curatorCount: 1,
      contributionCount: 4,
      acceptedCount: 2,
      accessGrantCount: 1,
      accessRevenue: wei("50"),
      attributedRevenue: wei("0.68"),
      remainderRevenue: wei("0.12"),
    });
    const curator = addressOf(keys.curator);
    const a = addressOf(keys.contributorA);
    const b = addressOf(keys.contributorB);
    const row = (id: bigint, fields: Record<string, unknown>) => ({
      id: id.toString(),
      bond: wei("10"),
      slashedBond: "0",
      attributionCount: 0,
      earned: "0",
      reviewedBy: curator,
      ...fields,
    });
    expect(data.contributions.items).toEqual([
      row(ids.contributionA, {
        contributor: a,
        payee,
        uri: "blob:a1",
        status: "accepted",
        attributionCount: 1,
        earned: wei("0.2"),
      }),
      row(ids.rejectedA, {
        contributor: a,
        payee: a,
        uri: "blob:a2",
        status: "rejected",
        slashedBond: wei("10"),
      }),
      row(ids.contributionB, {
        contributor: b,
        payee: b,
        uri: "blob:b1",
        status: "accepted",
        attributionCount: 1,
        earned: wei("0.48"),
      }),
      row(ids.pendingB, { contributor: b, payee: b, uri: "blob:b2", status: "pending", reviewedBy: null }),
    ]);
    expect(data.accessGrants.items).toEqual([
      { account: addressOf(keys.developer), status: "granted", fee: wei("50") },
    ]);
    expect(data.curators.items).toEqual([{ account: curator, active: true }]);
  });

  test("GET /datanets/:id/stats: counts, access and data revenue, top contributors by payee", async () => {
    const { status, body } = await get(`/datanets/${world.datanetId}/stats`);
    expect(status).toBe(200);
    expect(body).toEqual({
      id: world.datanetId.toString(),
      owner: addressOf(keys.owner),
      contributionCount: 4,
      acceptedCount: 2,
      curatorCount: 1,
      accessGrantCount: 1,
      accessRevenue: wei("50"),
      attributedRevenue: wei("0.68"),
      remainderRevenue: wei("0.12"),
      dataRevenue: wei("0.8"),
      // The owner's remainder is data revenue but not a contributor's.
      topContributors: [
        { payee: addressOf(keys.contributorB), earned: wei("0.48") },
        { payee, earned: wei("0.2") },
      ],
    });
  });

  test("GET /leaderboard/contributors lists only accounts with a contribution, by what their contributions earned", async () => {
    const leaderboard = await getContributorLeaderboard({ url: indexer.url, limit: 10 });
    // Neither the datanet owner (its 15 % remainder) nor A's payee (A's 25 %) contributed anything.
    expect(leaderboard).toEqual([
      {
        rank: 1,
        address: addressOf(keys.contributorB),
        earnedData: parseEther("0.48"),
        earnedTotal: parseEther("0.48"),
        contributionCount: 2,
        acceptedCount: 1,
      },
      {
        rank: 2,
        address: addressOf(keys.contributorA),
        earnedData: parseEther("0.2"),
        earnedTotal: 0n,
        contributionCount: 2,
        acceptedCount: 1,
      },
    ]);
    const { body } = await get("/leaderboard/contributors?limit=1");
    expect(body).toEqual({
      contributors: [
        {
          rank: 1,
          address: addressOf(keys.contributorB),
          earnedData: wei("0.48"),
          earnedTotal: wei("0.48"),
          contributionCount: 2,
          acceptedCount: 1,
        },
      ],
    });
  });
});

describe.skipIf(skip)("a finalized request", () => {
  test("GET /accounts/:address/earnings: each account's share of the 2 OPEN fee, in wei", async () => {
    const earnings = (fields: Record<string, unknown>) => ({
      data: "0",
      model: "0",
      keeper: "0",
      protocol: "0",
      claimed: "0",
      ...fields,
    });
    const b = addressOf(keys.contributorB);
    const expected: [Address, Record<string, unknown>][] = [
      // B claimed its credit.
      [
        b,
        earnings({
          data: wei("0.48"),
          total: wei("0.48"),
          credited: wei("0.48"),
          claimed: wei("0.48"),
          unclaimed: "0",
          payments: { data: 1 },
        }),
      ],
      [
        payee,
        earnings({
          data: wei("0.2"),
          total: wei("0.2"),
          credited: wei("0.2"),
          unclaimed: wei("0.2"),
          payments: { data: 1 },
        }),
      ],
      [
        addressOf(keys.owner),
        earnings({
          data: wei("0.12"),
          total: wei("0.12"),
          credited: wei("0.12"),
          unclaimed: wei("0.12"),
          payments: { data: 1 },
        }),
      ],
      [
        addressOf(keys.developer),
        earnings({
          model: wei("0.8"),
          total: wei("0.8"),
          credited: wei("0.8"),
          unclaimed: wei("0.8"),
          payments: { model: 1 },
        }),
      ],
      [
        world.executor,
        earnings({
          keeper: wei("0.3"),
          total: wei("0.3"),
          credited: wei("0.3"),
          unclaimed: wei("0.3"),
          payments: { keeper: 1 },
        }),
      ],
      [
        world.treasury,
        earnings({
          protocol: wei("0.1"),
          total: wei("0.1"),
          credited: wei("0.1"),
          unclaimed: wei("0.1"),
          payments: { protocol: 1 },
        }),
      ],
    ];
    for (const [address, fields] of expected) {
      // Any spelling of the address: the route answers in lower case.
      const { status, body } = await get(`/accounts/${address.toUpperCase().replace("0X", "0x")}/earnings`);
      expect({ status, body }).toEqual({ status: 200, body: { address, ...fields } });
    }
    const stranger = await get("/accounts/0x2222222222222222222222222222222222222222/earnings");
    expect(stranger.body).toEqual({
      address: "0x2222222222222222222222222222222222222222",
      ...earnings({ total: "0", credited: "0", unclaimed: "0", payments: {} }),
    });
  });

  test("the request, its report and attributions, and the model's stats", async () => {
    const data = await graphql<{
      inferenceRequest: Record<string, unknown>;
      report: Record<string, unknown>;
      attributions: { items: Record<string, unknown>[] };
    }>(
      `query ($id: BigInt!, $digest: String!) {
        inferenceRequest(id: $id) {
          status fee executor reportDigest treasuryAmount executorAmount modelAmount attributedAmount unattributedAmount
        }
        report(digest: $digest) { requestId status executor round signers }
        attributions(where: { reportDigest: $digest }, orderBy: "contributionId") {
          items { contributionId weightBps payee amount }
        }
      }`,
      { id: world.requestId.toString(), digest: world.digest },
    );
    expect(data.inferenceRequest).toEqual({
      status: "finalized",
      fee: wei("2"),
      executor: world.executor,
      reportDigest: world.digest,
      treasuryAmount: wei("0.1"),
      executorAmount: wei("0.3"),
      modelAmount: wei("0.8"),
      attributedAmount: wei("0.68"),
      unattributedAmount: wei("0.12"),
    });
    expect(data.report).toEqual({
      requestId: world.requestId.toString(),
      status: "finalized",
      executor: world.executor,
      round: 0,
      signers: expect.arrayContaining(keys.keepers.map(addressOf)),
    });
    expect(data.attributions.items).toEqual([
      {
        contributionId: world.contributions.contributionA.toString(),
        weightBps: 2500,
        payee,
        amount: wei("0.2"),
      },
      {
        contributionId: world.contributions.contributionB.toString(),
        weightBps: 6000,
        payee: addressOf(keys.contributorB),
        amount: wei("0.48"),
      },
    ]);

    const { status, body } = await get(`/models/${world.modelId}/stats`);
    expect({ status, body }).toEqual({
      status: 200,
      body: {
        id: world.modelId.toString(),
        owner: addressOf(keys.developer),
        status: "active",
        isComposite: false,
        pricePerRequest: wei("2"),
        requestCount: 1,
        finalizedCount: 1,
        refundedCount: 0,
        feeVolume: wei("2"),
        modelRevenue: wei("0.8"),
        split: {
          treasury: wei("0.1"),
          executors: wei("0.3"),
          model: wei("0.8"),
          attributed: wei("0.68"),
          unattributed: wei("0.12"),
        },
      },
    });
  });
});

describe.skipIf(skip)("governance", () => {
  test("a proposal's status follows the governor: pending, active, succeeded or defeated, queued, executed; canceled", async () => {
    const { publicClient, wallet } = clients;
    const developer = wallet(keys.developer);
    // The finalized request minted the developer votes for its model share; delegate to itself.
    await delegateVotes(developer, { contracts, delegatee: developer.account.address });
    await passTime(2n);
    const calls = (description: string): ProposalCalls => ({
      targets: [contracts.InferenceMarket],
      values: [0n],
      calldatas: [
        encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setChallengeWindow", args: [45n] }),
      ],
      description,
    });
    const passing = calls("Challenge window 45 s");
    const failing = calls("Challenge window 45 s, again");
    const withdrawn = calls("Challenge window 45 s, withdrawn");
    const a = await propose(developer, { contracts, ...passing });
    const b = await propose(developer, { contracts, ...failing });
    const c = await propose(developer, { contracts, ...withdrawn });
    const hash = await developer.writeContract({
      address: contracts.OpenGovernor,
      abi: openGovernorAbi,
      functionName: "cancel",
      args: proposalArgs(withdrawn),
    });
    await publicClient.waitForTransactionReceipt({ hash });
    await indexed();

    const statuses = async () => {
      const { status, body } = await get("/proposals");
      expect(status).toBe(200);
      const byId = new Map(
        (body.proposals as { id: string; status: string }[]).map((p) => [BigInt(p.id), p.status]),
      );
      return [byId.get(a.proposalId), byId.get(b.proposalId), byId.get(c.proposalId)];
    };
    expect(await statuses()).toEqual(["pending", "pending", "canceled"]);

    await passTime(b.voteStart - (await latestTimestamp()) + 1n);
    await indexed();
    expect(await statuses()).toEqual(["active", "active", "canceled"]);
    await castVote(developer, { contracts, proposalId: a.proposalId, support: "for", reason: "faster" });
    await castVote(developer, { contracts, proposalId: b.proposalId, support: "against" });
    await indexed();
    const votes = parseEther("0.05"); // 0.8 OPEN model share × 5 % / (100 % − 5 % − 15 %)
    const active = await get(`/proposals/${a.proposalId}`);
    expect(active).toEqual({
      status: 200,
      body: {
        id: a.proposalId.toString(),
        proposer: addressOf(keys.developer),
        description: passing.description,
        targets: [contracts.InferenceMarket.toLowerCase()],
        voteStart: a.voteStart.toString(),
        voteEnd: a.voteEnd.toString(),
        forVotes: votes.toString(),
        againstVotes: "0",
        abstainVotes: "0",
        status: "active",
        eta: null,
        queuedAt: null,
        executedAt: null,
        canceledAt: null,
        createdAt: expect.any(String),
        votes: [
          {
            proposalId: a.proposalId.toString(),
            voter: addressOf(keys.developer),
            support: 1,
            weight: votes.toString(),
            reason: "faster",
            timestamp: expect.any(String),
          },
        ],
      },
    });

    await passTime(b.voteEnd - (await latestTimestamp()) + 1n);
    await indexed();
    expect(await statuses()).toEqual(["succeeded", "defeated", "canceled"]);

    await queueProposal(developer, { contracts, ...passing });
    await indexed();
    expect(await statuses()).toEqual(["queued", "defeated", "canceled"]);
    const eta = await publicClient.readContract({
      address: contracts.OpenGovernor,
      abi: openGovernorAbi,
      functionName: "proposalEta",
      args: [a.proposalId],
    });
    expect((await get(`/proposals/${a.proposalId}`)).body).toMatchObject({
      status: "queued",
      eta: eta.toString(),
      queuedAt: expect.any(String),
    });

    await passTime(eta - (await latestTimestamp()) + 1n);
    await executeProposal(developer, { contracts, ...passing });
    await indexed();
    expect(await statuses()).toEqual(["executed", "defeated", "canceled"]);
  }, 90_000);
});

describe("metered billing (UsageLedger)", () => {
  test("deposits, the model's price, the settled channel, the epoch and the claim", async () => {
    const { ledger } = world;
    const user = addressOf(keys.user);
    const contributor = addressOf(keys.contributorB);
    const data = await graphql<{
      requester: Record<string, unknown>;
      earner: Record<string, unknown>;
      ledgerPrice: Record<string, unknown>;
      ledgerChannels: { items: Record<string, unknown>[] };
      ledgerEpoch: Record<string, unknown>;
      ledgerClaims: { items: Record<string, unknown>[] };
    }>(
      `query ($user: String!, $contributor: String!, $modelId: BigInt!) {
        requester: ledgerAccount(address: $user) { balance deposited withdrawn spent claimed pendingWithdrawal }
        earner: ledgerAccount(address: $contributor) { balance claimed }
        ledgerPrice(modelId: $modelId) { perRequest perInputToken perOutputToken }
        ledgerChannels(where: { requester: $user }) { items { keeper settledSpend debited shortfall lastEpoch } }
        ledgerEpoch(epoch: "1") { root cumulativeTotal spend calls dataUri submitter signers status }
        ledgerClaims(where: { account: $contributor }) { items { epoch amount cumulative } }
      }`,
      { user, contributor, modelId: world.modelId.toString() },
    );
    expect(data.requester).toEqual({
      balance: (parseEther("3") - ledger.spend).toString(),
      deposited: wei("3"),
      withdrawn: "0",
      spent: ledger.spend.toString(),
      claimed: "0",
      pendingWithdrawal: "0",
    });
    expect(data.earner).toEqual({ balance: "0", claimed: ledger.earned.toString() });
    expect(data.ledgerPrice).toEqual({
      perRequest: ledger.price.toString(),
      perInputToken: "0",
      perOutputToken: "0",
    });
    expect(data.ledgerChannels.items).toEqual([
      {
        keeper: ledger.keeper,
        settledSpend: ledger.spend.toString(),
        debited: ledger.spend.toString(),
        shortfall: "0",
        lastEpoch: "1",
      },
    ]);
    expect(data.ledgerEpoch).toEqual({
      root: ledger.report.root,
      cumulativeTotal: ledger.spend.toString(),
      spend: ledger.spend.toString(),
      calls: "2",
      dataUri: "blob:0x00",
      submitter: ledger.keeper,
      signers: [...keys.keepers.map(addressOf)].sort(),
      status: "pending",
    });
    expect(data.ledgerClaims.items).toEqual([
      { epoch: "1", amount: ledger.earned.toString(), cumulative: ledger.earned.toString() },
    ]);
    expect(ledger.earned).toBeGreaterThan(0n);
  });
});

describe.skipIf(database !== "postgres" || skip)("on Postgres", () => {
  test("Ponder wrote the indexed rows to the cluster, not to PGlite", async () => {
    const tables = await postgres?.query(
      "select count(*) from information_schema.tables where table_schema = 'public' and table_name = 'datanet'",
    );
    expect(tables).toBe("1");
    expect(await postgres?.query("select count(*) from public.datanet")).toBe("1");
  });

  test("a `ponder serve` replica over the same database answers as the indexer does", async () => {
    const replica = await startIndexer({
      command: "serve",
      rpcUrl: anvil.rpcUrl,
      chainId,
      port: await freePort(),
      deploymentsDir: resolve(repositoryRoot, "deployments"),
      databaseUrl: postgres?.url,
    });
    try {
      for (const path of [
        `/accounts/${addressOf(keys.contributorB)}/earnings`,
        `/datanets/${world.datanetId}/stats`,
        "/leaderboard/contributors",
      ]) {
        const [fromIndexer, fromReplica] = await Promise.all(
          [indexer.url, replica.url].map(async (url) => (await fetch(`${url}${path}`)).json()),
        );
        expect(fromReplica).toEqual(fromIndexer);
      }
      const query = "{ datanets { items { id owner } } }";
      const [a, b] = await Promise.all(
        [indexer, replica].map((i) =>
          queryIndexer<{ datanets: { items: unknown[] } }>({ url: i.url }, { query, variables: {} }),
        ),
      );
      expect(a?.datanets.items).toHaveLength(1);
      expect(b).toEqual(a);
    } finally {
      await replica.stop();
    }
  });
});

describe.skipIf(skip)("errors", () => {
  test("400 and 404 answer { error: { code, message } }", async () => {
    const cases: [string, number, string, string][] = [
      ["/accounts/0x1234/earnings", 400, "invalid_address", '"0x1234" is not an address'],
      ["/datanets/abc/stats", 400, "invalid_id", '"abc" is not a datanet id'],
      ["/proposals/-1", 400, "invalid_id", '"-1" is not a proposal id'],
      [
        "/leaderboard/contributors?limit=0",
        400,
        "invalid_limit",
        'limit must be an integer from 1 to 1000, got "0"',
      ],
      ["/models/999999/stats", 404, "model_not_found", "model 999999 is not indexed"],
      ["/datanets/999999/stats", 404, "datanet_not_found", "datanet 999999 is not indexed"],
      ["/requests/999999", 404, "request_not_found", "request 999999 is not indexed"],
      ["/proposals/999999", 404, "proposal_not_found", "proposal 999999 is not indexed"],
      ["/no/such/route", 404, "route_not_found", "no route GET /no/such/route"],
    ];
    for (const [path, status, code, message] of cases) {
      const response = await fetch(`${indexer.url}${path}`);
      expect({ path, status: response.status, type: response.headers.get("content-type") }).toEqual({
        path,
        status,
        type: "application/json",
      });
      expect(await response.json()).toEqual({ error: { code, message } });
    }
  });
});
