import { encodeFunctionData, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import { keeperIndexes, modelOnDatanet, roles, stakeKeepers } from "../../../test/fixtures.js";
import { contributionVotesAbi, inferenceMarketAbi, openGovernorAbi } from "../../generated/abis.js";
import { anvilPrivateKeys } from "../../testing/anvil.js";
import { contentHash } from "../../utils/contentHash.js";
import { finalizeRequests } from "../inference/finalizeRequests.js";
import { requestInference } from "../inference/requestInference.js";
import { signAttributionReport } from "../inference/signAttributionReport.js";
import { submitReport } from "../inference/submitReport.js";
import { castVote } from "./castVote.js";
import { delegateVotes } from "./delegateVotes.js";
import { executeProposal } from "./executeProposal.js";
import { propose } from "./propose.js";
import { queueProposal } from "./queueProposal.js";

const chain = sharedChain();
const { contracts, publicClient, testClient, wallet, chainId } = chain;

async function passTime(seconds: bigint) {
  await testClient.increaseTime({ seconds: Number(seconds) });
  await testClient.mine({ blocks: 1 });
}

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
    const { quorum } = await stakeKeepers(chain);
    const { requestId } = await requestInference(wallet(roles.user), {
      contracts,
      modelId,
      inputHash: contentHash("gov"),
      inputURI: "blob:gov",
      maxFee: parseEther("2"),
    });
    const executor = privateKeyToAccount(anvilPrivateKeys[keeperIndexes[0]]);
    const report = {
      requestId,
      modelId,
      outputHash: contentHash("gov out"),
      outputURI: "blob:gov-out",
      executor: executor.address,
      attributionVersion: 1,
      attributions: [{ contributionId: contributions[0]?.contributionId ?? 0n, weightBps: 10_000 }],
    };
    const signatures = await Promise.all(
      keeperIndexes.slice(0, quorum).map((i) =>
        signAttributionReport(privateKeyToAccount(anvilPrivateKeys[i]), {
          chainId,
          market: contracts.InferenceMarket,
          report,
        }),
      ),
    );
    const { challengeEndsAt } = await submitReport(wallet(keeperIndexes[0]), {
      contracts,
      report,
      signatures,
    });
    await passTime(challengeEndsAt - (await publicClient.getBlock()).timestamp + 1n);
    await finalizeRequests(wallet(roles.user), { contracts, requestIds: [requestId] });

    // Self-delegated on first mint; delegating moves the votes.
    const developer = wallet(roles.developer);
    const contributor = wallet(roles.contributor);
    const developerVotes = await votesOf(developer.account.address);
    expect(developerVotes).toBeGreaterThan(0n);
    await delegateVotes(contributor, { contracts, delegatee: developer.account.address });
    const delegated = await votesOf(developer.account.address);
    expect(delegated).toBeGreaterThan(developerVotes);
    await passTime(2n);

    const calls = {
      targets: [contracts.InferenceMarket],
      values: [0n],
      calldatas: [
        encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setChallengeWindow", args: [45n] }),
      ],
      description: "Challenge window 45 s",
    };
    const { proposalId, voteStart, voteEnd } = await propose(developer, { contracts, ...calls });
    await passTime(voteStart - (await publicClient.getBlock()).timestamp + 1n);
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

    await passTime(voteEnd - (await publicClient.getBlock()).timestamp + 1n);
    await queueProposal(developer, { contracts, ...calls });
    const eta = await publicClient.readContract({
      address: contracts.OpenGovernor,
      abi: openGovernorAbi,
      functionName: "proposalEta",
      args: [proposalId],
    });
    await passTime(eta - (await publicClient.getBlock()).timestamp + 1n);
    await executeProposal(developer, { contracts, ...calls });
    const window = await publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "challengeWindow",
    });
    expect(window).toBe(45n);
  });
});
