import { modelRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RepriceModelParameters = {
  contracts: ContractsOf<"ModelRegistry">;
  modelId: bigint;
  pricePerRequest: bigint;
};
export type RepriceModelReturnType = WriteReturnType;

export type RepriceModelErrorType = WriteErrorType;

/**
 * Sets a model's price per request (model owner).
 *
 * @example
 * await repriceModel(wallet, { contracts, modelId, pricePerRequest: parseEther("2") })
 */
export async function repriceModel(
  client: WalletClientWithAccount,
  { contracts, modelId, pricePerRequest }: RepriceModelParameters,
): Promise<RepriceModelReturnType> {
  return writeAndWait(client, {
    address: contracts.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "setPrice",
    args: [modelId, pricePerRequest],
  });
}
