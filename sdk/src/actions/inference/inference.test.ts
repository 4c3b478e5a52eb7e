import { type Address, parseEther } from "viem";
import { describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import {
  keeperAccounts,
  keeperIndexes,
  modelOnDatanet,
  passTime,
  reportFor,
  roles,
  signReport,
  stakeKeepers,
} from "../../../test/fixtures.js";
import { ContractRevertedError } from "../../errors/contract.js";
import {
  contributionVotesAbi,
  inferenceMarketAbi,
  keeperRegistryAbi,
  openTokenAbi,
} from "../../generated/abis.js";
import { contentHash } from "../../utils/contentHash.js";
import { stakeKeeper } from "../keepers/stakeKeeper.js";
import { claimRewards } from "../rewards/claimRewards.js";
import { getRewards } from "../rewards/getRewards.js";
import { challengeReport } from "./challengeReport.js";
import { finalizeRequests } from "./finalizeRequests.js";
import { getRequest } from "./getRequest.js";
import { getScheduledExecutor } from "./getScheduledExecutor.js";
import { refundRequest } from "./refundRequest.js";
import { requestInference } from "./requestInference.js";
import { requestInferenceWithPermit } from "./requestInferenceWithPermit.js";
import { hashAttributionReport } from "./signAttributionReport.js";
import { submitReport } from "./submitReport.js";
import { waitForReport } from "./waitForReport.js";

const chain = sharedChain();
const { contracts, publicClient, wallet, chainId, fund } = chain;

const readKeepers = <T>(functionName: string, args: readonly unknown[] = []) =>
  publicClient.readContract({
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName,
    args,
  } as never) as Promise<T>;
const stakeOf = (keeper: Address) => readKeepers<bigint>("stakeOf", [keeper]);
const votesBalance = (account: Address) =>
  publicClient.readContract({
    address: contracts.ContributionVotes,
    abi: contributionVotesAbi,
    functionName: "balanceOf",
    args: [account],
  });
const now = async () => (await publicClient.getBlock()).timestamp;

async function openRequest(text: string) {
  const { modelId, contributions } = await modelOnDatanet(chain, [text]);
  await stakeKeepers(chain);
  const { requestId } = await requestInference(wallet(roles.user), {
    contracts,
    modelId,
    inputHash: contentHash(`question about ${text}`),
    inputURI: `blob:${text}`,
    maxFee: parseEther("2"),
  });
  return { modelId, requestId, contributionId: contributions[0]?.contributionId ?? 0n };
}

/** Waits for the next executor turn, so that a test has a whole turn (15 s locally) ahead of it. */
async function startOfNextTurn(requestId: bigint) {
  const { nextTurnAt } = await getScheduledExecutor(publicClient, { contracts, requestId });
  await passTime(chain, nextTurnAt - (await now()));
  return getScheduledExecutor(publicClient, { contracts, requestId });
}

describe("inference actions", () => {
  test("request, quorum report, wait, finalize, claim: contributors are paid by weight", async () => {
    const { modelId, contributions } = await modelOnDatanet(chain, ["alpha", "beta"]);
    await stakeKeepers(chain);
    const user = wallet(roles.user);
    const { requestId, fee } = await requestInference(user, {
      contracts,
      modelId,
      inputHash: contentHash("question"),
      inputURI: "blob:question",
      maxFee: parseEther("2"),
    });
    expect(fee).toBe(parseEther("2"));
    const request = await getRequest(publicClient, { contracts, requestId });
    expect(request.statusName).toBe("open");
    expect(request.round).toBe(0);

    const [first, second] = contributions;
    const report = await reportFor(chain, requestId, {
      attributions: [
        { contributionId: first?.contributionId ?? 0n, weightBps: 7000 },
        { contributionId: second?.contributionId ?? 0n, weightBps: 3000 },
      ],
    });
    // Signatures in descending signer order: submitReport sorts them.
    const signatures = (await signReport(chain, report)).reverse();
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
    expect(seen.report.round).toBe(0);
    expect(seen.report.executor).toBe(report.executor);
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
    await passTime(chain, submitted.challengeEndsAt - (await now()) + 1n);
    const contributor = wallet(roles.contributor);
    const contributor2 = wallet(roles.contributor2);
    const votesBefore = await votesBalance(contributor.account.address);
    // An unknown id in the batch is skipped, not fatal.
    const { finalized, skipped } = await finalizeRequests(user, {
      contracts,
      requestIds: [requestId, 999_999n],
    });
    expect(finalized).toHaveLength(1);
    expect(finalized[0]?.fee).toBe(fee);
    expect(skipped.map((s) => s.requestId)).toEqual([999_999n]);

    const rewards = await getRewards(publicClient, { contracts, account: contributor.account.address });
    const rewards2 = await getRewards(publicClient, { contracts, account: contributor2.account.address });
    const attributed = finalized[0]?.attributedAmount ?? 0n;
    expect(rewards.claimable + rewards2.claimable).toBe(attributed);
    expect(rewards.claimable).toBe((attributed * 7000n) / 10_000n);
    // Votes: what the contributor earned, scaled by protocol / (model + data) share of the request.
    const earnedBps = 10_000n - BigInt(request.protocolFeeBps) - BigInt(request.executorFeeBps);
    expect((await votesBalance(contributor.account.address)) - votesBefore).toBe(
      (rewards.claimable * BigInt(request.protocolFeeBps)) / earnedBps,
    );

    const balanceOf = (account: Address) =>
      publicClient.readContract({
        address: contracts.OpenToken,
        abi: openTokenAbi,
        functionName: "balanceOf",
        args: [account],
      });
    const before = await balanceOf(contributor.account.address);
    const { amount } = await claimRewards(contributor, { contracts });
    expect(amount).toBe(rewards.claimable);
    expect((await balanceOf(contributor.account.address)) - before).toBe(amount);
    expect(await getRewards(publicClient, { contracts, account: contributor.account.address })).toEqual({
      claimable: 0n,
      credited: amount,
      claimed: amount,
    });
  });

  const executorAt = (requestId: bigint, round: number, turn: bigint) =>
    publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "executorAt",
      args: [requestId, round, turn],
    });

  test("getScheduledExecutor names the active keeper drawn for the turn, and draws again each turn", async () => {
    const { requestId } = await openRequest("zeta");
    const bonded = await readKeepers<readonly Address[]>("activeKeepers");
    expect([...bonded].sort()).toEqual(keeperAccounts.map((a) => a.address).sort());
    const current = await getScheduledExecutor(publicClient, { contracts, requestId });
    expect(bonded).toContain(current.executor);
    const { openedAt, round } = await getRequest(publicClient, { contracts, requestId });
    expect(current.executor).toBe(await executorAt(requestId, round, current.turn));
    const { executorTurn } = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "parameters",
    });
    expect(current.nextTurnAt).toBe(openedAt + (current.turn + 1n) * executorTurn);

    await passTime(chain, current.nextTurnAt - (await now()));
    const next = await getScheduledExecutor(publicClient, { contracts, requestId });
    expect(next.turn).toBe(current.turn + 1n);
    expect(next.executor).toBe(await executorAt(requestId, round, current.turn + 1n));
    expect(next.nextTurnAt).toBe(current.nextTurnAt + executorTurn);
  });

  test("a report whose executor is not scheduled is refused with MarketNotScheduledExecutor", async () => {
    const { requestId } = await openRequest("eta");
    const bonded = await readKeepers<readonly Address[]>("activeKeepers");
    const { executor: scheduled, turn } = await startOfNextTurn(requestId);
    // Neither this turn's keeper nor the previous turn's.
    const previous = await executorAt(requestId, 0, turn - 1n);
    const unscheduled = bonded.find((k) => k !== scheduled && k !== previous) as Address;
    const report = await reportFor(chain, requestId, { executor: unscheduled });
    const refused = await submitReport(wallet(roles.user), {
      contracts,
      report,
      signatures: await signReport(chain, report),
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ContractRevertedError);
    expect(refused).toMatchObject({
      errorName: "MarketNotScheduledExecutor",
      args: [unscheduled, scheduled],
    });
  });

  test("below quorum and over-weight reports are refused with their custom errors", async () => {
    const { requestId, contributionId } = await openRequest("gamma");
    const quorum = Number(await readKeepers<bigint>("quorum"));
    const overweight = await reportFor(chain, requestId, {
      attributions: [{ contributionId, weightBps: 10_001 }],
    });
    const refused = await submitReport(wallet(keeperIndexes[0]), {
      contracts,
      report: overweight,
      signatures: await signReport(chain, overweight),
    }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ errorName: "MarketWeightsExceedTotal", args: [10_001n] });

    const fine = await reportFor(chain, requestId, { attributions: [{ contributionId, weightBps: 5000 }] });
    const executor = keeperAccounts.find((a) => a.address === fine.executor);
    const short = await submitReport(wallet(keeperIndexes[0]), {
      contracts,
      report: fine,
      signatures: await signReport(chain, fine, executor ? [executor] : []),
    }).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(ContractRevertedError);
    expect(short).toMatchObject({ errorName: "MarketBelowQuorum", args: [1n, BigInt(quorum)] });
  });

  test("a quorum of signers holding less than the stake quorum is refused", async () => {
    const { requestId } = await openRequest("theta");
    // The third keeper stakes as much as the other two together and a bit more.
    const [light1, light2, heavy] = keeperAccounts as [
      (typeof keeperAccounts)[number],
      (typeof keeperAccounts)[number],
      (typeof keeperAccounts)[number],
    ];
    const extra = (await stakeOf(light1.address)) + (await stakeOf(light2.address));
    await fund(heavy.address, extra);
    await stakeKeeper(wallet(keeperIndexes[2]), { contracts, amount: extra });
    let { executor } = await startOfNextTurn(requestId);
    while (executor === heavy.address) ({ executor } = await startOfNextTurn(requestId));

    const report = await reportFor(chain, requestId);
    expect(report.executor).toBe(executor);
    const refused = await submitReport(wallet(roles.user), {
      contracts,
      report,
      signatures: await signReport(chain, report, [light1, light2]),
    }).catch((e: unknown) => e);
    const signedStake = (await stakeOf(light1.address)) + (await stakeOf(light2.address));
    const quorumStake = await readKeepers<bigint>("quorumStake");
    expect(signedStake).toBeLessThan(quorumStake);
    expect(refused).toMatchObject({ errorName: "MarketBelowStakeQuorum", args: [signedStake, quorumStake] });

    const { digest } = await submitReport(wallet(roles.user), {
      contracts,
      report,
      signatures: await signReport(chain, report),
    });
    expect(digest).toBe(hashAttributionReport({ chainId, market: contracts.InferenceMarket, report }));
  });

  test("keepers who signed two reports for one round are slashed; the request reopens in the next round", async () => {
    const { requestId, contributionId } = await openRequest("epsilon");
    const accepted = await reportFor(chain, requestId, {
      attributions: [{ contributionId, weightBps: 9000 }],
    });
    const conflicting = { ...accepted, attributions: [{ contributionId, weightBps: 1000 }] };
    const { digest } = await submitReport(wallet(keeperIndexes[0]), {
      contracts,
      report: accepted,
      signatures: await signReport(chain, accepted),
    });
    const before = await Promise.all(keeperAccounts.map((a) => stakeOf(a.address)));

    const { voidedDigest, slashedKeepers } = await challengeReport(wallet(roles.user), {
      contracts,
      conflictingReport: conflicting,
      signatures: await signReport(chain, conflicting),
    });
    expect(voidedDigest).toBe(digest);
    expect([...slashedKeepers].sort()).toEqual(keeperAccounts.map((a) => a.address).sort());
    const after = await Promise.all(keeperAccounts.map((a) => stakeOf(a.address)));
    after.forEach((stake, i) => {
      expect(stake).toBeLessThan(before[i] ?? 0n);
    });
    const reopened = await getRequest(publicClient, { contracts, requestId });
    expect(reopened.statusName).toBe("open");
    expect(reopened.round).toBe(accepted.round + 1);
    await expect(
      challengeReport(wallet(roles.user), {
        contracts,
        conflictingReport: conflicting,
        signatures: await signReport(chain, conflicting),
      }),
    ).rejects.toThrow(/MarketRequestNotReported/);

    // The voided report cannot be replayed; a report for the new round is accepted.
    const replay = await submitReport(wallet(roles.user), {
      contracts,
      report: accepted,
      signatures: await signReport(chain, accepted),
    }).catch((e: unknown) => e);
    expect(replay).toMatchObject({
      errorName: "MarketWrongRound",
      args: [requestId, reopened.round, accepted.round],
    });
    const next = await reportFor(chain, requestId, { attributions: [{ contributionId, weightBps: 9000 }] });
    expect(next.round).toBe(reopened.round);
    await submitReport(wallet(roles.user), {
      contracts,
      report: next,
      signatures: await signReport(chain, next),
    });
    expect((await getRequest(publicClient, { contracts, requestId })).statusName).toBe("reported");
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
    await passTime(chain, deadline - (await now()) + 1n);
    await refundRequest(user, { contracts, requestId });
    expect(await balance()).toBe(start);
    expect((await getRequest(publicClient, { contracts, requestId })).statusName).toBe("refunded");
    await expect(
      waitForReport(publicClient, { contracts, requestId, pollingIntervalMs: 10, timeoutMs: 1000 }),
    ).rejects.toThrow(/refunded/);
  });
});
