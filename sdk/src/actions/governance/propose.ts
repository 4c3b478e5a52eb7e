import { openGovernorAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import type { ProposalCalls } from "./proposal.js";

export type ProposeParameters = ProposalCalls & { contracts: ContractsOf<"OpenGovernor"> };
export type ProposeReturnType = WriteReturnType & { proposalId: bigint; voteStart: bigint; voteEnd: bigint };

export type ProposeErrorType = WriteErrorType;

/**
 * Proposes calls for the timelock to execute (e.g. a parameter change).
 *
 * @example
 * const calldata = encodeFunctionData({ abi: inferenceMarketAbi, functionName: "setChallengeWindow", args: [600n] })
 * const { proposalId } = await propose(wallet, {
 *   contracts, targets: [contracts.InferenceMarket], values: [0n], calldatas: [calldata], description: "Shorter window",
 * })
 */
export async function propose(
  client: WalletClientWithAccount,
  { contracts, targets, values, calldatas, description }: ProposeParameters,
): Promise<ProposeReturnType> {
  const address = contracts.OpenGovernor;
  const result = await writeAndWait(client, {
    address,
    abi: openGovernorAbi,
    functionName: "propose",
    args: [targets, values, calldatas, description],
  });
  const { args } = eventOf(result.receipt, openGovernorAbi, "ProposalCreated", address);
  return { ...result, proposalId: args.proposalId, voteStart: args.voteStart, voteEnd: args.voteEnd };
}
