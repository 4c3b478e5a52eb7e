import { modelRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type PauseModelParameters = {
  contracts: ContractsOf<"ModelRegistry">;
  modelId: bigint;
};
export type PauseModelReturnType = WriteReturnType;

export type PauseModelErrorType = WriteErrorType;

/**
 * Pauses a model: no new requests until it is unpaused (model owner).
 *
 * @example
 * await pauseModel(wallet, { contracts, modelId })
 */
export async function pauseModel(
  client: WalletClientWithAccount,
  { contracts, modelId }: PauseModelParameters,
): Promise<PauseModelReturnType> {
  return writeAndWait(client, {
    address: contracts.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "pause",
    args: [modelId],
  });
}
