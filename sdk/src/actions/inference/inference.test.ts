import { parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import { keeperIndexes, modelOnDatanet, roles, stakeKeepers } from "../../../test/fixtures.js";
import type { AttributionReport } from "../../eip712.js";
import { ContractRevertedError } from "../../errors/contract.js";
import { inferenceMarketAbi, keeperRegistryAbi, openTokenAbi } from "../../generated/abis.js";
import { anvilPrivateKeys } from "../../testing/anvil.js";
import { contentHash } from "../../utils/contentHash.js";
import { claimRewards } from "../rewards/claimRewards.js";
import { getRewards } from "../rewards/getRewards.js";
import { challengeReport } from "./challengeReport.js";
import { finalizeRequests } from "./finalizeRequests.js";
import { getRequest } from "./getRequest.js";
import { refundRequest } from "./refundRequest.js";
import { requestInference } from "./requestInference.js";
import { requestInferenceWithPermit } from "./requestInferenceWithPermit.js";
import { hashAttributionReport, signAttributionReport } from "./signAttributionReport.js";
import { submitReport } from "./submitReport.js";
import { waitForReport } from "./waitForReport.js";

const chain = sharedChain();
const { contracts, publicClient, testClient, wallet, chainId } = chain;
const keeperAccounts = keeperIndexes.map((i) => privateKeyToAccount(anvilPrivateKeys[i] as `0x${string}`));

async function passTime(seconds: bigint) {
  await testClient.increaseTime({ seconds: Number(seconds) });
  await testClient.mine({ blocks: 1 });
}

function reportFor(requestId: bigint, modelId: bigint, attributions: AttributionReport["attributions"]) {
  const [executor] = keeperAccounts;
  return {
    requestId,
    modelId,
    outputHash: contentHash(`output ${requestId}`),
    outputURI: `blob:output-${requestId}`,
    executor: executor?.address ?? "0x",
    attributionVersion: 1,
    attributions,
  } satisfies AttributionReport;
}

describe("inference actions", () => {
  test("request, quorum report, wait, finalize, claim: contributors are paid by weight", async () => {
    const { modelId, contributions } = await modelOnDatanet(chain, ["alpha", "beta"]);
    const { quorum } = await stakeKeepers(chain);
    const user = wallet(roles.user);
    const { requestId, fee } = await requestInference(user, {
      contracts,
      modelId,
      inputHash: contentHash("question"),
      inputURI: "blob:question",
      maxFee: parseEther("2"),
    });
    expect(fee).toBe(parseEther("2"));
    expect((await getRequest(publicClient, { contracts, requestId })).statusName).toBe("open");

    const [first, second] = contributions;
    const report = reportFor(requestId, modelId, [
      { contributionId: first?.contributionId ?? 0n, weightBps: 7000 },
      { contributionId: second?.contributionId ?? 0n, weightBps: 3000 },
    ]);
    // Signatures in descending signer order: submitReport sorts them.
    const signatures = await Promise.all(
      keeperAccounts
        .slice(0, quorum)
        .reverse()
        .map((account) =>
          signAttributionReport(account, { chainId, market: contracts.InferenceMarket, report }),
        ),
    );
    const waiting = waitForReport(publicClient, {
      contracts,
      requestId,
      pollingIntervalMs: 50,
      timeoutMs: 30_000,
    });
    const submitted = await submitReport(wallet(keeperIndexes[0]), { contracts, report, signatures });
    const seen = await waiting;
    expect(seen.digest).toBe(submitted.digest);
    expect(seen.digest).toBe(hashAttributionReport({ chainId, market: contracts.InferenceMarket, report }));
    expect(seen.report.attributions).toEqual(report.attributions);
    const onChainDigest = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "hashReport",
      args: [report],
    });
    expect(onChainDigest).toBe(submitted.digest);

    await expect(finalizeRequests(user, { contracts, requestIds: [requestId] })).rejects.toThrow(
      ContractRevertedError,
    );
    const now = (await publicClient.getBlock()).timestamp;
    await passTime(submitted.challengeEndsAt - now + 1n);
    // An unknown id in the batch is skipped, not fatal.
    const { finalized, skipped } = await finalizeRequests(user, {
      contracts,
      requestIds: [requestId, 999_999n],
    });
    expect(finalized).toHaveLength(1);
    expect(finalized[0]?.fee).toBe(fee);
    expect(skipped.map((s) => s.requestId)).toEqual([999_999n]);

    const contributor = wallet(roles.contributor);
    const contributor2 = wallet(roles.contributor2);
    const rewards = await getRewards(publicClient, { contracts, account: contributor.account.address });
    const rewards2 = await getRewards(publicClient, { contracts, account: contributor2.account.address });
    const attributed = finalized[0]?.attributedAmount ?? 0n;
    expect(rewards.claimable + rewards2.claimable).toBe(attributed);
    expect(rewards.claimable).toBe((attributed * 7000n) / 10_000n);

    const before = await publicClient.readContract({
      address: contracts.OpenToken,
      abi: openTokenAbi,
      functionName: "balanceOf",
      args: [contributor.account.address],
    });
    const { amount } = await claimRewards(contributor, { contracts });
    expect(amount).toBe(rewards.claimable);
    const after = await publicClient.readContract({
      address: contracts.OpenToken,
      abi: openTokenAbi,
      functionName: "balanceOf",
      args: [contributor.account.address],
    });
    expect(after - before).toBe(amount);
    expect(await getRewards(publicClient, { contracts, account: contributor.account.address })).toEqual({
      claimable: 0n,
      credited: amount,
      claimed: amount,
    });
  });

  test("below quorum and over-weight reports are refused with their custom errors", async () => {
    const { modelId, contributions } = await modelOnDatanet(chain, ["gamma"]);
    const { quorum } = await stakeKeepers(chain);
    const { requestId } = await requestInference(wallet(roles.user), {
      contracts,
      modelId,
      inputHash: contentHash("q2"),
      inputURI: "blob:q2",
      maxFee: parseEther("2"),
    });
    const id = contributions[0]?.contributionId ?? 0n;
    const report = reportFor(requestId, modelId, [{ contributionId: id, weightBps: 10_001 }]);
    const sign = (r: AttributionReport, n: number) =>
      Promise.all(
        keeperAccounts
          .slice(0, n)
          .map((a) => signAttributionReport(a, { chainId, market: contracts.InferenceMarket, report: r })),
      );
    const overweight = await submitReport(wallet(keeperIndexes[0]), {
      contracts,
      report,
      signatures: await sign(report, quorum),
    }).catch((e: unknown) => e);
    expect(overweight).toBeInstanceOf(ContractRevertedError);
    expect((overweight as ContractRevertedError).errorName).toMatch(/^Market/);

    const fine = reportFor(requestId, modelId, [{ contributionId: id, weightBps: 5000 }]);
    const short = await submitReport(wallet(keeperIndexes[0]), {
      contracts,
      report: fine,
      signatures: await sign(fine, quorum - 1),
    }).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(ContractRevertedError);
    expect((short as ContractRevertedError).errorName).toMatch(/^Market/);
  });

  test("keepers who signed two reports for one request are slashed by a challenge", async () => {
    const { modelId, contributions } = await modelOnDatanet(chain, ["epsilon"]);
    const { quorum } = await stakeKeepers(chain);
    const { requestId } = await requestInference(wallet(roles.user), {
      contracts,
      modelId,
      inputHash: contentHash("q4"),
      inputURI: "blob:q4",
      maxFee: parseEther("2"),
    });
    const id = contributions[0]?.contributionId ?? 0n;
    const signers = keeperAccounts.slice(0, quorum);
    const sign = (r: AttributionReport) =>
      Promise.all(
        signers.map((a) =>
          signAttributionReport(a, { chainId, market: contracts.InferenceMarket, report: r }),
        ),
      );
    const accepted = reportFor(requestId, modelId, [{ contributionId: id, weightBps: 9000 }]);
    const conflicting = reportFor(requestId, modelId, [{ contributionId: id, weightBps: 1000 }]);
    const { digest } = await submitReport(wallet(keeperIndexes[0]), {
      contracts,
      report: accepted,
      signatures: await sign(accepted),
    });
    const stakeOf = (keeper: `0x${string}`) =>
      publicClient.readContract({
        address: contracts.KeeperRegistry,
        abi: keeperRegistryAbi,
        functionName: "stakeOf",
        args: [keeper],
      });
    const before = await Promise.all(signers.map((a) => stakeOf(a.address)));

    const { voidedDigest, slashedKeepers } = await challengeReport(wallet(roles.user), {
      contracts,
      conflictingReport: conflicting,
      signatures: await sign(conflicting),
    });
    expect(voidedDigest).toBe(digest);
    expect([...slashedKeepers].sort()).toEqual(signers.map((a) => a.address).sort());
    const after = await Promise.all(signers.map((a) => stakeOf(a.address)));
    after.forEach((stake, i) => {
      expect(stake).toBeLessThan(before[i] ?? 0n);
    });
    expect((await getRequest(publicClient, { contracts, requestId })).statusName).toBe("open");
    await expect(
      challengeReport(wallet(roles.user), {
        contracts,
        conflictingReport: conflicting,
        signatures: await sign(conflicting),
      }),
    ).rejects.toThrow(/MarketRequestNotReported/);
  });

  test("a request paid with a permit and never reported is refunded after its deadline", async () => {
    const { modelId } = await modelOnDatanet(chain, ["delta"]);
    const user = wallet(roles.user);
    const balance = () =>
      publicClient.readContract({
        address: contracts.OpenToken,
        abi: openTokenAbi,
        functionName: "balanceOf",
        args: [user.account.address],
      });
    const start = await balance();
    const { requestId, fee, deadline } = await requestInferenceWithPermit(user, {
      contracts,
      modelId,
      inputHash: contentHash("q3"),
      inputURI: "blob:q3",
      maxFee: parseEther("5"),
    });
    expect(await balance()).toBe(start - fee);
    await expect(refundRequest(user, { contracts, requestId })).rejects.toThrow(ContractRevertedError);
    const now = (await publicClient.getBlock()).timestamp;
    await passTime(deadline - now + 1n);
    await refundRequest(user, { contracts, requestId });
    expect(await balance()).toBe(start);
    expect((await getRequest(publicClient, { contracts, requestId })).statusName).toBe("refunded");
    await expect(
      waitForReport(publicClient, { contracts, requestId, pollingIntervalMs: 10, timeoutMs: 1000 }),
    ).rejects.toThrow(/refunded/);
  });
});
