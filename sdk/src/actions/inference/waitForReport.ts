import type { Address, Chain, Client, Hex, Transport } from "viem";
import { getContractEvents } from "viem/actions";
import type { AttributionReport } from "../../eip712.js";
import { BaseError } from "../../errors/base.js";
import { inferenceMarketAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import type { ReadErrorType } from "../internal/write.js";
import { getRequest } from "./getRequest.js";

export type WaitForReportParameters = {
  contracts: ContractsOf<"InferenceMarket">;
  requestId: bigint;
  /** Block to search from; the request's block when known saves RPC work. Default: 0. */
  fromBlock?: bigint | undefined;
  pollingIntervalMs?: number | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
};
export type WaitForReportReturnType = {
  digest: Hex;
  report: AttributionReport;
  signers: readonly Address[];
  challengeEndsAt: bigint;
  blockNumber: bigint;
};

export class WaitForReportTimeoutError extends BaseError {
  override name = "WaitForReportTimeoutError";
}

/** A decoded revert or viem's error, a refund without a report (`BaseError`), or the timeout. */
export type WaitForReportErrorType = ReadErrorType | BaseError | WaitForReportTimeoutError;

/**
 * Resolves with the report keepers submitted for a request (the latest one, should an earlier
 * one have been voided by a challenge), also while it is disputed at the court. Rejects when the
 * request is refunded, on timeout or abort.
 *
 * @example
 * const { report, challengeEndsAt } = await waitForReport(client, { contracts, requestId, timeoutMs: 60_000 })
 */
export async function waitForReport(
  client: Client<Transport, Chain | undefined>,
  {
    contracts,
    requestId,
    fromBlock = 0n,
    pollingIntervalMs = 1000,
    timeoutMs = 120_000,
    signal,
  }: WaitForReportParameters,
): Promise<WaitForReportReturnType> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const request = await getRequest(client, { contracts, requestId });
    if (request.statusName === "refunded") {
      throw new BaseError(`Request ${requestId} was refunded without a report.`);
    }
    // A disputed request has an accepted report too: the court is ruling on it.
    if (
      request.statusName === "reported" ||
      request.statusName === "disputed" ||
      request.statusName === "finalized"
    ) {
      const events = await getContractEvents(client, {
        address: contracts.InferenceMarket,
        abi: inferenceMarketAbi,
        eventName: "ReportSubmitted",
        args: { requestId, digest: request.reportDigest },
        fromBlock,
        strict: true,
      });
      const event = events.at(-1);
      if (event) {
        return {
          digest: event.args.digest,
          report: event.args.report,
          signers: event.args.signers,
          challengeEndsAt: BigInt(event.args.challengeEndsAt),
          blockNumber: event.blockNumber,
        };
      }
    }
    if (Date.now() > deadline) {
      throw new WaitForReportTimeoutError(`No report for request ${requestId} within ${timeoutMs} ms.`, {
        metaMessages: [`Status: ${request.statusName}`],
      });
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, pollingIntervalMs));
  }
}
