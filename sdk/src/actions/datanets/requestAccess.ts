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

export type RequestAccessParameters = {
  contracts: ContractsOf<"DatanetRegistry" | "OpenToken">;
  datanetId: bigint;
  /**
   * Most OPEN to escrow; the datanet's current access fee by default, so a fee raised before the
   * transaction lands is refused (`DatanetFeeAboveMax`) rather than charged.
   */
  maxFee?: bigint | undefined;
};
export type RequestAccessReturnType = WriteReturnType & { fee: bigint };

export type RequestAccessErrorType = WriteErrorType;

/**
 * Asks a datanet's owner for access; the access fee is escrowed (approved first when needed)
 * until the owner approves or denies.
 *
 * @example
 * await requestAccess(developerWallet, { contracts, datanetId })
 * await approveAccess(ownerWallet, { contracts, datanetId, account: developer })
 */
export async function requestAccess(
  client: WalletClientWithAccount,
  { contracts, datanetId, maxFee }: RequestAccessParameters,
): Promise<RequestAccessReturnType> {
  const address = contracts.DatanetRegistry;
  const { accessFee } = await readContract(client, {
    address,
    abi: datanetRegistryAbi,
    functionName: "getDatanet",
    args: [datanetId],
  });
  const cap = maxFee ?? accessFee;
  await approveIfNeeded(client, { token: contracts.OpenToken, spender: address, amount: cap });
  const result = await writeAndWait(client, {
    address,
    abi: datanetRegistryAbi,
    functionName: "requestAccess",
    args: [datanetId, cap],
  });
  const { args } = eventOf(result.receipt, datanetRegistryAbi, "AccessRequested", address);
  return { ...result, fee: args.fee };
}
