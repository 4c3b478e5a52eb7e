import { readContract } from "viem/actions";
import { type ContractRevertedErrorType, toContractError } from "../../errors/contract.js";
import { reportCourtAbi } from "../../generated/abis.js";
import { protocolErrorsAbi } from "../../protocolAbi.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type TransactionRevertedError,
  type WalletClientWithAccount,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import { approveIfNeeded } from "../token/approveIfNeeded.js";
import { type GetDisputeReturnType, getDispute } from "./getDispute.js";

export type DisputeReportParameters = {
  contracts: ContractsOf<"ReportCourt" | "OpenToken">;
  /** A `reported` request inside its challenge window. */
  requestId: bigint;
  /** Where the evidence that the report is wrong can be fetched. */
  evidenceURI: string;
  /**
   * Most OPEN the court may pull as the bond (the allowance approved); `bondFor(requestId)` by
   * default, so a bond raised before the transaction lands reverts instead of taking more.
   */
  maxBond?: bigint | undefined;
};
export type DisputeReportReturnType = WriteReturnType & {
  /** OPEN posted, returned unless the dispute is rejected. */
  bond: bigint;
  /** The dispute as of the transaction's block (`statusName` `open`). */
  dispute: GetDisputeReturnType;
};
export type DisputeReportErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Disputes a request's accepted report at the report court: approves the bond when the
 * allowance is short, then posts it. The request turns `disputed` and its signers' stakes are
 * frozen until the guardian or governance rules (`ruleDispute`) and anyone executes the ruling
 * (`executeDispute`).
 *
 * @example
 * const { bond, dispute } = await disputeReport(wallet, { contracts, requestId, evidenceURI: "ipfs://evidence" })
 * dispute.resolveBy // last moment for a ruling
 */
export async function disputeReport(
  client: WalletClientWithAccount,
  { contracts, requestId, evidenceURI, maxBond }: DisputeReportParameters,
): Promise<DisputeReportReturnType> {
  const address = contracts.ReportCourt;
  let cap = maxBond;
  if (cap === undefined) {
    try {
      cap = await readContract(client, {
        address,
        abi: reportCourtAbi,
        functionName: "bondFor",
        args: [requestId],
      });
    } catch (error) {
      throw toContractError(error, protocolErrorsAbi);
    }
  }
  await approveIfNeeded(client, { token: contracts.OpenToken, spender: address, amount: cap });
  const result = await writeAndWait(client, {
    address,
    abi: reportCourtAbi,
    functionName: "dispute",
    args: [requestId, evidenceURI],
  });
  const { args } = eventOf(result.receipt, reportCourtAbi, "DisputeOpened", address);
  const dispute = await getDispute(client, { contracts, requestId, blockNumber: result.receipt.blockNumber });
  return { ...result, bond: args.bond, dispute };
}
