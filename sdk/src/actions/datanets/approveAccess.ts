import type { Address } from "viem";
import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type ApproveAccessParameters = {
  contracts: ContractsOf<"DatanetRegistry">;
  datanetId: bigint;
  account: Address;
};
export type ApproveAccessReturnType = WriteReturnType;

export type ApproveAccessErrorType = WriteErrorType;

/**
 * Approves a pending access request (datanet owner); the escrowed fee goes to the owner.
 *
 * @example
 * await approveAccess(ownerWallet, { contracts, datanetId, account: developer })
 */
export async function approveAccess(
  client: WalletClientWithAccount,
  { contracts, datanetId, account }: ApproveAccessParameters,
): Promise<ApproveAccessReturnType> {
  return writeAndWait(client, {
    address: contracts.DatanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "approveAccess",
    args: [datanetId, account],
  });
}
