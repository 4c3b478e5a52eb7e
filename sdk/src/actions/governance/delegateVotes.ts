import type { Address } from "viem";
import { contributionVotesAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type DelegateVotesParameters = { contracts: ContractsOf<"ContributionVotes">; delegatee: Address };
export type DelegateVotesReturnType = WriteReturnType;

export type DelegateVotesErrorType = WriteErrorType;

/**
 * Delegates the caller's contribution votes (earned, never bought) to `delegatee`.
 *
 * @example
 * await delegateVotes(wallet, { contracts, delegatee: trustedReviewer })
 */
export async function delegateVotes(
  client: WalletClientWithAccount,
  { contracts, delegatee }: DelegateVotesParameters,
): Promise<DelegateVotesReturnType> {
  return writeAndWait(client, {
    address: contracts.ContributionVotes,
    abi: contributionVotesAbi,
    functionName: "delegate",
    args: [delegatee],
  });
}
