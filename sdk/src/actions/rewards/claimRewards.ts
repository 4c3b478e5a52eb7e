import type { Address } from "viem";
import { rewardVaultAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type ClaimRewardsParameters = {
  contracts: ContractsOf<"RewardVault">;
  /** Recipient of the OPEN; the caller by default. */
  to?: Address | undefined;
};
export type ClaimRewardsReturnType = WriteReturnType & { amount: bigint };

export type ClaimRewardsErrorType = WriteErrorType;

/**
 * Withdraws everything credited to the caller in the RewardVault.
 *
 * @example
 * const { amount } = await claimRewards(wallet, { contracts })
 */
export async function claimRewards(
  client: WalletClientWithAccount,
  { contracts, to }: ClaimRewardsParameters,
): Promise<ClaimRewardsReturnType> {
  const address = contracts.RewardVault;
  const result = await writeAndWait(client, {
    address,
    abi: rewardVaultAbi,
    functionName: "claim",
    args: [to ?? client.account.address],
  });
  return { ...result, amount: eventOf(result.receipt, rewardVaultAbi, "Claimed", address).args.amount };
}
