import { keeperRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import { approveIfNeeded } from "../token/approveIfNeeded.js";

export type StakeKeeperParameters = {
  contracts: ContractsOf<"KeeperRegistry" | "OpenToken">;
  amount: bigint;
};
export type StakeKeeperReturnType = WriteReturnType & { totalStake: bigint };

export type StakeKeeperErrorType = WriteErrorType;

/**
 * Stakes OPEN as a keeper (joins the signer set once the total reaches the minimum) or tops up.
 *
 * @example
 * await stakeKeeper(keeperWallet, { contracts, amount: parseEther("1000") })
 */
export async function stakeKeeper(
  client: WalletClientWithAccount,
  { contracts, amount }: StakeKeeperParameters,
): Promise<StakeKeeperReturnType> {
  const address = contracts.KeeperRegistry;
  await approveIfNeeded(client, { token: contracts.OpenToken, spender: address, amount });
  const result = await writeAndWait(client, {
    address,
    abi: keeperRegistryAbi,
    functionName: "stake",
    args: [amount],
  });
  const { args } = eventOf(result.receipt, keeperRegistryAbi, "KeeperStaked", address);
  return { ...result, totalStake: args.totalStake };
}
