import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RejectContributionParameters = {
  contracts: ContractsOf<"DatanetRegistry">;
  contributionId: bigint;
};
export type RejectContributionReturnType = WriteReturnType;

export type RejectContributionErrorType = WriteErrorType;

/**
 * Rejects a pending contribution (curators only); the bond is slashed to the treasury.
 *
 * @example
 * await rejectContribution(curatorWallet, { contracts, contributionId })
 */
export async function rejectContribution(
  client: WalletClientWithAccount,
  { contracts, contributionId }: RejectContributionParameters,
): Promise<RejectContributionReturnType> {
  return writeAndWait(client, {
    address: contracts.DatanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "rejectContribution",
    args: [contributionId],
  });
}
