import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type AcceptContributionParameters = {
  contracts: ContractsOf<"DatanetRegistry">;
  contributionId: bigint;
};
export type AcceptContributionReturnType = WriteReturnType;

export type AcceptContributionErrorType = WriteErrorType;

/**
 * Accepts a pending contribution (curators only); the bond goes back to the contributor.
 *
 * @example
 * await acceptContribution(curatorWallet, { contracts, contributionId })
 */
export async function acceptContribution(
  client: WalletClientWithAccount,
  { contracts, contributionId }: AcceptContributionParameters,
): Promise<AcceptContributionReturnType> {
  return writeAndWait(client, {
    address: contracts.DatanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "acceptContribution",
    args: [contributionId],
  });
}
