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

export type RequestLedgerWithdrawalParameters = {
  contracts: ContractsOf<"UsageLedger">;
  /** OPEN wei to withdraw once the delay has passed; `0n` cancels a pending request. */
  amount: bigint;
};
export type RequestLedgerWithdrawalReturnType = WriteReturnType & {
  /** When `withdrawFromLedger` may be called (unix seconds; `0n` after a cancel). */
  unlockAt: bigint;
};
export type RequestLedgerWithdrawalErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Asks to withdraw part of the caller's ledger balance after the ledger's `withdrawalDelay`.
 * Keepers stop serving against the requested amount at once; vouchers they already served
 * are still settled from the balance during the delay.
 *
 * @example
 * const { unlockAt } = await requestLedgerWithdrawal(wallet, { contracts, amount: parseEther("40") })
 */
export async function requestLedgerWithdrawal(
  client: WalletClientWithAccount,
  { contracts, amount }: RequestLedgerWithdrawalParameters,
): Promise<RequestLedgerWithdrawalReturnType> {
  const address = contracts.UsageLedger;
  const result = await writeAndWait(client, {
    address,
    abi: usageLedgerAbi,
    functionName: "requestWithdrawal",
    args: [amount],
  });
  const { args } = eventOf(result.receipt, usageLedgerAbi, "WithdrawalRequested", address);
  return { ...result, unlockAt: args.unlockAt };
}
