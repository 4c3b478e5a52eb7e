import { openGovernorAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

/** GovernorCountingSimple's support values. */
export const voteSupport = { against: 0, for: 1, abstain: 2 } as const;

export type CastVoteParameters = {
  contracts: ContractsOf<"OpenGovernor">;
  proposalId: bigint;
  support: keyof typeof voteSupport;
  reason?: string | undefined;
};
export type CastVoteReturnType = WriteReturnType;

export type CastVoteErrorType = WriteErrorType;

/**
 * Votes on an active proposal with the caller's delegated contribution votes.
 *
 * @example
 * await castVote(wallet, { contracts, proposalId, support: "for", reason: "Faster settlement" })
 */
export async function castVote(
  client: WalletClientWithAccount,
  { contracts, proposalId, support, reason = "" }: CastVoteParameters,
): Promise<CastVoteReturnType> {
  return writeAndWait(client, {
    address: contracts.OpenGovernor,
    abi: openGovernorAbi,
    functionName: "castVoteWithReason",
    args: [proposalId, voteSupport[support], reason],
  });
}
