import { modelRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RetireModelParameters = {
  contracts: ContractsOf<"ModelRegistry">;
  modelId: bigint;
};
export type RetireModelReturnType = WriteReturnType;

export type RetireModelErrorType = WriteErrorType;

/**
 * Retires a model for good (model owner).
 *
 * @example
 * await retireModel(wallet, { contracts, modelId })
 */
export async function retireModel(
  client: WalletClientWithAccount,
  { contracts, modelId }: RetireModelParameters,
): Promise<RetireModelReturnType> {
  return writeAndWait(client, {
    address: contracts.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "retire",
    args: [modelId],
  });
}
