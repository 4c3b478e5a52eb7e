import { keeperRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type WithdrawKeeperStakeParameters = {
  contracts: ContractsOf<"KeeperRegistry">;
};
export type WithdrawKeeperStakeReturnType = WriteReturnType;

export type WithdrawKeeperStakeErrorType = WriteErrorType;

/**
 * Withdraws a keeper's stake once its unbonding delay has passed.
 *
 * @example
 * await withdrawKeeperStake(keeperWallet, { contracts })
 */
export async function withdrawKeeperStake(
  client: WalletClientWithAccount,
  { contracts }: WithdrawKeeperStakeParameters,
): Promise<WithdrawKeeperStakeReturnType> {
  return writeAndWait(client, {
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName: "withdraw",
    args: [],
  });
}
