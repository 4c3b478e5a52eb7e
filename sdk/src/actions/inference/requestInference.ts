import type { Hex } from "viem";
import { inferenceMarketAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import { approveIfNeeded } from "../token/approveIfNeeded.js";

export type RequestInferenceParameters = {
  contracts: ContractsOf<"InferenceMarket" | "OpenToken">;
  modelId: bigint;
  /** sha256 of the input blob. */
  inputHash: Hex;
  inputURI: string;
  /** The most the caller will pay; the model's current price is escrowed. */
  maxFee: bigint;
};
export type RequestInferenceReturnType = WriteReturnType & {
  requestId: bigint;
  fee: bigint;
  deadline: bigint;
};

export type RequestInferenceErrorType = WriteErrorType;

/**
 * Pays for one inference: approves up to `maxFee` OPEN when needed and escrows the model's
 * price in the market until the request is finalized or refunded.
 *
 * @example
 * const { requestId } = await requestInference(wallet, {
 *   contracts, modelId, inputHash: contentHash(prompt), inputURI, maxFee: parseEther("1"),
 * })
 */
export async function requestInference(
  client: WalletClientWithAccount,
  { contracts, modelId, inputHash, inputURI, maxFee }: RequestInferenceParameters,
): Promise<RequestInferenceReturnType> {
  const address = contracts.InferenceMarket;
  await approveIfNeeded(client, { token: contracts.OpenToken, spender: address, amount: maxFee });
  const result = await writeAndWait(client, {
    address,
    abi: inferenceMarketAbi,
    functionName: "requestInference",
    args: [modelId, inputHash, inputURI, maxFee],
  });
  const { args } = eventOf(result.receipt, inferenceMarketAbi, "InferenceRequested", address);
  return { ...result, requestId: args.requestId, fee: args.fee, deadline: BigInt(args.deadline) };
}
