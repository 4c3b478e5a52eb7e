import { modelRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RegisterCompositeParameters = {
  contracts: ContractsOf<"ModelRegistry">;
  /** The models this composite (agent or ensemble) is made of, with weights summing to 10,000. */
  parts: readonly { modelId: bigint; weightBps: bigint }[];
  pricePerRequest: bigint;
  metadataURI: string;
};
export type RegisterCompositeReturnType = WriteReturnType & { modelId: bigint };

export type RegisterCompositeErrorType = WriteErrorType;

/**
 * Registers a composite model whose model share is split among its parts' owners by weight.
 *
 * @example
 * const { modelId } = await registerComposite(wallet, {
 *   contracts, parts: [{ modelId: 1n, weightBps: 7000n }, { modelId: 2n, weightBps: 3000n }],
 *   pricePerRequest: parseEther("3"), metadataURI: "ipfs://…",
 * })
 */
export async function registerComposite(
  client: WalletClientWithAccount,
  { contracts, parts, pricePerRequest, metadataURI }: RegisterCompositeParameters,
): Promise<RegisterCompositeReturnType> {
  const address = contracts.ModelRegistry;
  const params = {
    partIds: parts.map((p) => p.modelId),
    weightsBps: parts.map((p) => p.weightBps),
    pricePerRequest,
    metadataURI,
  };
  const result = await writeAndWait(client, {
    address,
    abi: modelRegistryAbi,
    functionName: "registerComposite",
    args: [params],
  });
  return {
    ...result,
    modelId: eventOf(result.receipt, modelRegistryAbi, "CompositeRegistered", address).args.modelId,
  };
}
