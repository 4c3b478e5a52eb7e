import type { Address } from "viem";
import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type DenyAccessParameters = {
  contracts: ContractsOf<"DatanetRegistry">;
  datanetId: bigint;
  account: Address;
};
export type DenyAccessReturnType = WriteReturnType;

export type DenyAccessErrorType = WriteErrorType;

/**
 * Denies a pending access request (datanet owner); the escrowed fee is refunded.
 *
 * @example
 * await denyAccess(ownerWallet, { contracts, datanetId, account: developer })
 */
export async function denyAccess(
  client: WalletClientWithAccount,
  { contracts, datanetId, account }: DenyAccessParameters,
): Promise<DenyAccessReturnType> {
  return writeAndWait(client, {
    address: contracts.DatanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "denyAccess",
    args: [datanetId, account],
  });
}
