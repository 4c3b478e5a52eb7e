import { modelRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type UnpauseModelParameters = {
  contracts: ContractsOf<"ModelRegistry">;
  modelId: bigint;
};
export type UnpauseModelReturnType = WriteReturnType;

export type UnpauseModelErrorType = WriteErrorType;

/**
 * Accepts requests for a paused model again (model owner).
 *
 * @example
 * await unpauseModel(wallet, { contracts, modelId })
 */
export async function unpauseModel(
  client: WalletClientWithAccount,
  { contracts, modelId }: UnpauseModelParameters,
): Promise<UnpauseModelReturnType> {
  return writeAndWait(client, {
    address: contracts.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "unpause",
    args: [modelId],
  });
}
