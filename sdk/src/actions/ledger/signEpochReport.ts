import { type Account, type Address, type Hex, hashTypedData } from "viem";
import { type EpochReport, epochReportTypes, usageLedgerDomain } from "../../eip712.js";
import type { BaseErrorType } from "../../errors/base.js";
import { BaseError } from "../../errors/base.js";

export type EpochReportSigningParameters = { chainId: number; ledger: Address; report: EpochReport };

/**
 * The EIP-712 digest the ledger verifies for an epoch report (`UsageLedger.hashEpochReport`).
 *
 * @example
 * const digest = hashEpochReport({ chainId, ledger: contracts.UsageLedger, report })
 */
export function hashEpochReport({ chainId, ledger, report }: EpochReportSigningParameters): Hex {
  return hashTypedData({
    domain: usageLedgerDomain(chainId, ledger),
    types: epochReportTypes,
    primaryType: "EpochReport",
    message: report,
  });
}

export type SignEpochReportErrorType = BaseErrorType;

/**
 * One keeper's signature over an epoch report. Collect a quorum (sorted with `sortSignatures`)
 * and send them with `submitEpoch`.
 *
 * @example
 * const signature = await signEpochReport(keeperAccount, { chainId, ledger: contracts.UsageLedger, report })
 */
export async function signEpochReport(
  account: Account,
  { chainId, ledger, report }: EpochReportSigningParameters,
): Promise<{ signer: Address; signature: Hex }> {
  if (!account.signTypedData)
    throw new BaseError(`Account ${account.address} cannot sign typed data locally.`);
  const signature = await account.signTypedData({
    domain: usageLedgerDomain(chainId, ledger),
    types: epochReportTypes,
    primaryType: "EpochReport",
    message: report,
  });
  return { signer: account.address, signature };
}
