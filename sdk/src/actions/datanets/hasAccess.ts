import type { Address, Chain, Client, Transport } from "viem";
import { readContract } from "viem/actions";
import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import type { ReadErrorType } from "../internal/write.js";

export type HasAccessParameters = {
  contracts: ContractsOf<"DatanetRegistry">;
  datanetId: bigint;
  account: Address;
};
export type HasAccessReturnType = boolean;

export type HasAccessErrorType = ReadErrorType;

/**
 * Whether `account` may download a datanet's contributions (granted access, or owner).
 *
 * @example
 * if (!(await hasAccess(client, { contracts, datanetId, account }))) await requestAccess(wallet, { contracts, datanetId })
 */
export async function hasAccess(
  client: Client<Transport, Chain | undefined>,
  { contracts, datanetId, account }: HasAccessParameters,
): Promise<HasAccessReturnType> {
  return readContract(client, {
    address: contracts.DatanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "hasAccess",
    args: [datanetId, account],
  });
}
