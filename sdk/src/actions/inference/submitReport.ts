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

export type SubmitReportParameters = {
  contracts: ContractsOf<"InferenceMarket">;
  report: AttributionReport;
  /** At least `quorum` keeper signatures, in any order (they are sorted by signer here). */
  signatures: readonly { signer: Address; signature: Hex }[];
};
export type SubmitReportReturnType = WriteReturnType & { digest: Hex; challengeEndsAt: bigint };

export type SubmitReportErrorType = WriteErrorType;

/**
 * Posts a quorum-signed attribution report for a request; settlement follows after the
 * challenge window (`finalizeRequests`).
 *
 * @example
 * const signed = await Promise.all(keepers.map((k) => signAttributionReport(k, { chainId, market, report })))
 * await submitReport(executorWallet, { contracts, report, signatures: signed })
 */
export async function submitReport(
  client: WalletClientWithAccount,
  { contracts, report, signatures }: SubmitReportParameters,
): Promise<SubmitReportReturnType> {
  const address = contracts.InferenceMarket;
  const result = await writeAndWait(client, {
    address,
    abi: inferenceMarketAbi,
    functionName: "submitReport",
    args: [report, sortSignatures(signatures)],
  });
  const { args } = eventOf(result.receipt, inferenceMarketAbi, "ReportSubmitted", address);
  return { ...result, digest: args.digest, challengeEndsAt: BigInt(args.challengeEndsAt) };
}
