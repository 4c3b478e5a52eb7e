import type { Hex } from "viem";
import { readContract } from "viem/actions";
import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import { approveIfNeeded } from "../token/approveIfNeeded.js";

export type ContributeParameters = {
  contracts: ContractsOf<"DatanetRegistry" | "OpenToken">;
  datanetId: bigint;
  /** sha256 of the blob (`contentHash(bytes)`). */
  contentHash: Hex;
  /** Where the gateway serves the blob. */
  uri: string;
  /**
   * Most OPEN to bond; the datanet's current bond by default, so an owner who raises the bond
   * before the transaction lands gets `DatanetBondAboveMax` instead of more OPEN.
   */
  maxBond?: bigint | undefined;
};
export type ContributeReturnType = WriteReturnType & { contributionId: bigint; bond: bigint };

export type ContributeErrorType = WriteErrorType;

/**
 * Submits a contribution to a datanet, approving the datanet's bond first when needed.
 *
 * @example
 * const { contributionId } = await contribute(wallet, { contracts, datanetId, contentHash: contentHash(text), uri })
 */
export async function contribute(
  client: WalletClientWithAccount,
  { contracts, datanetId, contentHash, uri, maxBond }: ContributeParameters,
): Promise<ContributeReturnType> {
  const address = contracts.DatanetRegistry;
  const datanet = await readContract(client, {
    address,
    abi: datanetRegistryAbi,
    functionName: "getDatanet",
    args: [datanetId],
  });
  const cap = maxBond ?? datanet.contributionBond;
  await approveIfNeeded(client, { token: contracts.OpenToken, spender: address, amount: cap });
  const result = await writeAndWait(client, {
    address,
    abi: datanetRegistryAbi,
    functionName: "contribute",
    args: [datanetId, contentHash, uri, cap],
  });
  const event = eventOf(result.receipt, datanetRegistryAbi, "ContributionSubmitted", address);
  return { ...result, contributionId: event.args.contributionId, bond: event.args.bond };
}
