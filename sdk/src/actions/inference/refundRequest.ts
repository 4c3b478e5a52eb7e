import { inferenceMarketAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RefundRequestParameters = {
  contracts: ContractsOf<"InferenceMarket">;
  requestId: bigint;
};
export type RefundRequestReturnType = WriteReturnType;

export type RefundRequestErrorType = WriteErrorType;

/**
 * Refunds a request that no report settled by its deadline; the fee returns to the requester.
 *
 * @example
 * await refundRequest(wallet, { contracts, requestId })
 */
export async function refundRequest(
  client: WalletClientWithAccount,
  { contracts, requestId }: RefundRequestParameters,
): Promise<RefundRequestReturnType> {
  return writeAndWait(client, {
    address: contracts.InferenceMarket,
    abi: inferenceMarketAbi,
    functionName: "refund",
    args: [requestId],
  });
}
