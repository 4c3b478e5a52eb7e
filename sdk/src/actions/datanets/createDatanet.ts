import type { Address } from "viem";
import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type CreateDatanetParameters = {
  contracts: ContractsOf<"DatanetRegistry">;
  metadataURI: string;
  /** OPEN a contributor locks per submission; returned on acceptance, slashed on rejection. */
  contributionBond: bigint;
  /** OPEN a model developer pays the owner for access. */
  accessFee: bigint;
  /** Seconds after which an unreviewed contribution can be withdrawn. */
  reviewTimeout: bigint;
  curators?: readonly Address[] | undefined;
};
export type CreateDatanetReturnType = WriteReturnType & { datanetId: bigint };

export type CreateDatanetErrorType = WriteErrorType;

/**
 * Creates a datanet owned by the caller.
 *
 * @example
 * const { datanetId } = await createDatanet(wallet, {
 *   contracts, metadataURI: "ipfs://…", contributionBond: parseEther("10"), accessFee: parseEther("100"),
 *   reviewTimeout: 7n * 86_400n, curators: [curator],
 * })
 */
export async function createDatanet(
  client: WalletClientWithAccount,
  { contracts, curators = [], ...config }: CreateDatanetParameters,
): Promise<CreateDatanetReturnType> {
  const address = contracts.DatanetRegistry;
  const result = await writeAndWait(client, {
    address,
    abi: datanetRegistryAbi,
    functionName: "createDatanet",
    args: [config, curators],
  });
  const event = eventOf(result.receipt, datanetRegistryAbi, "DatanetCreated", address);
  return { ...result, datanetId: event.args.datanetId };
}
