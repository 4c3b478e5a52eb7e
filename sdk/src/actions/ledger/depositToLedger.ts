import type { Address } from "viem";
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
import { approveIfNeeded } from "../token/approveIfNeeded.js";

export type DepositToLedgerParameters = {
  contracts: ContractsOf<"UsageLedger" | "OpenToken">;
  /** OPEN wei to deposit. */
  amount: bigint;
  /** Whose balance grows; the caller by default. */
  account?: Address | undefined;
};
export type DepositToLedgerReturnType = WriteReturnType & {
  /** The account's ledger balance after the deposit. */
  balance: bigint;
};
export type DepositToLedgerErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Prepays OPEN into the UsageLedger for metered calls: approves the ledger when the allowance is
 * short, then deposits for the caller (or for `account`).
 *
 * @example
 * const { balance } = await depositToLedger(wallet, { contracts, amount: parseEther("100") })
 */
export async function depositToLedger(
  client: WalletClientWithAccount,
  { contracts, amount, account }: DepositToLedgerParameters,
): Promise<DepositToLedgerReturnType> {
  const address = contracts.UsageLedger;
  await approveIfNeeded(client, { token: contracts.OpenToken, spender: address, amount });
  const result = await writeAndWait(
    client,
    account === undefined
      ? { address, abi: usageLedgerAbi, functionName: "deposit", args: [amount] }
      : { address, abi: usageLedgerAbi, functionName: "depositFor", args: [account, amount] },
  );
  return { ...result, balance: eventOf(result.receipt, usageLedgerAbi, "Deposited", address).args.balance };
}
