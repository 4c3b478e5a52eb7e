import { agentRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import { approveIfNeeded } from "../token/approveIfNeeded.js";

export type RegisterAgentParameters = {
  contracts: ContractsOf<"AgentRegistry" | "OpenToken">;
  modelIds: readonly bigint[];
  metadataURI: string;
  stake: bigint;
};
export type RegisterAgentReturnType = WriteReturnType & { agentId: bigint };

export type RegisterAgentErrorType = WriteErrorType;

/**
 * Registers an agent (an app built on models) with an OPEN stake, approved first when needed.
 *
 * @example
 * const { agentId } = await registerAgent(wallet, { contracts, modelIds: [modelId], metadataURI, stake: parseEther("500") })
 */
export async function registerAgent(
  client: WalletClientWithAccount,
  { contracts, modelIds, metadataURI, stake }: RegisterAgentParameters,
): Promise<RegisterAgentReturnType> {
  const address = contracts.AgentRegistry;
  await approveIfNeeded(client, { token: contracts.OpenToken, spender: address, amount: stake });
  const result = await writeAndWait(client, {
    address,
    abi: agentRegistryAbi,
    functionName: "registerAgent",
    args: [modelIds, metadataURI, stake],
  });
  return {
    ...result,
    agentId: eventOf(result.receipt, agentRegistryAbi, "AgentRegistered", address).args.agentId,
  };
}
