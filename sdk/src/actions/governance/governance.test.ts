import { encodeFunctionData, parseEther } from "viem";
import { describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import {
  keeperIndexes,
  modelOnDatanet,
  passTime,
  reportFor,
  roles,
  signReport,
  stakeKeepers,
} from "../../../test/fixtures.js";
import { contributionVotesAbi, inferenceMarketAbi, openGovernorAbi } from "../../generated/abis.js";
import { contentHash } from "../../utils/contentHash.js";
import { finalizeRequests } from "../inference/finalizeRequests.js";
import { getRequest } from "../inference/getRequest.js";
import { requestInference } from "../inference/requestInference.js";
import { submitReport } from "../inference/submitReport.js";
import { castVote } from "./castVote.js";
import { delegateVotes } from "./delegateVotes.js";
import { executeProposal } from "./executeProposal.js";
import { propose } from "./propose.js";
import { queueProposal } from "./queueProposal.js";

const chain = sharedChain();
const { contracts, publicClient, wallet } = chain;
const passed = (seconds: bigint) => passTime(chain, seconds);

const votesOf = (account: `0x${string}`) =>
  publicClient.readContract({
    address: contracts.ContributionVotes,
    abi: contributionVotesAbi,
    functionName: "getVotes",
    args: [account],
  });

describe("governance actions", () => {
  test("votes earned by contributing change a market parameter through the timelock", async () => {
    // Earn votes: one settled request pays the model owner and the contributors.
    const { modelId, contributions } = await modelOnDatanet(chain, ["governance data"]);
    await stakeKeepers(chain);
    const { requestId } = await requestInference(wallet(roles.user), {
      contracts,
      modelId,
      inputHash: contentHash("gov"),
      inputURI: "blob:gov",
      maxFee: parseEther("2"),
    });
    const report = await reportFor(chain, requestId, {
      outputHash: contentHash("gov out"),
      outputURI: "blob:gov-out",
      attributions: [{ contributionId: contributions[0]?.contributionId ?? 0n, weightBps: 10_000 }],
    });
    const { challengeEndsAt } = await submitReport(wallet(keeperIndexes[0]), {
      contracts,
      report,
      signatures: await signReport(chain, report),
    });
    await passed(challengeEndsAt - (await publicClient.getBlock()).timestamp + 1n);
    const { finalized } = await finalizeRequests(wallet(roles.user), { contracts, requestIds: [requestId] });

    // Votes for what each earned, scaled so that the request mints at most its protocol share.
    const { protocolFeeBps, executorFeeBps } = await getRequest(publicClient, { contracts, requestId });
    const votesFor = (amount: bigint) =>
      (amount * BigInt(protocolFeeBps)) / (10_000n - BigInt(protocolFeeBps) - BigInt(executorFeeBps));
    const { fee = 0n, modelAmount = 0n, attributedAmount = 0n } = finalized[0] ?? {};
    // Self-delegated on first mint; delegating moves the votes.
    const developer = wallet(roles.developer);
    const contributor = wallet(roles.contributor);
    const developerVotes = await votesOf(developer.account.address);
    expect(developerVotes).toBe(votesFor(modelAmount));
    expect(await votesOf(contributor.account.address)).toBe(votesFor(attributedAmount));
    expect(votesFor(modelAmount) + votesFor(attributedAmount)).toBeLessThanOrEqual(
      (fee * BigInt(protocolFeeBps)) / 10_000n,
    );
    await delegateVotes(contributor, { contracts, delegatee: developer.account.address });
    const delegated = await votesOf(developer.account.address);
    expect(delegated).toBe(developerVotes + votesFor(attributedAmount));
    await passed(2n);

    const calls = {
      targets: [contracts.InferenceMarket],
      values: [0n],
      calldatas: [
        encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setChallengeWindow", args: [45n] }),
      ],
      description: "Challenge window 45 s",
    };
    const { proposalId, voteStart, voteEnd } = await propose(developer, { contracts, ...calls });
    await passed(voteStart - (await publicClient.getBlock()).timestamp + 1n);
    await castVote(developer, { contracts, proposalId, support: "for", reason: "faster settlement" });
    const [, forVotes] = await publicClient.readContract({
      address: contracts.OpenGovernor,
      abi: openGovernorAbi,
      functionName: "proposalVotes",
      args: [proposalId],
    });
    expect(forVotes).toBe(delegated);
    await expect(castVote(developer, { contracts, proposalId, support: "for" })).rejects.toThrow(
      /GovernorAlreadyCastVote/,
    );

    await passed(voteEnd - (await publicClient.getBlock()).timestamp + 1n);
    await queueProposal(developer, { contracts, ...calls });
    const eta = await publicClient.readContract({
      address: contracts.OpenGovernor,
      abi: openGovernorAbi,
      functionName: "proposalEta",
      args: [proposalId],
    });
    await passed(eta - (await publicClient.getBlock()).timestamp + 1n);
    await executeProposal(developer, { contracts, ...calls });
    const window = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "challengeWindow",
    });
    expect(window).toBe(45n);
  });
});
