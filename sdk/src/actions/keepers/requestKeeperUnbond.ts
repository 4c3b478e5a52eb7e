import { keeperRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RequestKeeperUnbondParameters = {
  contracts: ContractsOf<"KeeperRegistry">;
};
export type RequestKeeperUnbondReturnType = WriteReturnType;

export type RequestKeeperUnbondErrorType = WriteErrorType;

/**
 * Leaves the signer set; the stake can be withdrawn after the unbonding delay.
 *
 * @example
 * await requestKeeperUnbond(keeperWallet, { contracts })
 */
export async function requestKeeperUnbond(
  client: WalletClientWithAccount,
  { contracts }: RequestKeeperUnbondParameters,
): Promise<RequestKeeperUnbondReturnType> {
  return writeAndWait(client, {
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName: "requestUnbond",
    args: [],
  });
}
