import { datanetRegistryAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type CancelAccessRequestParameters = {
  contracts: ContractsOf<"DatanetRegistry">;
  datanetId: bigint;
};
export type CancelAccessRequestReturnType = WriteReturnType;

export type CancelAccessRequestErrorType = WriteErrorType;

/**
 * Cancels the caller's pending access request; the escrowed fee is refunded.
 *
 * @example
 * await cancelAccessRequest(wallet, { contracts, datanetId })
 */
export async function cancelAccessRequest(
  client: WalletClientWithAccount,
  { contracts, datanetId }: CancelAccessRequestParameters,
): Promise<CancelAccessRequestReturnType> {
  return writeAndWait(client, {
    address: contracts.DatanetRegistry,
    abi: datanetRegistryAbi,
    functionName: "cancelAccessRequest",
    args: [datanetId],
  });
}
