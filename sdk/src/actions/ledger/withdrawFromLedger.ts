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

export type WithdrawFromLedgerParameters = { contracts: ContractsOf<"UsageLedger"> };
export type WithdrawFromLedgerReturnType = WriteReturnType & {
  /** OPEN wei sent: the requested amount, capped at what settled vouchers left. */
  amount: bigint;
};
export type WithdrawFromLedgerErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Completes a withdrawal requested with `requestLedgerWithdrawal` once it has unlocked
 * (`LedgerWithdrawalLocked` before then).
 *
 * @example
 * const { amount } = await withdrawFromLedger(wallet, { contracts })
 */
export async function withdrawFromLedger(
  client: WalletClientWithAccount,
  { contracts }: WithdrawFromLedgerParameters,
): Promise<WithdrawFromLedgerReturnType> {
  const address = contracts.UsageLedger;
  const result = await writeAndWait(client, {
    address,
    abi: usageLedgerAbi,
    functionName: "withdraw",
    args: [],
  });
  return { ...result, amount: eventOf(result.receipt, usageLedgerAbi, "Withdrawn", address).args.amount };
}
