import type { Address, Chain, Client, Transport } from "viem";
import { readContract } from "viem/actions";
import { rewardVaultAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import type { ReadErrorType } from "../internal/write.js";

export type GetRewardsParameters = { contracts: ContractsOf<"RewardVault">; account: Address };
export type GetRewardsReturnType = { claimable: bigint; credited: bigint; claimed: bigint };

export type GetRewardsErrorType = ReadErrorType;

/**
 * What an account has been credited, has claimed, and can claim now.
 *
 * @example
 * const { claimable } = await getRewards(client, { contracts, account })
 */
export async function getRewards(
  client: Client<Transport, Chain | undefined>,
  { contracts, account }: GetRewardsParameters,
): Promise<GetRewardsReturnType> {
  const address = contracts.RewardVault;
  const [claimable, credited, claimed] = await Promise.all([
    readContract(client, { address, abi: rewardVaultAbi, functionName: "balanceOf", args: [account] }),
    readContract(client, { address, abi: rewardVaultAbi, functionName: "totalCreditedTo", args: [account] }),
    readContract(client, { address, abi: rewardVaultAbi, functionName: "totalClaimedBy", args: [account] }),
  ]);
  return { claimable, credited, claimed };
}
