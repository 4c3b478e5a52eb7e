import type { Chain, Client, ContractFunctionReturnType, Transport } from "viem";
import { readContract } from "viem/actions";
import { inferenceMarketAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import type { ReadErrorType } from "../internal/write.js";

/** `IInferenceMarket.RequestStatus`, by index. */
export const requestStatuses = ["none", "open", "reported", "finalized", "refunded", "disputed"] as const;
export type RequestStatus = (typeof requestStatuses)[number];

export type GetRequestParameters = { contracts: ContractsOf<"InferenceMarket">; requestId: bigint };
export type GetRequestReturnType = ContractFunctionReturnType<
  typeof inferenceMarketAbi,
  "view",
  "getRequest"
> & {
  statusName: RequestStatus;
};

export type GetRequestErrorType = ReadErrorType;

/**
 * A request's escrow and settlement state.
 *
 * @example
 * const { statusName, challengeEndsAt } = await getRequest(client, { contracts, requestId })
 */
export async function getRequest(
  client: Client<Transport, Chain | undefined>,
  { contracts, requestId }: GetRequestParameters,
): Promise<GetRequestReturnType> {
  const request = await readContract(client, {
    address: contracts.InferenceMarket,
    abi: inferenceMarketAbi,
    functionName: "getRequest",
    args: [requestId],
  });
  return { ...request, statusName: requestStatuses[request.status] ?? "none" };
}
