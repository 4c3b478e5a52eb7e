import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, startDevnet } from "@payable-ai/devnet";
import {
  getAccountEarnings,
  getContributorLeaderboard,
  getDatanetStats,
  getModelStats,
  IndexerRequestError,
  inferenceMarketAbi,
  keeperRegistryAbi,
  rewardVaultAbi,
} from "@payable-ai/sdk";
import { removeDeployment } from "@payable-ai/sdk/testing";
import { type Address, getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

// One protocol round trip through the SDK (datanet, contributions, review, access, model,
// paid request, quorum-signed report, finalize, claim), then every indexed row and amount is
// compared with the chain.
const chainId = 913_370 + Math.floor(Math.random() * 1000);
let devnet: Devnet;
let dataDir: string;

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

function seeded() {
  if (!devnet.demo) throw new Error("the devnet was started without demo data");
  return devnet.demo;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "payable-e2e-"));
  devnet = await startDevnet({ chainId, dataDir, seed: true });
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
    const demo = seeded();
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
    expect(data.open.status).toBe("open");
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
    expect(data.model.requestCount).toBe(2);
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
    const claimer = seeded().claimed;
    const claimerRow = data.accounts.items.find((r) => r.address === lower(claimer.account));
    expect(BigInt(claimerRow?.claimed ?? -1)).toBe(claimer.amount);
  });

  test("keepers' stakes equal the KeeperRegistry's", async () => {
    const { publicClient } = devnet.clients;
    const data = await graphql<{ keepers: { items: { address: Address; stake: string; status: string }[] } }>(
      `{ keepers { items { address stake status reportsSigned } } }`,
    );
    expect(data.keepers.items.map((k) => k.address).sort()).toEqual(seeded().keepers.map(lower).sort());
    for (const keeper of data.keepers.items) {
      const stake = await publicClient.readContract({
        address: devnet.deployment.contracts.KeeperRegistry,
        abi: keeperRegistryAbi,
        functionName: "stakeOf",
        args: [getAddress(keeper.address)],
      });
      expect(BigInt(keeper.stake)).toBe(stake);
      expect(keeper.status).toBe("active");
    }
  });

  test("the API through the SDK's indexer helpers: leaderboard, earnings by source, model and datanet stats", async () => {
    const demo = seeded();
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
    expect(model.requestCount).toBe(2);
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
