import { type Account, type Address, type Hex, hashTypedData } from "viem";
import { type AttributionReport, attributionReportTypes, inferenceMarketDomain } from "../../eip712.js";
import type { BaseErrorType } from "../../errors/base.js";
import { BaseError } from "../../errors/base.js";

export type AttributionReportSigningParameters = {
  chainId: number;
  market: Address;
  report: AttributionReport;
};

/**
 * The EIP-712 digest the market verifies for a report (`InferenceMarket.hashReport`).
 *
 * @example
 * const digest = hashAttributionReport({ chainId, market: contracts.InferenceMarket, report })
 */
export function hashAttributionReport({ chainId, market, report }: AttributionReportSigningParameters): Hex {
  return hashTypedData({
    domain: inferenceMarketDomain(chainId, market),
    types: attributionReportTypes,
    primaryType: "AttributionReport",
    message: report,
  });
}

export type SignAttributionReportErrorType = BaseErrorType;

/**
 * One keeper's signature over a report, with a local account or any viem account that can sign
 * typed data.
 *
 * @example
 * const signature = await signAttributionReport(keeperAccount, { chainId, market, report })
 */
export async function signAttributionReport(
  account: Account,
  { chainId, market, report }: AttributionReportSigningParameters,
): Promise<{ signer: Address; signature: Hex }> {
  if (!account.signTypedData)
    throw new BaseError(`Account ${account.address} cannot sign typed data locally.`);
  const signature = await account.signTypedData({
    domain: inferenceMarketDomain(chainId, market),
    types: attributionReportTypes,
    primaryType: "AttributionReport",
    message: report,
  });
  return { signer: account.address, signature };
}

/**
 * Orders signatures by signer address, ascending and without duplicates, as `submitReport`
 * requires.
 */
export function sortSignatures(signatures: readonly { signer: Address; signature: Hex }[]): Hex[] {
  const bySigner = new Map<string, Hex>();
  for (const { signer, signature } of signatures) bySigner.set(signer.toLowerCase(), signature);
  return [...bySigner.entries()]
    .sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1))
    .map(([, signature]) => signature);
}
