import type { Address, Hex } from "viem";
import type { AttributionReport } from "../../eip712.js";
import { inferenceMarketAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import { sortSignatures } from "./signAttributionReport.js";

export type ChallengeReportParameters = {
  contracts: ContractsOf<"InferenceMarket">;
  /** A report for the same request that differs from the accepted one. */
  conflictingReport: AttributionReport;
  /** Signatures over the conflicting report by keepers who also signed the accepted one. */
  signatures: readonly { signer: Address; signature: Hex }[];
};
export type ChallengeReportReturnType = WriteReturnType & {
  voidedDigest: Hex;
  slashedKeepers: readonly Address[];
};

export type ChallengeReportErrorType = WriteErrorType;

/**
 * Proves equivocation inside the challenge window: the accepted report is voided, the request
 * reopens, and every keeper that signed both reports is slashed (part of it to the caller).
 *
 * @example
 * const { slashedKeepers } = await challengeReport(wallet, { contracts, conflictingReport, signatures })
 */
export async function challengeReport(
  client: WalletClientWithAccount,
  { contracts, conflictingReport, signatures }: ChallengeReportParameters,
): Promise<ChallengeReportReturnType> {
  const address = contracts.InferenceMarket;
  const result = await writeAndWait(client, {
    address,
    abi: inferenceMarketAbi,
    functionName: "challenge",
    args: [conflictingReport.requestId, conflictingReport, sortSignatures(signatures)],
  });
  const { args } = eventOf(result.receipt, inferenceMarketAbi, "ReportChallenged", address);
  return { ...result, voidedDigest: args.voidedDigest, slashedKeepers: args.slashedKeepers };
}
