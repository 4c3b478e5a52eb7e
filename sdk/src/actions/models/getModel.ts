import type { Chain, Client, ContractFunctionReturnType, Transport } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import type { ReadErrorType } from "../internal/write.js";

export type GetModelParameters = { contracts: ContractsOf<"ModelRegistry">; modelId: bigint };
export type GetModelReturnType = ContractFunctionReturnType<typeof modelRegistryAbi, "view", "getModel"> & {
  owner: `0x${string}`;
};

export type GetModelErrorType = ReadErrorType;

/**
 * A model's on-chain record and current owner (the holder of its ERC-721).
 *
 * @example
 * const { pricePerRequest, adapterHash, owner } = await getModel(client, { contracts, modelId })
 */
export async function getModel(
  client: Client<Transport, Chain | undefined>,
  { contracts, modelId }: GetModelParameters,
): Promise<GetModelReturnType> {
  const address = contracts.ModelRegistry;
  const [model, owner] = await Promise.all([
    readContract(client, { address, abi: modelRegistryAbi, functionName: "getModel", args: [modelId] }),
    readContract(client, { address, abi: modelRegistryAbi, functionName: "ownerOf", args: [modelId] }),
  ]);
  return { ...model, owner };
}
