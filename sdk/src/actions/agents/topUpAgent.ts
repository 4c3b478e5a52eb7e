import { agentRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import { approveIfNeeded } from "../token/approveIfNeeded.js";

export type TopUpAgentParameters = {
  contracts: ContractsOf<"AgentRegistry" | "OpenToken">;
  agentId: bigint;
  amount: bigint;
};
export type TopUpAgentReturnType = WriteReturnType;

export type TopUpAgentErrorType = WriteErrorType;

/**
 * Adds OPEN to an agent's stake.
 *
 * @example
 * await topUpAgent(wallet, { contracts, agentId, amount: parseEther("100") })
 */
export async function topUpAgent(
  client: WalletClientWithAccount,
  { contracts, agentId, amount }: TopUpAgentParameters,
): Promise<TopUpAgentReturnType> {
  const address = contracts.AgentRegistry;
  await approveIfNeeded(client, { token: contracts.OpenToken, spender: address, amount });
  return writeAndWait(client, {
    address,
    abi: agentRegistryAbi,
    functionName: "topUp",
    args: [agentId, amount],
  });
}
