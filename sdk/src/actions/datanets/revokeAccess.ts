import type { Address } from "viem";
import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RevokeAccessParameters = {
  contracts: ContractsOf<"DatanetRegistry">;
  datanetId: bigint;
  account: Address;
};
export type RevokeAccessReturnType = WriteReturnType;

export type RevokeAccessErrorType = WriteErrorType;

/**
 * Revokes an account's access to a datanet (datanet owner).
 *
 * @example
 * await revokeAccess(ownerWallet, { contracts, datanetId, account: developer })
 */
export async function revokeAccess(
  client: WalletClientWithAccount,
  { contracts, datanetId, account }: RevokeAccessParameters,
): Promise<RevokeAccessReturnType> {
  return writeAndWait(client, {
    address: contracts.DatanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "revokeAccess",
    args: [datanetId, account],
  });
}
