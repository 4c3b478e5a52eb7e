import { openGovernorAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import { type ProposalCalls, proposalArgs } from "./proposal.js";

export type ExecuteProposalParameters = ProposalCalls & { contracts: ContractsOf<"OpenGovernor"> };
export type ExecuteProposalReturnType = WriteReturnType;

export type ExecuteProposalErrorType = WriteErrorType;

/**
 * Executes a queued proposal once the timelock delay has passed.
 *
 * @example
 * await executeProposal(wallet, { contracts, targets, values, calldatas, description })
 */
export async function executeProposal(
  client: WalletClientWithAccount,
  { contracts, ...calls }: ExecuteProposalParameters,
): Promise<ExecuteProposalReturnType> {
  return writeAndWait(client, {
    address: contracts.OpenGovernor,
    abi: openGovernorAbi,
    functionName: "execute",
    args: proposalArgs(calls),
  });
}
