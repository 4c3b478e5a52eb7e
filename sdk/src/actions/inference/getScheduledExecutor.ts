import type { Address, Chain, Client, Transport } from "viem";
import { readContract } from "viem/actions";
import { inferenceMarketAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import type { ReadErrorType } from "../internal/write.js";

export type GetScheduledExecutorParameters = {
  contracts: ContractsOf<"InferenceMarket">;
  requestId: bigint;
};
export type GetScheduledExecutorReturnType = {
  /** The keeper the market accepts as executor now (the previous turn's keeper is accepted too). */
  executor: Address;
  /** Turns since the request's current round opened. */
  turn: bigint;
  /** Chain time (seconds) at which the next turn starts. */
  nextTurnAt: bigint;
};

export type GetScheduledExecutorErrorType = ReadErrorType;

/**
 * Who may execute an open request now: the market rotates the turn over the bonded keepers every
 * `executorTurn` seconds from the moment the round opened, and refuses a report whose executor is
 * not scheduled for the current or the previous turn.
 *
 * @example
 * const { executor, nextTurnAt } = await getScheduledExecutor(client, { contracts, requestId })
 */
export async function getScheduledExecutor(
  client: Client<Transport, Chain | undefined>,
  { contracts, requestId }: GetScheduledExecutorParameters,
): Promise<GetScheduledExecutorReturnType> {
  const [executor, turn, nextTurnAt] = await readContract(client, {
    address: contracts.InferenceMarket,
    abi: inferenceMarketAbi,
    functionName: "scheduledExecutor",
    args: [requestId],
  });
  return { executor, turn, nextTurnAt: BigInt(nextTurnAt) };
}
