import { agentRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RequestAgentUnbondParameters = {
  contracts: ContractsOf<"AgentRegistry">;
  agentId: bigint;
};
export type RequestAgentUnbondReturnType = WriteReturnType;

export type RequestAgentUnbondErrorType = WriteErrorType;

/**
 * Starts the unbonding of an agent's stake (agent owner).
 *
 * @example
 * await requestAgentUnbond(wallet, { contracts, agentId })
 */
export async function requestAgentUnbond(
  client: WalletClientWithAccount,
  { contracts, agentId }: RequestAgentUnbondParameters,
): Promise<RequestAgentUnbondReturnType> {
  return writeAndWait(client, {
    address: contracts.AgentRegistry,
    abi: agentRegistryAbi,
    functionName: "requestUnbond",
    args: [agentId],
  });
}
