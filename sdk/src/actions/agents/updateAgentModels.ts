import { agentRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type UpdateAgentModelsParameters = {
  contracts: ContractsOf<"AgentRegistry">;
  agentId: bigint;
  modelIds: readonly bigint[];
};
export type UpdateAgentModelsReturnType = WriteReturnType;

export type UpdateAgentModelsErrorType = WriteErrorType;

/**
 * Replaces the list of models an agent uses (agent owner).
 *
 * @example
 * await updateAgentModels(wallet, { contracts, agentId, modelIds: [1n, 2n] })
 */
export async function updateAgentModels(
  client: WalletClientWithAccount,
  { contracts, agentId, modelIds }: UpdateAgentModelsParameters,
): Promise<UpdateAgentModelsReturnType> {
  return writeAndWait(client, {
    address: contracts.AgentRegistry,
    abi: agentRegistryAbi,
    functionName: "updateModels",
    args: [agentId, modelIds],
  });
}
