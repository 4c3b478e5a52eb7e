import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type WithdrawContributionParameters = {
  contracts: ContractsOf<"DatanetRegistry">;
  contributionId: bigint;
};
export type WithdrawContributionReturnType = WriteReturnType;

export type WithdrawContributionErrorType = WriteErrorType;

/**
 * Withdraws a contribution left unreviewed past the datanet's review timeout, with its bond.
 *
 * @example
 * await withdrawContribution(wallet, { contracts, contributionId })
 */
export async function withdrawContribution(
  client: WalletClientWithAccount,
  { contracts, contributionId }: WithdrawContributionParameters,
): Promise<WithdrawContributionReturnType> {
  return writeAndWait(client, {
    address: contracts.DatanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "withdrawContribution",
    args: [contributionId],
  });
}
