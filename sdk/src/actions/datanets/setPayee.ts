import type { Address } from "viem";
import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type SetPayeeParameters = {
  contracts: ContractsOf<"DatanetRegistry">;
  contributionId: bigint;
  newPayee: Address;
};
export type SetPayeeReturnType = WriteReturnType;

export type SetPayeeErrorType = WriteErrorType;

/**
 * Points a contribution's future payouts to a new address.
 *
 * @example
 * await setPayee(wallet, { contracts, contributionId, newPayee })
 */
export async function setPayee(
  client: WalletClientWithAccount,
  { contracts, contributionId, newPayee }: SetPayeeParameters,
): Promise<SetPayeeReturnType> {
  return writeAndWait(client, {
    address: contracts.DatanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "setPayee",
    args: [contributionId, newPayee],
  });
}
