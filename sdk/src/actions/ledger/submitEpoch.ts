import type { Hex } from "viem";
import type { EpochReport } from "../../eip712.js";
import type { ContractRevertedErrorType } from "../../errors/contract.js";
import { usageLedgerAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type TransactionRevertedError,
  type WalletClientWithAccount,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type SubmitEpochParameters = {
  contracts: ContractsOf<"UsageLedger">;
  report: EpochReport;
  /** The requesters' signatures of `report.vouchers`, in order. */
  voucherSignatures: readonly Hex[];
  /** The keepers' signatures of the report, ascending by signer (`sortSignatures`). */
  signatures: readonly Hex[];
};
export type SubmitEpochReturnType = WriteReturnType & {
  /** When the root becomes claimable (unix seconds), unless disputed before. */
  challengeEndsAt: bigint;
  signers: readonly `0x${string}`[];
};
export type SubmitEpochErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Posts an epoch's quorum-signed report with its vouchers: the ledger debits the requesters,
 * checks the totals and opens the challenge window.
 *
 * @example
 * const epoch = aggregateEpoch({ ... })
 * await submitEpoch(wallet, { contracts, report: epoch.report, voucherSignatures: epoch.voucherSignatures, signatures })
 */
export async function submitEpoch(
  client: WalletClientWithAccount,
  { contracts, report, voucherSignatures, signatures }: SubmitEpochParameters,
): Promise<SubmitEpochReturnType> {
  const address = contracts.UsageLedger;
  const result = await writeAndWait(client, {
    address,
    abi: usageLedgerAbi,
    functionName: "submitEpoch",
    args: [report, voucherSignatures, signatures],
  });
  const { args } = eventOf(result.receipt, usageLedgerAbi, "EpochSubmitted", address);
  return { ...result, challengeEndsAt: args.challengeEndsAt, signers: args.signers };
}
