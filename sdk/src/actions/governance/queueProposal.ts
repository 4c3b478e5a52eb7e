import { openGovernorAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import { type ProposalCalls, proposalArgs } from "./proposal.js";

export type QueueProposalParameters = ProposalCalls & { contracts: ContractsOf<"OpenGovernor"> };
export type QueueProposalReturnType = WriteReturnType;

export type QueueProposalErrorType = WriteErrorType;

/**
 * Queues a succeeded proposal in the timelock (same calls and description as proposed).
 *
 * @example
 * await queueProposal(wallet, { contracts, targets, values, calldatas, description })
 */
export async function queueProposal(
  client: WalletClientWithAccount,
  { contracts, ...calls }: QueueProposalParameters,
): Promise<QueueProposalReturnType> {
  return writeAndWait(client, {
    address: contracts.OpenGovernor,
    abi: openGovernorAbi,
    functionName: "queue",
    args: proposalArgs(calls),
  });
}
