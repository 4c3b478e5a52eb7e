import { inferenceMarketAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventsOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type FinalizeRequestsParameters = {
  contracts: ContractsOf<"InferenceMarket">;
  requestIds: readonly bigint[];
};
export type FinalizeRequestsReturnType = WriteReturnType & {
  finalized: { requestId: bigint; fee: bigint; modelAmount: bigint; attributedAmount: bigint }[];
  /** Ids the market could not settle (unknown, not reported, window still open, repeated). */
  skipped: { requestId: bigint; status: number; challengeEndsAt: bigint }[];
};

export type FinalizeRequestsErrorType = WriteErrorType;

/**
 * Settles reported requests whose challenge window has passed (anyone may call, batched):
 * fees are split and credited in the RewardVault. Ids that cannot be settled are skipped and
 * listed in `skipped`; the call reverts only when none can be.
 *
 * @example
 * await finalizeRequests(wallet, { contracts, requestIds: [requestId] })
 */
export async function finalizeRequests(
  client: WalletClientWithAccount,
  { contracts, requestIds }: FinalizeRequestsParameters,
): Promise<FinalizeRequestsReturnType> {
  const address = contracts.InferenceMarket;
  const result = await writeAndWait(client, {
    address,
    abi: inferenceMarketAbi,
    functionName: "finalize",
    args: [requestIds],
  });
  const finalized = eventsOf(result.receipt, inferenceMarketAbi, "RequestFinalized", address).map(
    ({ args }) => ({
      requestId: args.requestId,
      fee: args.fee,
      modelAmount: args.modelAmount,
      attributedAmount: args.attributedAmount,
    }),
  );
  const skipped = eventsOf(result.receipt, inferenceMarketAbi, "FinalizeSkipped", address).map(
    ({ args }) => ({
      requestId: args.requestId,
      status: args.status,
      challengeEndsAt: BigInt(args.challengeEndsAt),
    }),
  );
  return { ...result, finalized, skipped };
}
