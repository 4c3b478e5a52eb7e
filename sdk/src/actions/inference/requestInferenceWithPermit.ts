import { inferenceMarketAbi } from "../../generated/abis.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  writeAndWait,
} from "../internal/write.js";
import { signPermit } from "../token/signPermit.js";
import type { RequestInferenceParameters, RequestInferenceReturnType } from "./requestInference.js";

export type RequestInferenceWithPermitParameters = RequestInferenceParameters & {
  /** Unix seconds the permit stays valid; one hour by default. */
  permitDeadline?: bigint | undefined;
};
export type RequestInferenceWithPermitReturnType = RequestInferenceReturnType;

export type RequestInferenceWithPermitErrorType = WriteErrorType;

/**
 * Pays for one inference in a single transaction: signs an EIP-2612 permit for `maxFee` and
 * passes it with the request (no approval transaction).
 *
 * @example
 * const { requestId } = await requestInferenceWithPermit(wallet, { contracts, modelId, inputHash, inputURI, maxFee })
 */
export async function requestInferenceWithPermit(
  client: WalletClientWithAccount,
  { contracts, modelId, inputHash, inputURI, maxFee, permitDeadline }: RequestInferenceWithPermitParameters,
): Promise<RequestInferenceWithPermitReturnType> {
  const address = contracts.InferenceMarket;
  const permit = await signPermit(client, {
    token: contracts.OpenToken,
    spender: address,
    value: maxFee,
    deadline: permitDeadline,
  });
  const result = await writeAndWait(client, {
    address,
    abi: inferenceMarketAbi,
    functionName: "requestInferenceWithPermit",
    args: [modelId, inputHash, inputURI, maxFee, permit.deadline, permit.v, permit.r, permit.s],
  });
  const { args } = eventOf(result.receipt, inferenceMarketAbi, "InferenceRequested", address);
  return { ...result, requestId: args.requestId, fee: args.fee, deadline: BigInt(args.deadline) };
}
