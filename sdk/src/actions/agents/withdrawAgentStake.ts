import { agentRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type WithdrawAgentStakeParameters = {
  contracts: ContractsOf<"AgentRegistry">;
  agentId: bigint;
};
export type WithdrawAgentStakeReturnType = WriteReturnType;

export type WithdrawAgentStakeErrorType = WriteErrorType;

/**
 * Withdraws an agent's stake after its unbonding delay (agent owner).
 *
 * @example
 * await withdrawAgentStake(wallet, { contracts, agentId })
 */
export async function withdrawAgentStake(
  client: WalletClientWithAccount,
  { contracts, agentId }: WithdrawAgentStakeParameters,
): Promise<WithdrawAgentStakeReturnType> {
  return writeAndWait(client, {
    address: contracts.AgentRegistry,
    abi: agentRegistryAbi,
    functionName: "withdraw",
    args: [agentId],
  });
}
