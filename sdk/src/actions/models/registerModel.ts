import type { Hex } from "viem";
import { modelRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RegisterModelParameters = {
  contracts: ContractsOf<"ModelRegistry">;
  baseModelId: string;
  /** sha256 of the adapter file (`contentHashOfFile`). */
  adapterHash: Hex;
  adapterURI: string;
  /** Root of the training manifest (`createTrainingManifest(entries).root`). */
  manifestRoot: Hex;
  /** Datanets the adapter was trained on; the caller needs access to each. */
  datanetIds: readonly bigint[];
  pricePerRequest: bigint;
  metadataURI: string;
};
export type RegisterModelReturnType = WriteReturnType & { modelId: bigint };

export type RegisterModelErrorType = WriteErrorType;

/**
 * Registers a fine-tuned adapter as a model (an ERC-721 minted to the caller).
 *
 * @example
 * const manifest = createTrainingManifest(usedContributions)
 * const { modelId } = await registerModel(wallet, {
 *   contracts, baseModelId: "payable-llama-tiny", adapterHash, adapterURI, manifestRoot: manifest.root,
 *   datanetIds: [datanetId], pricePerRequest: parseEther("1"), metadataURI: "ipfs://…",
 * })
 */
export async function registerModel(
  client: WalletClientWithAccount,
  { contracts, ...params }: RegisterModelParameters,
): Promise<RegisterModelReturnType> {
  const address = contracts.ModelRegistry;
  const result = await writeAndWait(client, {
    address,
    abi: modelRegistryAbi,
    functionName: "registerModel",
    args: [params],
  });
  return {
    ...result,
    modelId: eventOf(result.receipt, modelRegistryAbi, "ModelRegistered", address).args.modelId,
  };
}
