import { claimRewards, contributionVotesAbi, delegateVotes, getRewards } from "@payable-ai/sdk";
import { useCallback, useEffect, useState } from "react";
import { createPublicClient, formatEther, http } from "viem";
import type { ChainInfo } from "./api.js";
import { errorText } from "./errors.js";
import { chainOf, type Signer } from "./wallet.js";

type Contracts = Parameters<typeof getRewards>[1]["contracts"] &
  Parameters<typeof delegateVotes>[1]["contracts"] &
  Parameters<typeof claimRewards>[1]["contracts"];

/** Earnings (RewardVault) and contribution votes (ContributionVotes) of the connected account. */
export function AccountPanel({ chain, signer }: { chain: ChainInfo; signer: Signer }) {
  const [rewards, setRewards] = useState<{ claimable: bigint; credited: bigint; claimed: bigint } | null>(
    null,
  );
  const [votes, setVotes] = useState<{ votes: bigint; delegate: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const contracts = chain.contracts as Contracts;

  const refresh = useCallback(async () => {
    const client = createPublicClient({ chain: chainOf(chain), transport: http(chain.rpcUrl) });
    setRewards(await getRewards(client, { contracts, account: signer.address }));
    const [count, delegate] = await Promise.all([
      client.readContract({
        address: contracts.ContributionVotes,
        abi: contributionVotesAbi,
        functionName: "getVotes",
        args: [signer.address],
      }),
      client.readContract({
        address: contracts.ContributionVotes,
        abi: contributionVotesAbi,
        functionName: "delegates",
        args: [signer.address],
      }),
    ]);
    setVotes({ votes: count, delegate });
  }, [chain, contracts, signer.address]);

  useEffect(() => {
    refresh().catch((e) => setError(errorText(e)));
  }, [refresh]);

  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      await refresh();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <fieldset>
      <legend>Earnings and votes</legend>
      {rewards && (
        <p data-testid="earnings">
          Credited {formatEther(rewards.credited)} OPEN · claimed {formatEther(rewards.claimed)} · claimable{" "}
          {formatEther(rewards.claimable)}{" "}
          <button
            type="button"
            disabled={rewards.claimable === 0n}
            onClick={() => act(async () => claimRewards(await signer.walletClient(chain), { contracts }))}
          >
            Claim
          </button>
        </p>
      )}
      {votes && (
        <p data-testid="votes">
          Votes {formatEther(votes.votes)} · delegate <code data-testid="delegate">{votes.delegate}</code>{" "}
          <button
            type="button"
            onClick={() =>
              act(async () =>
                delegateVotes(await signer.walletClient(chain), { contracts, delegatee: signer.address }),
              )
            }
          >
            Delegate to myself
          </button>
        </p>
      )}
      {error && <p role="alert">{error}</p>}
    </fieldset>
  );
}
